import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from tenders.models import TenderStatus
from tenders.tasks import close_expired_tenders
from tests.tenders.factories import TenderFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


def past(minutes=1):
    return timezone.now() - datetime.timedelta(minutes=minutes)


def future(days=1):
    return timezone.now() + datetime.timedelta(days=days)


def published(deadline, **kwargs):
    return TenderFactory(
        published=True, published_at=deadline - datetime.timedelta(days=20), bid_deadline=deadline, **kwargs
    )


def test_closes_only_published_tenders_past_their_deadline():
    expired = [published(past(minutes=m)) for m in (1, 60, 60 * 24 * 40)]
    still_open = published(future())
    draft_expired = TenderFactory(bid_deadline=past())
    cancelled = TenderFactory(status=TenderStatus.CANCELLED, published_at=past(60 * 48), bid_deadline=past())

    assert close_expired_tenders() == 3

    for tender in expired:
        tender.refresh_from_db()
        assert tender.status == TenderStatus.CLOSED
        assert tender.status_changed_at is not None
    for tender, status in [
        (still_open, TenderStatus.PUBLISHED),
        (draft_expired, TenderStatus.DRAFT),
        (cancelled, TenderStatus.CANCELLED),
    ]:
        tender.refresh_from_db()
        assert tender.status == status


def test_idempotent():
    tender = published(past())
    assert close_expired_tenders() == 1
    changed_at = type(tender).objects.get(pk=tender.pk).status_changed_at
    assert close_expired_tenders() == 0
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CLOSED
    assert tender.status_changed_at == changed_at


def test_works_in_bounded_chunks_and_resumes():
    tenders = [published(past(minutes=i + 1)) for i in range(7)]
    # At most 2 chunks of 3 per run: 6 now, the last one on the next run.
    assert close_expired_tenders(chunk_size=3, max_chunks=2) == 6
    assert sum(t.__class__.objects.get(pk=t.pk).status == TenderStatus.CLOSED for t in tenders) == 6
    assert close_expired_tenders(chunk_size=3, max_chunks=2) == 1
    assert close_expired_tenders(chunk_size=3, max_chunks=2) == 0


def test_a_tender_at_its_exact_deadline_is_closed_one_in_the_future_is_not():
    soon = published(timezone.now() + datetime.timedelta(seconds=30))
    assert close_expired_tenders() == 0
    soon.refresh_from_db()
    assert soon.status == TenderStatus.PUBLISHED


def test_runs_every_minute_from_celery_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["tenders-close-expired"]
    assert entry["task"] == close_expired_tenders.name
    assert entry["schedule"] == 60.0
