"""The publication path with a real Celery worker (Redis broker) and a real SMTP server (aiosmtpd). No mocks."""

import threading
import time
from collections import Counter
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from ess2024.celery import app
from matching import delivery
from matching.models import Notification
from matching.tasks import sweep, tender_published
from outbox.models import OutboxEmail
from outbox.tasks import requeue_stale
from tenders.models import TenderStatus
from tenders.services.lifecycle import tender_publish
from tests.accounts.factories import UserFactory
from tests.matching.conftest import CLEANING
from tests.smtp import free_port

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_until(predicate, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


def members(*structures):
    return sorted(email for s in structures for email in s.memberships.values_list("user__email", flat=True))


def test_publication_reaches_the_members_of_matched_structures_and_only_them(
    celery_worker, smtp_server, make_structure, make_tender
):
    matched = [
        make_structure(members=2),
        make_structure(members=1, areas=["75"]),
        make_structure(members=1, areas=["FR"]),
    ]
    others = [
        make_structure(members=1, topics=[CLEANING]),
        make_structure(members=1, areas=["93"]),
        make_structure(members=1, matching_opt_out=True),
    ]
    tender = make_tender(published=False, title="Restauration des volontaires")

    with transaction.atomic():
        tender_publish(tender=tender, by=UserFactory())
        time.sleep(0.3)
        assert smtp_server.messages == []  # nothing before the commit

    smtp_server.wait_for(4, timeout=30)
    time.sleep(1.0)  # anything more would arrive now
    assert sorted(smtp_server.recipients()) == members(*matched)
    assert not set(smtp_server.recipients()) & set(members(*others))
    assert all(
        m["Subject"] == "Un appel d'offres pour vous : Restauration des volontaires" for m in smtp_server.messages
    )
    assert all(m["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click" for m in smtp_server.messages)
    assert wait_until(lambda: OutboxEmail.objects.sent().count() == 4)
    assert Notification.objects.emailed().count() == 4


def test_sending_tasks_run_twice_and_concurrently_deliver_each_email_once(
    celery_worker, smtp_server, make_structure, make_tender
):
    structures = [make_structure(members=2) for _ in range(15)]
    tender = make_tender()
    ids = delivery.dispatch_tender(tender_id=tender.pk)  # 30 pending notifications, not sent yet
    assert len(ids) == 30

    barrier = threading.Barrier(4)
    errors = []

    def send(chunk):
        try:
            barrier.wait(timeout=10)
            delivery.deliver_notifications(chunk)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    # Four senders at the same moment over overlapping chunks, then the tasks again through the worker.
    threads = [threading.Thread(target=send, args=(chunk,)) for chunk in (ids, ids, ids[:20], ids[10:])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    tender_published.delay(tender.pk)
    sweep.delay(0)

    smtp_server.wait_for(30, timeout=30)
    assert wait_until(lambda: OutboxEmail.objects.sent().count() == 30)
    time.sleep(1.5)
    assert Counter(smtp_server.recipients()) == Counter(members(*structures))  # each once
    assert len(smtp_server.messages) == 30
    assert OutboxEmail.objects.count() == 30


@contextmanager
def broker_unreachable():
    """Point the app's producers at a closed port: `.delay()` fails as in a broker outage."""
    good = app.conf.broker_url

    def point_at(url):
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None

    point_at(f"redis://127.0.0.1:{free_port()}/0")
    try:
        yield
    finally:
        point_at(good)


def test_a_broker_outage_delays_emails_but_loses_none(celery_worker, smtp_server, make_structure, make_tender):
    matched = [make_structure(members=2), make_structure(members=1)]
    never_dispatched = make_tender(published=False, title="Publié pendant la panne")
    half_done = make_tender(title="Apparié pendant la panne")

    with broker_unreachable():
        # 1. The publication commits; its task cannot reach the broker, which is logged, not raised to the buyer.
        with transaction.atomic():
            tender_publish(tender=never_dispatched, by=UserFactory())
        # 2. A tender is matched (the task ran) but the chunks cannot be queued: they stay pending.
        tender_published.apply(args=[half_done.pk])
        time.sleep(0.5)

    never_dispatched.refresh_from_db()
    assert never_dispatched.status == TenderStatus.PUBLISHED
    assert not Notification.objects.filter(tender=never_dispatched).exists()
    assert Notification.objects.filter(tender=half_done).pending().count() == 3
    assert smtp_server.messages == []

    # The broker is back: the beat sweep finds both and the worker delivers everything, once.
    sweep.delay(0)
    smtp_server.wait_for(6, timeout=30)
    assert wait_until(lambda: OutboxEmail.objects.sent().count() == 6)
    sweep.delay(0)
    requeue_stale.delay()
    time.sleep(1.5)
    sent = Counter((m["Subject"], m["To"]) for m in smtp_server.messages)
    assert len(sent) == 6 and set(sent.values()) == {1}
    for tender in (never_dispatched, half_done):
        assert sorted(to for (subject, to) in sent if tender.title in subject) == members(*matched)
