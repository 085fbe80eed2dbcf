"""The outbox with a real Celery worker, the real Redis broker and a real SMTP server."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from outbox.models import OutboxEmail
from outbox.services import queue_email
from outbox.tasks import requeue_stale

pytestmark = pytest.mark.worker


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not predicate() and time.monotonic() < deadline:
        time.sleep(0.05)
    return predicate()


def test_email_queued_in_a_committed_transaction_reaches_the_smtp_server(celery_worker, smtp_server):
    with transaction.atomic():
        email = queue_email(to="zoe@exemple.fr", template="outbox/emails/test", context={}, kind="test")
        time.sleep(0.3)
        assert smtp_server.messages == []  # nothing leaves before the commit

    (message,) = smtp_server.wait_for(1)
    assert message["To"] == "zoe@exemple.fr"
    assert message["Subject"] == "Courriel de test d'ESS 2024"
    assert "http://testserver/" in message.get_body(("plain",)).get_content()
    assert '<a href="http://testserver/"' in message.get_body(("html",)).get_content()
    assert wait_until(lambda: OutboxEmail.objects.get(pk=email.pk).status == OutboxEmail.Status.SENT)


def test_a_rolled_back_transaction_sends_nothing(celery_worker, smtp_server):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email(to="zoe@exemple.fr", template="outbox/emails/test", context={})
        raise RuntimeError("rollback")
    queue_email(to="yann@exemple.fr", template="outbox/emails/test", context={})  # a later email as a marker

    smtp_server.wait_for(1)
    time.sleep(0.3)
    assert smtp_server.recipients() == ["yann@exemple.fr"]


def test_the_worker_retries_after_a_transient_failure(celery_worker, smtp_server, settings):
    settings.OUTBOX_RETRY_DELAY = 1
    smtp_server.refuse(451, "Réessayez plus tard", times=1)

    email = queue_email(to="zoe@exemple.fr", template="outbox/emails/test", context={})

    smtp_server.wait_for(1)
    assert wait_until(lambda: OutboxEmail.objects.get(pk=email.pk).status == OutboxEmail.Status.SENT)
    email.refresh_from_db()
    assert (email.attempts, email.last_error) == (2, "451 Réessayez plus tard")
    assert smtp_server.rcpt_attempts == 2


def test_rows_left_queued_by_a_broker_outage_are_sent_by_the_sweep(celery_worker, smtp_server):
    # What an outage leaves behind: rows committed while their task never reached the broker.
    long_ago = timezone.now() - timedelta(minutes=3)
    OutboxEmail.objects.bulk_create(
        OutboxEmail(
            to=f"p{n}@exemple.fr", subject="Oublié", body_text="x", created_at=long_ago, next_attempt_at=long_ago
        )
        for n in range(150)
    )

    requeue_stale.delay()

    smtp_server.wait_for(150)
    assert sorted(smtp_server.recipients()) == sorted(f"p{n}@exemple.fr" for n in range(150))
    assert wait_until(lambda: OutboxEmail.objects.sent().count() == 150)
