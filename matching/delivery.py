"""From a published tender to the right inboxes, once: notifications, immediate emails, digests, reminders.

1. ``dispatch_tender`` (task ``tender_published``, queued on commit by ``tender_publish``) runs the matching query,
   writes one ``Notification`` per (tender, person) — members of the matched structures, then people whose saved
   search finds the tender — with the score and the reasons, and records a ``TenderDispatch``. The unique
   constraint (tender, user) makes a second run, or a concurrent one, write nothing more.
2. ``deliver_notifications`` (task ``send_notifications``, chunks of CHUNK_SIZE ids fanned out as separate tasks so
   several workers share them) locks its pending rows (``FOR UPDATE SKIP LOCKED``), checks each one *now* (tender
   still open, structure not "pas intéressé", person still subscribed and not ignoring those topics), queues the
   emails in the outbox in one bulk call (dedupe key ``notif:<tender>:<user>``) and marks the rows emailed or
   skipped, in the same transaction; once it commits, the same worker sends the chunk (``outbox.tasks.send_now``:
   no trip through the broker, the bodies not read again; what fails goes to the outbox's retries and sweep).
3. ``send_digests`` (beat, daily and weekly) gathers each person's pending digest notifications — the tenders
   published since their last digest — best score first, into one email per person per window (unique
   (user, frequency, window)); tenders closed or cancelled since are left out.
4. ``send_deadline_reminders`` (beat, hourly) reminds the members of the structures that said "Intéressé", three
   days before the bid deadline, once per (tender, user).
5. ``stale_work`` (beat, every minute) finds what a broker outage left behind — published tenders without a
   finished dispatch, pending immediate notifications — so that the tasks run again. The outbox's own sweep does
   the same for emails left queued.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, F, OuterRef, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.http import QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ess2024.bulk import insert_rows
from matching.formatting import PARIS, deadline_text, site_url, tender_url
from matching.models import (
    DIGEST_FREQUENCIES,
    DeadlineReminder,
    Digest,
    Frequency,
    Notification,
    NotificationPreference,
    SavedSearch,
    TenderDispatch,
)
from matching.preferences import unsubscribe_headers, unsubscribe_url
from matching.services import MATCH_FIELDS, TenderSide, format_euros
from outbox.models import OutboxEmail
from outbox.services import queue_email, queue_emails
from outbox.tasks import send_now
from structures.models import Structure
from tenders.models import Interest, Tender, TenderStatus

logger = logging.getLogger(__name__)

# Notification ids per send_notifications task.
CHUNK_SIZE = 200
# Saved searches read per batch when a tender is published.
SEARCH_BATCH = 500
# How far back the sweep looks for publications that were never dispatched.
SWEEP_HORIZON = datetime.timedelta(days=7)
REMINDER_BEFORE = datetime.timedelta(days=3)

SKIP = Notification.SkipReason
# The language of the reasons stored on a Notification (built at dispatch time, whoever the recipient).
REASONS_LANGUAGE = "fr"


def chunks(ids: list[int], size: int = CHUNK_SIZE) -> list[list[int]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


def _is_open(tender: Tender, now: datetime.datetime) -> bool:
    return tender.status == TenderStatus.PUBLISHED and tender.bid_deadline > now


# --------------------------------------------------------------------------------------------------------------
# 1. Publication: who should hear of it


def dispatch_tender(*, tender_id: int) -> list[int]:
    """Write the notifications of a published tender (idempotent). Returns the ids of its pending immediate ones."""
    with transaction.atomic():
        tender = Tender.objects.open().filter(pk=tender_id).first()
        if tender is None:
            return []
        dispatch, _created = TenderDispatch.objects.get_or_create(tender=tender)
        dispatch = TenderDispatch.objects.select_for_update().get(pk=dispatch.pk)  # one dispatch at a time
        if dispatch.finished_at is None:
            side = TenderSide.load(tender)
            matched, written = _write_match_notifications(side)
            written += write_invitation_notifications(tender, topic_ids=side.topics)
            written += _write_saved_search_notifications(side)
            dispatch.matched_count = matched
            dispatch.notification_count = written
            dispatch.finished_at = timezone.now()
            dispatch.save(update_fields=["matched_count", "notification_count", "finished_at"])
            logger.info("Matching: tender %s matched %s structures, %s notifications", tender.pk, matched, written)
    return list(
        Notification.objects.pending()
        .immediate()
        .filter(tender_id=tender_id)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# The columns insert_notifications writes, with their PostgreSQL types (handled_at and the links stay NULL).
NOTIFICATION_COLUMNS = (
    ("tender_id", "bigint"),
    ("user_id", "bigint"),
    ("structure_id", "bigint"),
    ("saved_search_id", "bigint"),
    ("source", "text"),
    ("channel", "text"),
    ("score", "smallint"),
    ("reasons", "jsonb"),
    ("topic_ids", "bigint[]"),
    ("status", "text"),
    ("skip_reason", "text"),
    ("created_at", "timestamptz"),
)


def insert_notifications(notifications: Iterable[Notification]) -> None:
    """Insert new pending notifications; a (tender, user) already notified is left alone (ON CONFLICT DO NOTHING,
    as bulk_create(ignore_conflicts=True) would). One statement per thousand rows (ess2024/bulk.py): bulk_create
    took 1.8 s of a 5,000-recipient dispatch's 2.6 s."""
    now = timezone.now()
    rows = [
        (
            row.tender_id,
            row.user_id,
            row.structure_id,
            row.saved_search_id,
            row.source,
            row.channel,
            row.score,
            list(row.reasons),
            list(row.topic_ids),
            Notification.Status.PENDING,
            "",
            now,
        )
        for row in notifications
    ]
    insert_rows(Notification, NOTIFICATION_COLUMNS, rows, ignore_conflicts=True)


