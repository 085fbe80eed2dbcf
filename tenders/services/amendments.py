"""Amendments ("avis rectificatifs"): what changed on a published tender, dated, explained, and told to people.

The flow
--------
1. Before a change to a published tender, the caller takes `amendable_state(tender)`: the French labels of what
   the structures rely on (description, estimated value, deadlines, places, lots, documents).
2. The change is saved (the admin form and its inlines, or `tender_amend` for changes made through services).
3. `amendment_record(tender=…, by=…, note=…, before=state)` compares the state again: when something the
   structures rely on changed, it records a dated `TenderAmendment` with the buyer's note ("ce qui a changé") and
   queues ONE email per person concerned (`amendment_recipients`), each with a dedupe key, so running it twice
   sends nothing twice. Nothing changed: nothing recorded, nobody emailed.

Who is concerned: the people emailed about the tender by the matching (its `Notification` rows marked emailed,
through the `matching_notifications` relation: tenders does not import matching), and the structures that said
"Intéressé", asked a question or searched partners on it (the person who did it, or the structure's
administrators when that person's account is gone). A structure that answered "Pas intéressé" is left alone.
The same people hear of a cancellation or of a tender declared unsuccessful (`tender_status_notify`, called by
tenders/services/lifecycle.py).

Moving a deadline earlier to fewer than `TENDER_AMENDMENT_MIN_NOTICE_DAYS` days from now leaves structures little
time: `short_notice_problems` says so, and the change needs an explicit confirmation (`short_notice_confirmed`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from outbox.services import queue_emails
from structures.models import Area, Membership
from tenders.models import (
    Interest,
    Lot,
    PartnerSearch,
    Question,
    Tender,
    TenderAmendment,
    TenderDocument,
    TenderStatus,
)
from tenders.templatetags.tenders_ui import euros

NOTE_MAX_LENGTH = 2000

# The fields whose change on a published tender is an amendment, with their French label, in display order.
AMENDABLE_FIELDS = {
    "bid_deadline": gettext_lazy("Date limite de remise des offres"),
    "questions_deadline": gettext_lazy("Date limite des questions"),
    "estimated_value": gettext_lazy("Montant estimé"),
    "places": gettext_lazy("Lieux d'exécution"),
    "lots": gettext_lazy("Lots"),
    "documents": gettext_lazy("Documents de la consultation"),
    "description": gettext_lazy("Description"),
}
DEADLINE_FIELDS = ("bid_deadline", "questions_deadline")
# Fields `tender_amend` may change (lots and documents have their own services and inlines).
SCALAR_FIELDS = ("description", "estimated_value", "questions_deadline", "bid_deadline")


class AmendmentError(ValidationError):
    """A change refused (no note, a short notice not confirmed…): field errors in French, nothing changed."""


def min_notice_days() -> int:
    return int(getattr(settings, "TENDER_AMENDMENT_MIN_NOTICE_DAYS", 5))


def is_amendable(tender: Tender) -> bool:
    """A change to this tender is an amendment: it is published (the public and the structures rely on it)."""
    return tender.status == TenderStatus.PUBLISHED and tender.published_at is not None


# What changed ------------------------------------------------------------------------------------------------------


def _moment(value: datetime.datetime | None) -> str:
    if value is None:
        return _("non indiquée")
    return date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _text(text: str) -> str:
    """Text as the structures read it: a CRLF sent by a browser's textarea is the same line break as LF."""
    return (text or "").replace("\r\n", "\n").strip()


def _lot_label(lot: Lot) -> str:
    parts = [_("Lot %(number)s : %(title)s") % {"number": lot.number, "title": lot.title}]
    details = []
    if lot.estimated_value is not None:
        details.append(_("%(value)s HT") % {"value": euros(lot.estimated_value)})
    if lot.reserved:
        details.append(_("réservé (%(article)s)") % {"article": lot.get_reserved_display()})
    if lot.insertion_hours:
        details.append(_("%(hours)s h d'insertion") % {"hours": lot.insertion_hours})
    if lot.description:
        details.append(_text(lot.description)[:200])
    if details:
        parts.append(f"({', '.join(details)})")
    return " ".join(parts)


