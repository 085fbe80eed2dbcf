"""Celery tasks of the meet-ups. Tasks take ids; re-running one sends nothing twice (outbox dedupe keys)."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

RETRY = {
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(**RETRY)
def send_agenda_reminders() -> int:
    """Beat, hourly: remind the participants of meet-ups held tomorrow (Europe/Paris) whose schedule is published.
    Each participant and address gets one reminder, however often this runs. Returns the number of emails queued."""
    from meetups.models import Meetup
    from meetups.services import agenda_reminders_send

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    start = timezone.make_aware(datetime.datetime.combine(tomorrow, datetime.time.min))
    sent = 0
    for meetup in Meetup.objects.published().filter(
        schedule_published_at__isnull=False, starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=1)
    ):
        sent += agenda_reminders_send(meetup=meetup)
    return sent


@shared_task(name="meetups.tasks.schedule_compute", soft_time_limit=240)
def schedule_compute(meetup_id: int, allow_move: bool = False) -> None:
    """Queued on commit from the staff schedule page: run the scheduler, keeping its progress and its proposal in
    the cache (meetups/scheduling/jobs.py). Nothing is written to the schedule until staff apply the proposal."""
    from meetups.scheduling import jobs

    jobs.run(int(meetup_id), bool(allow_move))