def _ignored_topics(user_ids: Iterable[int] | None, topic_ids: Iterable[int]) -> dict[int, set[int]]:
    """user id -> the topics among `topic_ids` they ignore (only users who ignore some)."""
    through = NotificationPreference.ignored_topics.through
    rows = through.objects.filter(topic_id__in=list(topic_ids))
    if user_ids is not None:
        rows = rows.filter(notificationpreference__user_id__in=list(user_ids))
    ignored: dict[int, set[int]] = defaultdict(set)
    for user_id, topic_id in rows.values_list("notificationpreference__user_id", "topic_id"):
        ignored[user_id].add(topic_id)
    return ignored


def _write_match_notifications(side: TenderSide) -> tuple[int, int]:
    """One notification per member of the matched structures (their best-scoring structure). -> (matched, written)"""
    rows = (
        side.queryset()
        .values(
            "pk",
            "turnover",
            *MATCH_FIELDS,
            member_id=F("memberships__user_id"),
            member_active=F("memberships__user__is_active"),
            frequency=F("memberships__user__notification_preference__frequency"),
        )
        .order_by("-match_score", "pk", "memberships__user_id")
    )
    ignored = _ignored_topics(None, side.topics)
    structures: set[int] = set()
    matches = {}
    notifications: dict[int, Notification] = {}
    for row in rows.iterator(chunk_size=2000):
        structures.add(row["pk"])
        user_id = row["member_id"]
        if user_id is None or not row["member_active"] or user_id in notifications:
            continue
        frequency = row["frequency"] or Frequency.IMMEDIATE
        topic_ids = list(row["m_topic_ids"])
        if frequency == Frequency.NONE or (user_id in ignored and set(topic_ids) <= ignored[user_id]):
            continue
        if row["pk"] not in matches:
            matches[row["pk"]] = side.match(row)
        match = matches[row["pk"]]
        notifications[user_id] = Notification(
            tender_id=side.tender.pk,
            user_id=user_id,
            structure_id=row["pk"],
            source=Notification.Source.MATCH,
            channel=frequency,
            score=match.score,
            reasons=match.reasons,
            topic_ids=topic_ids,
        )
    insert_notifications(notifications.values())
    return len(structures), len(notifications)


def invitation_reasons(buyer: str) -> list[str]:
    return [_("Invitée par l'acheteur : %(buyer)s vous a choisie pour cet appel d'offres.") % {"buyer": buyer}]


def saved_search_reasons(label: str) -> list[str]:
    return [_("Il correspond à votre recherche suivie « %(label)s ».") % {"label": label}]


