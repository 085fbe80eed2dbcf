"""Telling buyers about their tenders, through the outbox, without flooding them.

Who hears about a tender ("its contacts"): the member of the buyer organisation who wrote it and the member whose
address is the tender's contact email; when neither is an active member, every active member of the
organisation. A contact email that belongs to no member is a contact too, with the default preferences.

Each member chooses (BuyerNotificationPreference, defaults in brackets):
- new questions: immediately [default], in the daily digest, or never — a question has a deadline;
- structures interested: immediately, in the daily digest [default], or never;
- award reminders [on]: once the bid deadline passed and the tender is closed without award, a reminder to award
  it or declare it unsuccessful, then one a week until it is done.

Every email has a dedupe key (question × address, interest × address, address × day, tender × address × week):
re-running a task, or a structure answering twice, sends nothing twice.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

from outbox.services import queue_email
from tenders.models import (
    BuyerFrequency,
    BuyerMembership,
    BuyerNotificationPreference,
    Interest,
    Question,
    Tender,
    TenderStatus,
)

DEFAULTS = {"questions": BuyerFrequency.IMMEDIATE, "interests": BuyerFrequency.DAILY, "award_reminders": True}


@dataclass(frozen=True)
class Contact:
    address: str
    questions: str
    interests: str
    award_reminders: bool


def preference_for(user) -> BuyerNotificationPreference:
    """The user's preference, or an unsaved default one."""
    return BuyerNotificationPreference.objects.filter(user=user).first() or BuyerNotificationPreference(
        user=user, **DEFAULTS
    )


@transaction.atomic
def set_buyer_preferences(*, user, questions: str, interests: str, award_reminders: bool):
    preference, _created = BuyerNotificationPreference.objects.select_for_update().get_or_create(user=user)
    preference.questions = BuyerFrequency(questions)
    preference.interests = BuyerFrequency(interests)
    preference.award_reminders = bool(award_reminders)
    preference.save()
    return preference


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def admin_url(name: str, *args, query: str = "") -> str:
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse(name, args=args)
    return path + (f"?{query}" if query else "")


def interested_url(tender_id: int) -> str:
    """The tender's "interested structures" page (issue 9, part B) when it exists, else the filtered interests."""
    try:
        return admin_url("admin:tenders_tender_interested", tender_id)
    except NoReverseMatch:
        return admin_url(
            "admin:tenders_interest_changelist", query=f"tender__id__exact={tender_id}&answer__exact=interested"
        )


def contacts_by_tender(tenders) -> dict[int, list[Contact]]:
    """Each tender's contacts with their preferences, in two queries whatever the number of tenders."""
    tenders = list(tenders)
    organisation_ids = {t.buyer_id for t in tenders}
    members = defaultdict(list)
    for membership in (
        BuyerMembership.objects.filter(organisation_id__in=organisation_ids, user__is_active=True)
        .select_related("user", "user__buyer_notification_preference")
        .order_by("user_id")
    ):
        members[membership.organisation_id].append(membership.user)
    result = {}
    for tender in tenders:
        users = members.get(tender.buyer_id, [])
        contact_email = (tender.contact_email or "").strip().lower()
        chosen = [
            u for u in users if u.pk == tender.created_by_id or (contact_email and u.email.lower() == contact_email)
        ]
        if not chosen:
            chosen = users
        contacts = []
        for user in chosen:
            try:
                pref = user.buyer_notification_preference
            except BuyerNotificationPreference.DoesNotExist:
                pref = None
            contacts.append(
                Contact(
                    address=user.email,
                    questions=pref.questions if pref else DEFAULTS["questions"],
                    interests=pref.interests if pref else DEFAULTS["interests"],
                    award_reminders=pref.award_reminders if pref else DEFAULTS["award_reminders"],
                )
            )
        if contact_email and all(c.address.lower() != contact_email for c in contacts):
            if all(u.email.lower() != contact_email for u in users):  # a member who chose otherwise stays so
                contacts.append(Contact(contact_email, **DEFAULTS))
        result[tender.pk] = contacts
    return result


# Immediate emails -------------------------------------------------------------------------------------------------


@transaction.atomic
def notify_new_question(*, question: Question) -> int:
    """A structure asked a question: the tender's contacts who want it now get an email. Returns how many."""
    tender = question.tender
    sent = 0
    for contact in contacts_by_tender([tender])[tender.pk]:
        if contact.questions != BuyerFrequency.IMMEDIATE:
            continue
        queue_email(
            to=contact.address,
            template="tenders/emails/buyer_question",
            context={
                "tender": tender,
                "question_text": question.text,
                "answer_url": _absolute(admin_url("admin:tenders_question_change", question.pk)),
                "deadline": tender.questions_deadline or tender.bid_deadline,
                "preferences_url": _absolute(reverse("tenders:buyer_preferences")),
            },
            dedupe_key=f"tenders-buyer-question-{question.pk}-{contact.address}",
            kind="buyer_question",
        )
        sent += 1
    return sent


