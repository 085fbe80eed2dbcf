"""Periodic work on tenders. Tasks take ids or nothing; the bodies call services."""

from __future__ import annotations

import logging

from celery import shared_task
from django.utils import timezone

from tenders.models import Tender, TenderStatus
from tenders.services.lifecycle import TenderTransitionError, tender_close

logger = logging.getLogger(__name__)

# Tenders read per query, and at most this many chunks per run: the next run (a minute later) takes the rest.
CHUNK_SIZE = 200
MAX_CHUNKS = 50


@shared_task(name="tenders.tasks.close_expired_tenders")
def close_expired_tenders(chunk_size: int = CHUNK_SIZE, max_chunks: int = MAX_CHUNKS) -> int:
    """Close every published tender whose bid deadline has passed (Celery beat, every minute).

    Each tender is closed by `tender_close` in its own transaction, so the job can stop at any point and be run
    again; a tender closed meanwhile (by its buyer, or by a concurrent run) is skipped. Returns how many it closed.
    """
    closed = 0
    last_id = 0
    for _chunk in range(max_chunks):
        now = timezone.now()
        ids = list(
            Tender.objects.filter(status=TenderStatus.PUBLISHED, bid_deadline__lte=now, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            break
        for tender in Tender.objects.filter(pk__in=ids).order_by("pk"):
            try:
                tender_close(tender=tender, by=None)
            except TenderTransitionError:
                continue  # closed, cancelled… by someone else since we read it
            closed += 1
        last_id = ids[-1]
    if closed:
        logger.info("close_expired_tenders: %s tender(s) closed", closed)
    return closed


@shared_task(name="tenders.tasks.send_buyer_daily_digests")
def send_buyer_daily_digests() -> int:
    """Buyers' daily digest of yesterday's interested structures (and questions, for those who chose so).

    Celery beat, every morning; idempotent (one email per address and day), so a re-run sends nothing twice.
    """
    from tenders.services.buyer_notifications import send_daily_digests

    return send_daily_digests()


@shared_task(name="tenders.tasks.send_buyer_award_reminders")
def send_buyer_award_reminders() -> int:
    """Remind buyers to award (or declare unsuccessful) their closed tenders: once, then weekly (beat, daily)."""
    from tenders.services.buyer_notifications import send_award_reminders

    return send_award_reminders()