def write_invitation_notifications(tender: Tender, *, topic_ids: Iterable[int] | None = None) -> int:
    """Notify the members of the structures of the lists the buyer invited to the tender (shortlists app), unless
    already told (the (tender, user) constraint). Send-time screening applies as for a match (structure opted out or
    "pas intéressé", person unsubscribed, topics ignored). Called by dispatch_tender, and by shortlists when a list is
    invited to a tender already dispatched. -> notifications written"""
    from structures.models import Membership

    topic_ids = list(TenderSide.load(tender).topics if topic_ids is None else topic_ids)
    members = (
        Membership.objects.filter(
            structure__shortlist_entries__shortlist__invitations__tender=tender,
            structure__archived_at__isnull=True,
            user__is_active=True,
        )
        .exclude(Exists(Notification.objects.filter(tender=tender, user=OuterRef("user"))))
        .order_by("structure_id", "user_id")
        .values_list("structure_id", "user_id", "user__notification_preference__frequency")
    )
    reasons = invitation_reasons(tender.buyer.name)
    notifications: dict[int, Notification] = {}
    for structure_id, user_id, frequency in members.iterator(chunk_size=2000):
        if user_id in notifications or frequency == Frequency.NONE:
            continue
        notifications[user_id] = Notification(
            tender_id=tender.pk,
            user_id=user_id,
            structure_id=structure_id,
            source=Notification.Source.MATCH,
            channel=frequency or Frequency.IMMEDIATE,
            reasons=reasons,
            topic_ids=topic_ids,
        )
    insert_notifications(notifications.values())
    return len(notifications)


def saved_search_finds(querystring: str, tender: Tender, *, structure=None) -> bool:
    """Whether the tender list filtered by `querystring` shows `tender` (invalid filters find nothing).

    `structure`: the person's structure, for the "eligible for my structure" filter (left out without one).
    """
    from tenders.filters import TenderFilter

    filterset = TenderFilter(
        data=QueryDict(querystring), queryset=Tender.objects.published(), request=None, structure=structure
    )
    if not filterset.is_valid():
        return False
    return filterset.qs.filter(pk=tender.pk).exists()


def _write_saved_search_notifications(side: TenderSide) -> int:
    """Notify the people whose saved search finds the tender (not already notified as a structure member)."""
    tender = side.tender
    searches = (
        SavedSearch.objects.filter(user__is_active=True)
        .exclude(user__notification_preference__frequency=Frequency.NONE)
        .exclude(Exists(Notification.objects.filter(tender=tender, user=OuterRef("user"))))
        .order_by("pk")
        .values("pk", "user_id", "querystring", "label", frequency=F("user__notification_preference__frequency"))
    )
    topic_ids = list(side.topics)
    verdicts: dict[tuple, bool] = {}  # the same filters (for the same structure) are evaluated once
    written, last_pk = 0, 0
    while True:
        batch = list(searches.filter(pk__gt=last_pk)[:SEARCH_BATCH])
        if not batch:
            return written
        last_pk = batch[-1]["pk"]
        ignored = _ignored_topics({row["user_id"] for row in batch}, topic_ids)
        notifications: dict[int, Notification] = {}
        for row in batch:
            if row["user_id"] in notifications:
                continue
            structure = None
            if "eligible" in QueryDict(row["querystring"]):  # depends on the person's structure
                structure = (
                    Structure.objects.filter(memberships__user_id=row["user_id"]).active().order_by("name").first()
                )
            key = (row["querystring"], structure.pk if structure else None)
            if key not in verdicts:
                verdicts[key] = saved_search_finds(row["querystring"], tender, structure=structure)
            if not verdicts[key]:
                continue
            if topic_ids and set(topic_ids) <= ignored.get(row["user_id"], set()):
                continue
            notifications[row["user_id"]] = Notification(
                tender_id=tender.pk,
                user_id=row["user_id"],
                saved_search_id=row["pk"],
                source=Notification.Source.SAVED_SEARCH,
                channel=row["frequency"] or Frequency.IMMEDIATE,
                reasons=saved_search_reasons(row["label"]),
                topic_ids=topic_ids,
            )
        insert_notifications(notifications.values())
        written += len(notifications)


