"""Publishing the schedule, and emailing each participant their agenda when it is new or has changed."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetups import perms
from meetups.models import (
    AgendaNotice,
    Meeting,
    Meetup,
    MeetupStatus,
    Registration,
    RegistrationStatus,
)
from meetups.services.common import _buyer_member_emails, _lock_meetup
from meetups.services.errors import MeetupError, NotAllowed
from meetups.services.publishing.participants import meetup_participants
from outbox.services import queue_emails
from structures.models import Membership


def _agenda_digest(meetings: list[Meeting]) -> str:
    import hashlib

    text = "|".join(
        f"{meeting.starts_at.isoformat()},{meeting.table},{meeting.buyer_id},{meeting.structure_id}"
        for meeting in sorted(meetings, key=lambda m: (m.starts_at, m.table))
    )
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def agendas_notify(*, meetup: Meetup) -> int:
    """Email every participant whose agenda differs from the last one sent (or who never got one), once the schedule
    is published; returns the number of emails queued. Safe to call after any change: unchanged agendas send nothing.

    A fixed number of queries whatever the number of participants; the emails are inserted in bulk."""
    from meetups import calendar

    if meetup.schedule_published_at is None:
        return 0
    participants = meetup_participants(meetup)
    registration_structure = dict(
        Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED).values_list(
            "pk", "structure_id"
        )
    )
    structure_registration = {structure: registration for registration, structure in registration_structure.items()}
    by_key: dict[str, list[Meeting]] = defaultdict(list)
    for meeting in (
        Meeting.objects.filter(meetup=meetup)
        .select_related("buyer", "structure")
        .only("pk", "starts_at", "ends_at", "table", "buyer_id", "structure_id", "buyer__name", "structure__name")
    ):
        by_key[f"b{meeting.buyer_id}"].append(meeting)
        if meeting.structure_id in structure_registration:
            by_key[f"r{structure_registration[meeting.structure_id]}"].append(meeting)
    notices = {
        (f"b{notice.buyer_id}" if notice.buyer_id else f"r{notice.registration_id}"): notice
        for notice in AgendaNotice.objects.filter(meetup=meetup)
    }
    buyer_emails = _buyer_member_emails([p.pk for p in participants if p.kind == "buyer"])
    structure_emails: dict[int, set[str]] = defaultdict(set)
    for structure_id, email in Membership.objects.filter(
        structure_id__in=list(registration_structure.values()), role=Membership.Role.ADMIN, user__is_active=True
    ).values_list("structure_id", "user__email"):
        if email:
            structure_emails[structure_id].add(email)

    emails, new_notices, changed_notices = [], [], []
    now = timezone.now()
    for participant in participants:
        meetings = by_key.get(participant.key, [])
        digest = _agenda_digest(meetings)
        notice = notices.get(participant.key)
        if notice is not None and notice.digest == digest:
            continue
        as_buyer = participant.kind == "buyer"
        rows = [
            {
                "starts_at": meeting.starts_at,
                "ends_at": meeting.ends_at,
                "table": meeting.table,
                "other": meeting.structure.name if as_buyer else meeting.buyer.name,
            }
            for meeting in sorted(meetings, key=lambda m: m.starts_at)
        ]
        if as_buyer:
            recipients = buyer_emails.get(participant.pk, [])
        else:
            recipients = sorted(structure_emails.get(registration_structure[participant.pk], ()))
        template = "meetups/emails/agenda_published" if notice is None else "meetups/emails/agenda_changed"
        for address in recipients:
            emails.append(
                {
                    "to": address,
                    "template": template,
                    "context": {
                        "meetup": meetup,
                        "participant_name": participant.name,
                        "meetings": rows,
                        "agenda_url": reverse("meetups:agenda", kwargs={"slug": meetup.slug}),
                        "ics_url": calendar.feed_url(meetup, participant),
                    },
                    "dedupe_key": f"meetups-agenda-{meetup.pk}-{participant.key}-{digest[:16]}-{address}",
                    "kind": "meetup_agenda_published" if notice is None else "meetup_agenda_changed",
                }
            )
        if notice is None:
            who = {"buyer_id": participant.pk} if as_buyer else {"registration_id": participant.pk}
            new_notices.append(AgendaNotice(meetup=meetup, digest=digest, sent_at=now, **who))
        else:
            notice.digest, notice.sent_at = digest, now
            changed_notices.append(notice)
    AgendaNotice.objects.bulk_create(new_notices)
    AgendaNotice.objects.bulk_update(changed_notices, ["digest", "sent_at"])
    if emails:
        queue_emails(emails)
    return len(emails)


@transaction.atomic
def schedule_publish(*, meetup: Meetup, by) -> int:
    """Publish the built schedule: every meeting is pinned (a rebuild keeps it unless staff allow moving it), the
    meet-up records when, and each participant gets their agenda by email with a link to its .ics calendar.
    Publishing again after a change emails only those whose agenda changed. Returns the number of emails queued."""
    if not perms.can_organise(by):
        raise NotAllowed()
    meetup = _lock_meetup(meetup)
    if meetup.status != MeetupStatus.PUBLISHED:
        raise MeetupError(_("Seule une rencontre publiée peut publier son planning."), code="not_published")
    if meetup.schedule_built_at is None:
        raise MeetupError(_("Construisez d'abord le planning."), code="not_built")
    Meeting.objects.filter(meetup=meetup, pinned=False).update(pinned=True)
    meetup.schedule_published_at = timezone.now()
    meetup.save(update_fields=["schedule_published_at", "updated_at"])
    return agendas_notify(meetup=meetup)
