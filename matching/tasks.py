"""Celery tasks of the matching (the flow: matching/delivery.py). Tasks take ids; re-running one sends nothing twice.

Database and connection errors are retried with exponential back-off; once the retries are spent the work is not
lost: the rows stay pending, the beat `sweep` queues them again, and the admin shows them (Notification status,
outbox failures).
"""

from __future__ import annotations

import datetime
import logging

from celery import shared_task
from django.db import DatabaseError

from matching import delivery
from matching.models import Frequency

logger = logging.getLogger(__name__)

RETRY = {
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


def fan_out(notification_ids: list[int]) -> int:
    """Queue one send_notifications task per chunk (several workers share them). A broker error is logged: the
    notifications stay pending and the sweep queues them again."""
    queued = 0
    try:
        for chunk in delivery.chunks(notification_ids):
            send_notifications.delay(chunk)
            queued += 1
    except Exception as error:  # kombu.OperationalError, redis.ConnectionError, OSError...
        if send_notifications.app.conf.task_always_eager:
            raise
        logger.warning(
            "Matching: could not queue %s notification(s), the sweep will: %r", len(notification_ids), error
        )
    return queued


@shared_task(name="matching.tasks.tender_published", **RETRY)
def tender_published(tender_id: int) -> int:
    """Queued on commit by tenders.services.lifecycle.tender_publish: match, write notifications, send them."""
    ids = delivery.dispatch_tender(tender_id=int(tender_id))
    fan_out(ids)
    return len(ids)


@shared_task(name="matching.tasks.send_notifications", **RETRY)
def send_notifications(notification_ids: list[int]) -> dict[str, int]:
    """Email one chunk of immediate notifications through the outbox (each at most once)."""
    return delivery.deliver_notifications([int(pk) for pk in notification_ids])


@shared_task(name="matching.tasks.send_daily_digests", **RETRY)
def send_daily_digests() -> int:
    return delivery.send_digests(frequency=Frequency.DAILY)


@shared_task(name="matching.tasks.send_weekly_digests", **RETRY)
def send_weekly_digests() -> int:
    return delivery.send_digests(frequency=Frequency.WEEKLY)


@shared_task(name="matching.tasks.send_deadline_reminders", **RETRY)
def send_deadline_reminders() -> int:
    return delivery.send_deadline_reminders()


@shared_task(name="matching.tasks.sweep")
def sweep(older_than_seconds: int = 120) -> dict[str, int]:
    """Beat, every minute: run again what a lost task (broker outage, worker killed) left undone."""
    tenders, notifications = delivery.stale_work(older_than=datetime.timedelta(seconds=int(older_than_seconds)))
    for tender_id in tenders:
        tender_published.delay(tender_id)
    fan_out(notifications)
    if tenders or notifications:
        logger.info("Matching sweep: %s tender(s), %s notification(s) queued again", len(tenders), len(notifications))
    return {"tenders": len(tenders), "notifications": len(notifications)}