# --------------------------------------------------------------------------------------------------------------
# 2. Checks at send time, and the immediate emails


def screen(rows: list[Notification], *, now: datetime.datetime) -> dict[int, str]:
    """Notification id -> why it must not be sent now (a SkipReason); rows absent from the result may go.

    Bounded: three queries whatever the number of rows. The tender and user must be select_related.
    """
    user_ids = {row.user_id for row in rows}
    tender_ids = {row.tender_id for row in rows}
    preferences = dict(NotificationPreference.objects.filter(user_id__in=user_ids).values_list("user_id", "frequency"))
    topic_ids = {topic for row in rows for topic in row.topic_ids}
    ignored = _ignored_topics(user_ids, topic_ids) if topic_ids else {}
    declined = Interest.objects.filter(tender_id__in=tender_ids, answer=Interest.Answer.NOT_INTERESTED)
    declined_structures = set(declined.values_list("tender_id", "structure_id"))
    declined_members = set(
        declined.filter(structure__memberships__user_id__in=user_ids).values_list(
            "tender_id", "structure__memberships__user_id"
        )
    )
    skips: dict[int, str] = {}
    for row in rows:
        if not _is_open(row.tender, now):
            skips[row.pk] = SKIP.TENDER_CLOSED
        elif not row.user.is_active:
            skips[row.pk] = SKIP.INACTIVE_USER
        elif row.structure_id and (row.structure.archived_at or row.structure.matching_opt_out):
            skips[row.pk] = SKIP.STRUCTURE_WITHDRAWN
        elif preferences.get(row.user_id) == Frequency.NONE:
            skips[row.pk] = SKIP.UNSUBSCRIBED
        elif row.structure_id and (row.tender_id, row.structure_id) in declined_structures:
            skips[row.pk] = SKIP.NOT_INTERESTED
        elif not row.structure_id and (row.tender_id, row.user_id) in declined_members:
            skips[row.pk] = SKIP.NOT_INTERESTED
        elif row.topic_ids and set(row.topic_ids) <= ignored.get(row.user_id, set()):
            skips[row.pk] = SKIP.IGNORED_TOPIC
    return skips


def tender_facts(tender: Tender, *, now: datetime.datetime) -> dict:
    """What the email templates show of a tender, whoever receives it (strings only: rendered now, in the active
    language, which is the recipient's)."""
    return {
        "title": tender.title,
        "buyer": tender.buyer.name,
        "reference": tender.reference,
        "url": tender_url(tender),
        "deadline": deadline_text(tender.bid_deadline, now=now),
        "value": format_euros(tender.estimated_value) if tender.estimated_value is not None else "",
        # Reference data in the email's language (English names on English emails, issue 15 item 3).
        "topics": ", ".join(str(topic) for topic in tender.topics.all()),
        "places": ", ".join(str(place) for place in tender.places.all()),
    }


def _facts_by_tender(rows: Iterable, *, now: datetime.datetime) -> dict[tuple[int, str], dict]:
    """(tender id, language) -> tender_facts in that language, computed once per tender and recipients' language
    (the rows select_related their tender and user)."""
    facts: dict[tuple[int, str], dict] = {}
    for row in rows:
        key = (row.tender_id, recipient_language(row.user))
        if key not in facts:
            with translation.override(key[1]):
                facts[key] = tender_facts(row.tender, now=now)
    return facts