@transaction.atomic
def notify_new_interest(*, interest: Interest) -> int:
    """A structure said "Intéressé": the contacts who want it now get an email (once per structure and tender)."""
    if interest.answer != Interest.Answer.INTERESTED:
        return 0
    tender = interest.tender
    sent = 0
    for contact in contacts_by_tender([tender])[tender.pk]:
        if contact.interests != BuyerFrequency.IMMEDIATE:
            continue
        queue_email(
            to=contact.address,
            template="tenders/emails/buyer_interest",
            context={
                "tender": tender,
                "structure_name": interest.structure.name,
                "interested_url": _absolute(interested_url(tender.pk)),
                "preferences_url": _absolute(reverse("tenders:buyer_preferences")),
            },
            dedupe_key=f"tenders-buyer-interest-{interest.pk}-{contact.address}",
            kind="buyer_interest",
        )
        sent += 1
    return sent


# Daily digest -----------------------------------------------------------------------------------------------------


def _day_window(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    tz = timezone.get_default_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz)


def send_daily_digests(*, today: datetime.date | None = None) -> int:
    """One email per person for the previous day (Europe/Paris): new interested structures, and new questions for
    those who chose the digest for questions. Idempotent (one per address and day). Returns how many were queued."""
    today = today or timezone.localdate()
    day = today - datetime.timedelta(days=1)
    start, end = _day_window(day)
    interests = list(
        Interest.objects.filter(answer=Interest.Answer.INTERESTED, updated_at__gte=start, updated_at__lt=end)
        .select_related("structure", "tender")
        .order_by("tender_id", "updated_at")
    )
    questions = list(
        Question.objects.filter(created_at__gte=start, created_at__lt=end)
        .select_related("tender")
        .order_by("tender_id", "created_at")
    )
    tenders = {i.tender_id: i.tender for i in interests} | {q.tender_id: q.tender for q in questions}
    contacts = contacts_by_tender(tenders.values())
    per_address: dict[str, dict[int, dict]] = defaultdict(dict)

    def section(address, tender):
        return per_address[address].setdefault(
            tender.pk,
            {
                "tender": tender,
                "structures": [],
                "questions": [],
                "interested_url": _absolute(interested_url(tender.pk)),
            },
        )

    for interest in interests:
        for contact in contacts[interest.tender_id]:
            if contact.interests == BuyerFrequency.DAILY:
                section(contact.address, interest.tender)["structures"].append(interest.structure.name)
    for question in questions:
        for contact in contacts[question.tender_id]:
            if contact.questions == BuyerFrequency.DAILY:
                section(contact.address, question.tender)["questions"].append(
                    {"text": question.text, "url": _absolute(admin_url("admin:tenders_question_change", question.pk))}
                )
    queued = 0
    preferences_url = _absolute(reverse("tenders:buyer_preferences"))
    for address, sections in sorted(per_address.items()):
        items = list(sections.values())
        with transaction.atomic():
            queue_email(
                to=address,
                template="tenders/emails/buyer_digest",
                context={
                    "day": day,
                    "sections": items,
                    "interest_count": sum(len(s["structures"]) for s in items),
                    "question_count": sum(len(s["questions"]) for s in items),
                    "preferences_url": preferences_url,
                },
                dedupe_key=f"tenders-buyer-digest-{address}-{day.isoformat()}",
                kind="buyer_digest",
            )
        queued += 1
    return queued


# Award reminders --------------------------------------------------------------------------------------------------


def tenders_awaiting_decision(queryset=None):
    """Closed (bid deadline passed) and neither awarded, declared unsuccessful nor cancelled."""
    queryset = Tender.objects.all() if queryset is None else queryset
    return queryset.filter(status=TenderStatus.CLOSED).filter(Q(bid_deadline__lte=timezone.now()))


def send_award_reminders(*, today: datetime.date | None = None) -> int:
    """For each tender awaiting a decision, remind its contacts: the first day after closing, then weekly.

    The dedupe key holds the week since the deadline, so running this daily (or twice a day) sends one a week.
    """
    today = today or timezone.localdate()
    started = timezone.now()
    queued = 0
    tenders = list(tenders_awaiting_decision().select_related("buyer").defer("search_vector").order_by("pk"))
    contacts = contacts_by_tender(tenders)
    preferences_url = _absolute(reverse("tenders:buyer_preferences"))
    for tender in tenders:
        deadline_day = timezone.localdate(tender.bid_deadline)
        days = (today - deadline_day).days
        if days < 0:
            continue
        week = days // 7
        for contact in contacts[tender.pk]:
            if not contact.award_reminders:
                continue
            with transaction.atomic():
                email = queue_email(
                    to=contact.address,
                    template="tenders/emails/buyer_award_reminder",
                    context={
                        "tender": tender,
                        "days": days,
                        "tender_url": _absolute(admin_url("admin:tenders_tender_change", tender.pk)),
                        "preferences_url": preferences_url,
                    },
                    dedupe_key=f"tenders-buyer-award-reminder-{tender.pk}-{contact.address}-w{week}",
                    kind="buyer_award_reminder",
                )
            queued += email.created_at >= started  # a row already there (same week) is not counted
    return queued
