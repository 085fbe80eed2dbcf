"""The day before: each participant with meetings is reminded of their agenda."""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.urls import reverse

from meetups.models import (
    Meeting,
    Meetup,
    MeetupStatus,
    Registration,
    RegistrationStatus,
)
from meetups.services.common import _buyer_member_emails, _structure_admin_emails
from meetups.services.publishing.participants import meetup_participants
from outbox.services import queue_emails


@transaction.atomic
def agenda_reminders_send(*, meetup: Meetup) -> int:
    """The day before: remind each participant with meetings of their agenda (once per participant and address)."""
    from meetups import calendar

    if meetup.schedule_published_at is None or meetup.status != MeetupStatus.PUBLISHED:
        return 0
    participants = {p.key: p for p in meetup_participants(meetup)}
    registration_of = dict(
        Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED).values_list(
            "structure_id", "pk"
        )
    )
    counts: dict[str, int] = defaultdict(int)
    for buyer_id, structure_id in Meeting.objects.filter(meetup=meetup).values_list("buyer_id", "structure_id"):
        counts[f"b{buyer_id}"] += 1
        if structure_id in registration_of:
            counts[f"r{registration_of[structure_id]}"] += 1
    buyer_emails = _buyer_member_emails([p.pk for p in participants.values() if p.kind == "buyer"])
    emails = []
    for key, count in counts.items():
        participant = participants.get(key)
        if participant is None:
            continue
        if participant.kind == "buyer":
            recipients = buyer_emails.get(participant.pk, [])
        else:
            structure_id = next(s for s, r in registration_of.items() if r == participant.pk)
            recipients = _structure_admin_emails(structure_id)
        for address in recipients:
            emails.append(
                {
                    "to": address,
                    "template": "meetups/emails/agenda_reminder",
                    "context": {
                        "meetup": meetup,
                        "participant_name": participant.name,
                        "count": count,
                        "agenda_url": reverse("meetups:agenda", kwargs={"slug": meetup.slug}),
                        "ics_url": calendar.feed_url(meetup, participant),
                    },
                    "dedupe_key": f"meetups-agenda-reminder-{meetup.pk}-{key}-{address}",
                    "kind": "meetup_agenda_reminder",
                }
            )
    if emails:
        queue_emails(emails)
    return len(emails)