def recipient_language(user) -> str:
    """The language a person's alerts are written in (accounts.User.language; the site's default otherwise)."""
    language = getattr(user, "language", "")
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _localized_reasons(rows: list[Notification]) -> dict[int, list[str]]:
    """Notification id -> its reasons in its recipient's language, for recipients who do not read French.

    The stored reasons are the French sentences written at dispatch time: French recipients keep them (nothing
    computed, no query). For the others they are rebuilt in their language: an invitation or a saved search from
    the stored sentence (no query); a match by running the match again for the recipients' structures: per
    (tender, language), one TenderSide.load (five small queries) and one query for all those structures, however
    many recipients. A structure that no longer matches keeps its stored (French) reasons.
    The rows select_related their tender's buyer and user.
    """
    foreign = [row for row in rows if recipient_language(row.user) != REASONS_LANGUAGE]
    if not foreign:
        return {}
    with translation.override(REASONS_LANGUAGE):
        search_prefix, search_suffix = saved_search_reasons("\x00")[0].split("\x00")
        invitations = {row.tender_id: invitation_reasons(row.tender.buyer.name) for row in foreign}
    localized: dict[int, list[str]] = {}
    matched: dict[tuple[int, str], list[Notification]] = defaultdict(list)
    for row in foreign:
        language = recipient_language(row.user)
        stored = list(row.reasons)
        with translation.override(language):
            if len(stored) == 1 and row.source == Notification.Source.SAVED_SEARCH:
                text = stored[0]
                if text.startswith(search_prefix) and text.endswith(search_suffix):
                    localized[row.pk] = saved_search_reasons(text[len(search_prefix) : len(text) - len(search_suffix)])
            elif row.structure_id and stored == invitations[row.tender_id]:
                localized[row.pk] = invitation_reasons(row.tender.buyer.name)
            elif row.structure_id and row.source == Notification.Source.MATCH:
                matched[(row.tender_id, language)].append(row)
    for (_tender_id, language), tender_rows in matched.items():
        with translation.override(language):
            side = TenderSide.load(tender_rows[0].tender)
            structures = Structure.objects.filter(pk__in={row.structure_id for row in tender_rows})
            reasons = {
                values["pk"]: side.match(values).reasons
                for values in side.queryset(structures).values("pk", "turnover", *MATCH_FIELDS)
            }
        for row in tender_rows:
            if row.structure_id in reasons:
                localized[row.pk] = reasons[row.structure_id]
    return localized


# What differs between two alerts about the same tender (outbox.services.EmailBatch): the rest is rendered once.
PERSONAL_VALUES = ("first_name", "unsubscribe_url", "tender.structure")
REMINDER_PERSONAL_VALUES = ("first_name", "unsubscribe_url", "structure")


def tender_item(
    notification: Notification, *, now: datetime.datetime, facts: dict | None = None, reasons: list | None = None
) -> dict:
    """One notified tender as the templates show it: the tender's facts, then why it fits this person.

    `facts` and `reasons` in the email's language (default: the facts in the active language, the stored reasons).
    """
    return {
        **(facts or tender_facts(notification.tender, now=now)),
        "score": notification.score,
        "reasons": list(notification.reasons if reasons is None else reasons),
        "structure": notification.structure.name if notification.structure_id else "",
        "from_search": notification.source == Notification.Source.SAVED_SEARCH,
    }


def _personal(user, preferences_url: str) -> tuple[dict, dict]:
    """(context, headers) every alert email carries: the greeting, the preferences and one-click unsubscribe links."""
    unsubscribe = unsubscribe_url(user)
    context = {"first_name": user.first_name, "unsubscribe_url": unsubscribe, "preferences_url": preferences_url}
    return context, unsubscribe_headers(unsubscribe)


def _mark(rows: list[Notification], skips: dict[int, str], now, *, email, digest=None) -> None:
    """Record the outcome in one UPDATE per outcome. `email`: the outbox row id, or an expression finding it."""
    emailed = [row.pk for row in rows if row.pk not in skips]
    if emailed:
        Notification.objects.filter(pk__in=emailed).update(
            status=Notification.Status.EMAILED, handled_at=now, email_id=email, digest=digest
        )
    by_reason: dict[str, list[int]] = defaultdict(list)
    for pk, reason in skips.items():
        by_reason[reason].append(pk)
    for reason, pks in by_reason.items():
        Notification.objects.filter(pk__in=pks).update(
            status=Notification.Status.SKIPPED, skip_reason=reason, handled_at=now
        )


def _email_by_dedupe_key() -> Subquery:
    """The outbox row of a notification, found by its dedupe key `notif:<tender>:<user>` (unique index)."""
    key = Concat(
        Value("notif:"), Cast(OuterRef("tender_id"), CharField()), Value(":"), Cast(OuterRef("user_id"), CharField())
    )
    return Subquery(OutboxEmail.objects.filter(dedupe_key=key).values("pk")[:1])


