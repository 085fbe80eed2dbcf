"""The monthly "complete your profile" email, while a structure's profile is below the threshold.

`send_completeness_reminders` (Celery beat, the 1st of each month, `structures.send_completeness_reminders`) walks the
listed structures (not archived, not refused) in chunks of CHUNK_SIZE and, for each one whose completeness is below
`settings.STRUCTURE_COMPLETENESS_THRESHOLD` (80 % by default), queues one email per administrator through the outbox,
with the list of what is missing. Not to a structure registered less than GRACE_DAYS ago (it has just filled in the
wizard), nor to a member who turned the reminder off.

Each email's dedupe key is structure × person × month: re-running the task, or running it twice in a month, sends
nothing twice. The email carries a one-click unsubscribe link (RFC 2369/8058 headers from matching.preferences) that
turns the reminder off for that membership only (the tender alerts are another choice, made in /alertes/).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone, translation

from matching.preferences import UNSUBSCRIBE_MAX_AGE, ExpiredToken, InvalidToken, unsubscribe_headers
from outbox.services import queue_email
from structures.models import Membership, Structure
from structures.services.common import _absolute_url
from structures.services.completeness import structure_completeness

__all__ = [
    "ExpiredToken",
    "InvalidToken",
    "membership_from_token",
    "reminder_token",
    "reminder_unsubscribe_url",
    "send_completeness_reminders",
    "set_reminder_preference",
]

REMINDER_SALT = "structures.completeness_reminder"
CHUNK_SIZE = 200
GRACE_DAYS = 7


def threshold() -> int:
    return int(getattr(settings, "STRUCTURE_COMPLETENESS_THRESHOLD", 80))


def reminder_token(membership: Membership) -> str:
    return signing.TimestampSigner(salt=REMINDER_SALT).sign(str(membership.pk))


def membership_from_token(token: str) -> Membership:
    """The membership a reminder's unsubscribe link was made for; InvalidToken or ExpiredToken otherwise."""
    try:
        value = signing.TimestampSigner(salt=REMINDER_SALT).unsign(token, max_age=UNSUBSCRIBE_MAX_AGE)
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except signing.BadSignature as error:
        raise InvalidToken from error
    membership = (
        Membership.objects.filter(pk=value if value.isdigit() else None, user__is_active=True)
        .select_related("structure", "user")
        .first()
    )
    if membership is None:
        raise InvalidToken
    return membership


def reminder_unsubscribe_url(membership: Membership) -> str:
    return _absolute_url("structures_space:reminder_unsubscribe", reminder_token(membership))


@transaction.atomic
def set_reminder_preference(*, membership: Membership, enabled: bool) -> Membership:
    Membership.objects.filter(pk=membership.pk).update(completeness_reminders=bool(enabled))
    membership.completeness_reminders = bool(enabled)
    return membership


def _candidates(after_pk: int, created_before: datetime.datetime):
    recipients = Membership.objects.filter(
        role=Membership.Role.ADMIN, completeness_reminders=True, user__is_active=True
    ).select_related("user")
    return (
        Structure.objects.listed()
        .filter(pk__gt=after_pk, created_at__lt=created_before)
        .defer("search_vector")
        .prefetch_related(
            "topics", "sectors", "areas", Prefetch("memberships", queryset=recipients, to_attr="recipients")
        )
        .with_proofs()
        .order_by("pk")[:CHUNK_SIZE]
    )


def send_completeness_reminders(*, today: datetime.date | None = None) -> int:
    """Queue this month's reminders; returns how many emails were queued now (not those already sent this month)."""
    today = today or timezone.localdate()
    month = f"{today:%Y-%m}"
    limit = threshold()
    tz = timezone.get_default_timezone()
    created_before = datetime.datetime.combine(today - datetime.timedelta(days=GRACE_DAYS), datetime.time.min, tz)
    started = timezone.now()
    queued = 0
    after = 0
    while True:
        chunk = list(_candidates(after, created_before))
        if not chunk:
            return queued
        after = chunk[-1].pk
        for structure in chunk:
            if not structure.recipients:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                completeness = structure_completeness(structure)
            if completeness.percent >= limit:
                continue
            space_url = _absolute_url("structures_space:detail", structure.slug)
            with transaction.atomic():
                for membership in structure.recipients:
                    unsubscribe = reminder_unsubscribe_url(membership)
                    email = queue_email(
                        to=membership.user.email,
                        template="structures/emails/completeness_reminder",
                        context={
                            "structure": structure,
                            "recipient": membership.user,
                            "percent": completeness.percent,
                            "threshold": limit,
                            "missing": [
                                {**part, "url": settings.SITE_URL + part["url"], "title": str(part["title"])}
                                for part in completeness.missing
                            ],
                            "space_url": space_url,
                            "unsubscribe_url": unsubscribe,
                        },
                        headers=unsubscribe_headers(unsubscribe),
                        dedupe_key=f"structures-completeness-{structure.pk}-{membership.user_id}-{month}",
                        kind="structure_completeness_reminder",
                    )
                    queued += email.created_at >= started
    return queued