def amendable_state(tender: Tender) -> dict[str, str]:
    """The French labels of what the structures rely on, read from the database now (4 small queries)."""
    with translation.override(settings.LANGUAGE_CODE):
        row = Tender.objects.filter(pk=tender.pk).values(*SCALAR_FIELDS).get()
        places = list(
            Area.objects.filter(tenders=tender.pk).order_by("position", "name").values_list("name", flat=True)
        )
        lots = [_lot_label(lot) for lot in Lot.objects.filter(tender=tender.pk).order_by("number", "pk")]
        documents = [
            title or name
            for title, name in TenderDocument.objects.filter(tender=tender.pk)
            .order_by("title", "pk")
            .values_list("title", "original_name")
        ]
        value = row["estimated_value"]
        return {
            "bid_deadline": _moment(row["bid_deadline"]),
            "questions_deadline": _moment(row["questions_deadline"]),
            "estimated_value": _("%(value)s HT") % {"value": euros(value)} if value is not None else _("non indiqué"),
            "places": ", ".join(places) or _("aucun"),
            "lots": " ; ".join(lots) or _("aucun lot"),
            "documents": ", ".join(documents) or _("aucun document"),
            "description": _text(row["description"]),
        }


def diff_states(before: Mapping[str, str], after: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """`{field: {"label", "before", "after"}}` for each amendable field whose label changed, in display order."""
    with translation.override(settings.LANGUAGE_CODE):
        return {
            name: {"label": str(label), "before": before.get(name, ""), "after": after.get(name, "")}
            for name, label in AMENDABLE_FIELDS.items()
            if before.get(name, "") != after.get(name, "")
        }


def short_notice_problems(
    *,
    before: Mapping[str, datetime.datetime | None],
    after: Mapping[str, datetime.datetime | None],
    now: datetime.datetime | None = None,
) -> list[str]:
    """French sentences, one per deadline moved EARLIER to fewer than the minimum notice from now (else empty)."""
    now = now or timezone.now()
    days = min_notice_days()
    limit = now + datetime.timedelta(days=days)
    problems = []
    for name in DEADLINE_FIELDS:
        old, new = before.get(name), after.get(name)
        if new is None or new >= limit:
            continue
        if old is not None and new >= old:
            continue  # pushed back, or unchanged: more time, never less
        problems.append(
            _(
                "Vous avancez la %(what)s au %(when)s : il resterait moins de %(days)s jours aux structures pour "
                "s'organiser. Confirmez ce délai court en cochant la case, ou choisissez une date plus lointaine."
            )
            % {"what": str(AMENDABLE_FIELDS[name]).lower(), "when": _moment(new), "days": days}
        )
    return problems


# Who is told -------------------------------------------------------------------------------------------------------


def amendment_recipients(tender: Tender) -> list[str]:
    """The addresses of the people concerned by a change to `tender` (see the module docstring), sorted, unique."""
    declined = set(
        Interest.objects.filter(tender=tender, answer=Interest.Answer.NOT_INTERESTED).values_list(
            "structure_id", flat=True
        )
    )
    addresses: set[str] = set()
    # Emailed by the matching (immediately or in a digest). Saved-search notifications have no structure.
    emailed = tender.matching_notifications.filter(status="emailed", user__is_active=True)
    for email, structure_id in emailed.values_list("user__email", "structure_id"):
        if structure_id not in declined:
            addresses.add(email)
    # Interested, asked a question, searched partners: the person who did it, else the structure's administrators.
    orphans: set[int] = set()
    for model, user_field, extra in (
        (Interest, "user", {"answer": Interest.Answer.INTERESTED}),
        (Question, "asked_by", {}),
        (PartnerSearch, "created_by", {}),
    ):
        rows = model.objects.filter(tender=tender, **extra).exclude(structure_id__in=declined)
        for structure_id, email, active in rows.values_list(
            "structure_id", f"{user_field}__email", f"{user_field}__is_active"
        ):
            if email and active:
                addresses.add(email)
            else:
                orphans.add(structure_id)
    if orphans:
        addresses.update(
            Membership.objects.filter(
                structure_id__in=orphans, role=Membership.Role.ADMIN, user__is_active=True
            ).values_list("user__email", flat=True)
        )
    return sorted(address for address in addresses if address)


def _queue(tender: Tender, *, template: str, key: str, kind: str, context: Mapping[str, Any]) -> int:
    url = reverse("tenders:detail", kwargs={"slug": tender.slug})
    recipients = amendment_recipients(tender)
    queue_emails(
        {
            "to": address,
            "template": template,
            "context": {"tender": tender, "url": url, **context},
            "dedupe_key": f"{key}:{address}",
            "kind": kind,
            "language": "fr",
        }
        for address in recipients
    )
    return len(recipients)


# Services ----------------------------------------------------------------------------------------------------------


def _clean_note(note: str) -> str:
    note = (note or "").strip()
    if not note:
        raise AmendmentError(
            {"note": _("Indiquez ce qui a changé : ce message est publié et envoyé aux structures concernées.")}
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise AmendmentError(
            {"note": _("Votre message est trop long (%(max)s caractères au plus).") % {"max": NOTE_MAX_LENGTH}}
        )
    return note


@transaction.atomic
def amendment_record(
    *, tender: Tender, by, note: str, before: Mapping[str, str], after: Mapping[str, str] | None = None
) -> TenderAmendment | None:
    """Record what changed since `before` (an `amendable_state`) on a published tender, and tell people once.

    Returns the amendment, or None when the tender is not published or nothing the structures rely on changed.
    Raises AmendmentError (nothing recorded) when the note is missing or too long.
    """
    if not is_amendable(tender):
        return None
    changes = diff_states(before, after if after is not None else amendable_state(tender))
    if not changes:
        return None
    amendment = TenderAmendment.objects.create(tender=tender, by=by, note=_clean_note(note), changes=changes)
    amendment.notified_count = _queue(
        tender,
        template="tenders/emails/tender_amended",
        key=f"tenders-amendment-{amendment.pk}",
        kind="tender_amended",
        context={"amendment": amendment, "changes": [{"field": name, **change} for name, change in changes.items()]},
    )
    return amendment


@transaction.atomic
def tender_amend(
    *,
    tender: Tender,
    by,
    note: str,
    values: Mapping[str, Any],
    places: Iterable[Area] | None = None,
    short_notice_confirmed: bool = False,
) -> TenderAmendment | None:
    """Change a tender's description, estimated value, deadlines (`values`) and places, through the services.

    On a published tender the change is an amendment (a note is required; a deadline moved earlier to fewer than
    the minimum notice needs `short_notice_confirmed`); on a draft it is a plain change. Raises AmendmentError
    with French field errors, changing nothing.
    """
    unknown = set(values) - set(SCALAR_FIELDS)
    if unknown:
        raise TypeError(f"tender_amend cannot change {sorted(unknown)}")
    locked = Tender.objects.select_for_update(of=("self",)).get(pk=tender.pk)
    if locked.status not in (TenderStatus.DRAFT, TenderStatus.PUBLISHED):
        raise AmendmentError(_("Un appel d'offres clos, attribué ou annulé ne peut plus être modifié."))
    amendable = is_amendable(locked)
    if amendable:
        _clean_note(note)
        problems = short_notice_problems(
            before={name: getattr(locked, name) for name in DEADLINE_FIELDS},
            after={name: values.get(name, getattr(locked, name)) for name in DEADLINE_FIELDS},
        )
        if problems and not short_notice_confirmed:
            raise AmendmentError({"bid_deadline": problems})
    before = amendable_state(locked) if amendable else {}
    for name, value in values.items():
        setattr(locked, name, value)
    if locked.questions_deadline and locked.bid_deadline and locked.questions_deadline > locked.bid_deadline:
        message = _("La date limite des questions doit précéder la date limite de remise des offres.")
        raise AmendmentError({"questions_deadline": message})
    if amendable and locked.bid_deadline <= timezone.now():
        raise AmendmentError({"bid_deadline": _("La date limite de remise des offres doit être dans le futur.")})
    locked.clean_fields(exclude=[field.name for field in Tender._meta.fields if field.name not in values])
    locked.save(update_fields=[*values, "updated_at"])
    if places is not None:
        locked.places.set(places)
    for name in [*values, "updated_at"]:
        setattr(tender, name, getattr(locked, name))
    if not amendable:
        return None
    return amendment_record(tender=locked, by=by, note=note, before=before)


def tender_status_notify(*, tender: Tender, reason: str = "") -> int:
    """Tell the people concerned that a published tender was cancelled or declared unsuccessful, once each.

    Called inside lifecycle's transitions (the emails leave only if the transition commits). Returns how many.
    """
    if tender.published_at is None:
        return 0  # a draft cancelled before publication: nobody ever heard of it
    if tender.status == TenderStatus.CANCELLED:
        template, kind = "tenders/emails/tender_cancelled", "tender_cancelled"
    elif tender.status == TenderStatus.UNSUCCESSFUL:
        template, kind = "tenders/emails/tender_unsuccessful", "tender_unsuccessful"
    else:
        raise ValueError(f"No email for the status {tender.status!r}")
    return _queue(
        tender,
        template=template,
        key=f"tenders-{kind}-{tender.pk}",
        kind=kind,
        context={"reason": (reason or "").strip()},
    )