def deliver_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Queue the emails of these pending immediate notifications (each at most once) and mark them."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            Notification.objects.pending()
            .immediate()
            .filter(pk__in=list(notification_ids))
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("tender__buyer", "user", "structure")
            .order_by("pk")
        )
        if not rows:
            return {"emailed": 0, "skipped": 0}
        skips = screen(rows, now=now)
        to_send = [row for row in rows if row.pk not in skips]
        preferences_url = site_url("matching:preferences")
        facts = _facts_by_tender(to_send, now=now)
        reasons = _localized_reasons(to_send)
        items = []
        for row in to_send:
            language = recipient_language(row.user)
            context, headers = _personal(row.user, preferences_url)
            item = tender_item(row, now=now, facts=facts[(row.tender_id, language)], reasons=reasons.get(row.pk))
            items.append(
                {
                    "to": row.user.email,
                    "template": "matching/emails/tender",
                    "context": {**context, "tender": item},
                    # Rendered once per tender (and reasons) for the chunk, then these values put in place.
                    "personal": PERSONAL_VALUES,
                    "headers": headers,
                    "dedupe_key": f"notif:{row.tender_id}:{row.user_id}",
                    "kind": "tender_match" if row.source == Notification.Source.MATCH else "tender_search",
                    "language": language,
                    "sensitive": True,  # its one-click unsubscribe link (outbox/redaction.py would find it too)
                }
            )
        # This worker sends the chunk itself once it is committed: no trip through the broker, no second read.
        queue_emails(items, send=send_now)
        _mark(rows, skips, now, email=_email_by_dedupe_key())
    return {"emailed": len(to_send), "skipped": len(skips)}


# --------------------------------------------------------------------------------------------------------------
# 3. Digests


def digest_window(frequency: str, now: datetime.datetime) -> str:
    """The window a digest sent `now` belongs to: the Paris day ("2026-03-12") or ISO week ("2026-W11")."""
    local = timezone.localtime(now, PARIS).date()
    if frequency == Frequency.WEEKLY:
        year, week, _weekday = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.isoformat()


def send_digests(*, frequency: str, now: datetime.datetime | None = None) -> int:
    """One digest email per person with pending `frequency` notifications, unless this window already had one."""
    if frequency not in DIGEST_FREQUENCIES:
        raise ValueError(f"Not a digest frequency: {frequency!r}")
    now = now or timezone.now()
    window = digest_window(frequency, now)
    user_ids = list(
        Notification.objects.pending()
        .filter(channel=frequency, created_at__lte=now)
        .exclude(Exists(Digest.objects.filter(user=OuterRef("user"), frequency=frequency, window=window)))
        .order_by("user_id")
        .values_list("user_id", flat=True)
        .distinct()
    )
    return sum(_send_digest(user_id=user_id, frequency=frequency, window=window, now=now) for user_id in user_ids)


def _send_digest(*, user_id: int, frequency: str, window: str, now: datetime.datetime) -> int:
    with transaction.atomic():
        rows = list(
            Notification.objects.pending()
            .filter(user_id=user_id, channel=frequency, created_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("tender__buyer", "user", "structure")
            .order_by("pk")
        )
        if not rows or Digest.objects.filter(user_id=user_id, frequency=frequency, window=window).exists():
            return 0
        skips = screen(rows, now=now)
        kept = sorted(
            (row for row in rows if row.pk not in skips),
            key=lambda row: (-(row.score if row.score is not None else -1), row.tender.bid_deadline, row.pk),
        )
        if not kept:
            _mark(rows, skips, now, email=None)
            return 0
        digest, created = Digest.objects.get_or_create(
            user_id=user_id, frequency=frequency, window=window, defaults={"tender_count": len(kept)}
        )
        if not created:  # a concurrent run sent this window's digest: leave the rows for the next window
            return 0
        user = rows[0].user
        language = recipient_language(user)
        context, headers = _personal(user, site_url("matching:preferences"))
        reasons = _localized_reasons(kept)
        with translation.override(language):
            tenders = [tender_item(row, now=now, reasons=reasons.get(row.pk)) for row in kept]
        email = queue_email(
            to=user.email,
            template="matching/emails/digest",
            context={**context, "weekly": frequency == Frequency.WEEKLY, "tenders": tenders},
            headers=headers,
            dedupe_key=f"digest:{frequency}:{window}:{user_id}",
            kind=f"tender_digest_{frequency}",
            language=language,
        )
        digest.email = email
        digest.save(update_fields=["email"])
        _mark(rows, skips, now, email=email.pk, digest=digest)
    return 1


# --------------------------------------------------------------------------------------------------------------
# 4. Reminders three days before the deadline


def send_deadline_reminders(*, now: datetime.datetime | None = None) -> int:
    """Remind the members of interested structures of the deadline, once per (tender, user). -> emails queued"""
    now = now or timezone.now()
    candidates = (
        Interest.objects.filter(
            answer=Interest.Answer.INTERESTED,
            tender__status=TenderStatus.PUBLISHED,
            tender__bid_deadline__gt=now,
            tender__bid_deadline__lte=now + REMINDER_BEFORE,
            structure__archived_at__isnull=True,
            structure__memberships__user__is_active=True,
        )
        .exclude(structure__memberships__user__notification_preference__frequency=Frequency.NONE)
        .exclude(
            Exists(
                DeadlineReminder.objects.filter(
                    tender=OuterRef("tender"), user=OuterRef("structure__memberships__user")
                )
            )
        )
        .order_by("tender_id", "structure_id")
        .values_list("tender_id", "structure_id", "structure__memberships__user_id")
    )
    pairs: dict[tuple[int, int], int] = {}
    for tender_id, structure_id, user_id in candidates:
        pairs.setdefault((tender_id, user_id), structure_id)
    sent = 0
    keys = sorted(pairs)
    for start in range(0, len(keys), CHUNK_SIZE):
        sent += _remind(
            [(tender, user, pairs[(tender, user)]) for tender, user in keys[start : start + CHUNK_SIZE]], now
        )
    return sent


def _remind(batch: list[tuple[int, int, int]], now: datetime.datetime) -> int:
    with transaction.atomic():
        DeadlineReminder.objects.bulk_create(
            [DeadlineReminder(tender_id=t, user_id=u, structure_id=s) for t, u, s in batch], ignore_conflicts=True
        )
        wanted = {(t, u) for t, u, _s in batch}
        reminders = [
            reminder
            for reminder in DeadlineReminder.objects.filter(
                tender_id__in={t for t, _u, _s in batch}, user_id__in={u for _t, u, _s in batch}, email__isnull=True
            )
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("tender__buyer", "user", "structure")
            .order_by("pk")
            if (reminder.tender_id, reminder.user_id) in wanted
        ]
        if not reminders:
            return 0
        preferences_url = site_url("matching:preferences")
        facts = _facts_by_tender(reminders, now=now)
        items = []
        for reminder in reminders:
            language = recipient_language(reminder.user)
            context, headers = _personal(reminder.user, preferences_url)
            items.append(
                {
                    "to": reminder.user.email,
                    "template": "matching/emails/reminder",
                    "context": {
                        **context,
                        "structure": reminder.structure.name,
                        "tender": facts[(reminder.tender_id, language)],
                    },
                    "personal": REMINDER_PERSONAL_VALUES,
                    "headers": headers,
                    "dedupe_key": f"reminder:{reminder.tender_id}:{reminder.user_id}",
                    "kind": "tender_reminder",
                    "language": language,
                }
            )
        emails = queue_emails(items)
        for reminder, email in zip(reminders, emails, strict=True):
            reminder.email = email
        DeadlineReminder.objects.bulk_update(reminders, ["email"])
    return len(reminders)


# --------------------------------------------------------------------------------------------------------------
# 5. What a lost task left behind


def stale_work(*, older_than: datetime.timedelta, limit: int = 5000) -> tuple[list[int], list[int]]:
    """(published open tenders never dispatched, pending immediate notifications) older than `older_than`."""
    now = timezone.now()
    tenders = list(
        Tender.objects.open()
        .filter(published_at__lte=now - older_than, published_at__gte=now - SWEEP_HORIZON)
        .exclude(matching_dispatch__finished_at__isnull=False)
        .order_by("published_at")
        .values_list("pk", flat=True)[:limit]
    )
    notifications = list(
        Notification.objects.pending()
        .immediate()
        .filter(created_at__lte=now - older_than)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return tenders, notifications
