import threading
from datetime import timedelta

import pytest
from celery.signals import task_prerun, worker_shutdown
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from outbox.models import OutboxEmail
from outbox.services import queue_email, queue_emails
from outbox.tasks import deliver, kept_mailer, requeue_stale, retry_delay, send_email, send_emails, send_now

TEMPLATES = {
    "demo/emails/notice_subject.txt": "Avis n° {{ number }}",
    "demo/emails/notice_body.txt": "Bonjour,\nL'avis n° {{ number }} : {{ SITE_URL }}/avis/{{ number }}/\n",
    "demo/emails/notice_body.html": '<p>L\'avis <a href="{{ SITE_URL }}/avis/{{ number }}/">n° {{ number }}</a></p>',
}


def notice(number):
    return {"template": "demo/emails/notice", "context": {"number": number}}


@pytest.fixture(autouse=True)
def _templates(email_templates):
    email_templates(TEMPLATES)


def queue(number=1, **kwargs):
    return queue_email(
        **{"to": f"personne{number}@exemple.fr", "template": "demo/emails/notice", "context": {"number": number}}
        | kwargs
    )


def queue_without_sending(django_capture_on_commit_callbacks, count=1):
    """Rows whose on-commit task is dropped (as if the broker had lost it)."""
    with django_capture_on_commit_callbacks(execute=False):
        return [queue(number) for number in range(1, count + 1)]


@pytest.mark.django_db
def test_sends_text_html_and_headers_to_a_real_smtp_server(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(
            7,
            reply_to="acheteur@ville.fr",
            headers={"List-Unsubscribe": "<http://testserver/desabonnement/x/>", "List-Unsubscribe-Post": "One-Click"},
            kind="notice",
        )

    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert smtp_server.envelopes == [("ne-pas-repondre@ess2024.example.org", ["personne7@exemple.fr"])]
    assert message["To"] == "personne7@exemple.fr"
    assert message["From"] == "ESS 2024 <ne-pas-repondre@ess2024.example.org>"
    assert message["Reply-To"] == "acheteur@ville.fr"
    assert message["Subject"] == "Avis n° 7"
    assert message["List-Unsubscribe"] == "<http://testserver/desabonnement/x/>"
    assert message["List-Unsubscribe-Post"] == "One-Click"
    assert message["Message-ID"] == email.headers["Message-ID"]
    assert message.get_content_type() == "multipart/alternative"
    assert "L'avis n° 7 : http://testserver/avis/7/" in message.get_body(("plain",)).get_content()
    assert '<a href="http://testserver/avis/7/">' in message.get_body(("html",)).get_content()

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.attempts == 1
    assert email.sent_at is not None and email.last_error == ""


@pytest.mark.django_db
def test_running_the_task_again_sends_nothing_more(smtp_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    assert send_email.delay(email.pk).get() == {"sent": 0, "failed": 0, "retry": 0}
    assert send_emails.delay([email.pk, email.pk]).get() == {"sent": 0, "failed": 0, "retry": 0}
    assert requeue_stale() == 0

    assert len(smtp_server.messages) == 1
    email.refresh_from_db()
    assert email.attempts == 1


@pytest.mark.django_db
def test_a_batch_goes_over_one_connection(smtp_server, django_capture_on_commit_callbacks):
    emails = queue_without_sending(django_capture_on_commit_callbacks, count=120)

    assert send_emails.delay([email.pk for email in emails]).get() == {"sent": 120, "failed": 0, "retry": 0}

    assert smtp_server.connections == 1
    assert sorted(smtp_server.recipients()) == sorted(email.to for email in emails)
    assert OutboxEmail.objects.sent().count() == 120


@pytest.mark.django_db
def test_a_connection_closed_by_the_server_is_opened_again(smtp_server, django_capture_on_commit_callbacks):
    emails = queue_without_sending(django_capture_on_commit_callbacks, count=35)
    smtp_server.messages_per_connection = 10

    assert send_emails.delay([email.pk for email in emails]).get() == {"sent": 35, "failed": 0, "retry": 0}

    assert smtp_server.connections == 4
    assert sorted(smtp_server.recipients()) == sorted(email.to for email in emails)
    assert set(OutboxEmail.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db
def test_the_worker_keeps_its_connection_from_one_task_to_the_next(smtp_server, django_capture_on_commit_callbacks):
    emails = queue_without_sending(django_capture_on_commit_callbacks, count=3)

    for email in emails:
        assert send_email.delay(email.pk).get() == {"sent": 1, "failed": 0, "retry": 0}

    assert smtp_server.connections == 1
    assert sorted(smtp_server.recipients()) == sorted(email.to for email in emails)


@pytest.mark.django_db
def test_a_kept_connection_the_server_dropped_meanwhile_is_opened_again(
    smtp_server, django_capture_on_commit_callbacks
):
    first, second = queue_without_sending(django_capture_on_commit_callbacks, count=2)
    send_email.delay(first.pk).get()
    smtp_server.messages_per_connection = 1  # the relay now closes the connection kept since (421)

    assert send_email.delay(second.pk).get() == {"sent": 1, "failed": 0, "retry": 0}

    assert smtp_server.connections == 2
    assert OutboxEmail.objects.get(pk=second.pk).attempts == 1


@pytest.mark.django_db
def test_an_idle_connection_is_replaced_and_a_stopping_worker_closes_it(
    smtp_server, settings, django_capture_on_commit_callbacks
):
    first, second = queue_without_sending(django_capture_on_commit_callbacks, count=2)
    send_email.delay(first.pk).get()
    settings.OUTBOX_SMTP_IDLE = 0  # any pause between two tasks is now too long

    send_email.delay(second.pk).get()

    assert smtp_server.connections == 2
    assert kept_mailer.mailer is not None
    worker_shutdown.send(sender=None)
    assert kept_mailer.mailer is None


@pytest.mark.django_db
def test_a_chunk_sent_by_its_writer_takes_no_task_and_reads_no_body_again(
    smtp_server, django_capture_on_commit_callbacks
):
    tasks = []
    task_prerun.connect(record := lambda sender=None, **kwargs: tasks.append(sender.name), weak=False)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            emails = queue_emails([{"to": f"personne{n}@exemple.fr", **notice(n)} for n in range(1, 4)], send=send_now)
        with CaptureQueriesContext(connection) as queries:
            for callback in callbacks:
                callback()
    finally:
        task_prerun.disconnect(record)

    assert tasks == []
    assert not [query["sql"] for query in queries if "body_text" in query["sql"] and "SELECT" in query["sql"]]
    assert sorted(smtp_server.recipients()) == sorted(email.to for email in emails)
    assert set(OutboxEmail.objects.values_list("status", "attempts")) == {("sent", 1)}


@pytest.mark.django_db
def test_a_transient_failure_of_a_chunk_sent_by_its_writer_is_retried_by_a_task(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.refuse(451, "Boîte pleine", times=1)

    with django_capture_on_commit_callbacks(execute=True):
        (email,) = queue_emails([{"to": "personne1@exemple.fr", **notice(1)}], send=send_now)

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("sent", 2, "451 Boîte pleine")
    assert smtp_server.recipients() == ["personne1@exemple.fr"]


def run_in_threads(target, count=2):
    barrier = threading.Barrier(count, timeout=10)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(target())
        except Exception as error:  # reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_send_each_email_once(smtp_server):
    # Rows created without their task (a lost task), then two workers handed the same ids at the same moment.
    emails = OutboxEmail.objects.bulk_create(
        OutboxEmail(
            to=f"p{n}@exemple.fr", from_email="ne-pas-repondre@ess2024.example.org", subject=f"n° {n}", body_text="x"
        )
        for n in range(80)
    )
    ids = [email.pk for email in emails]
    smtp_server.delay = 0.005  # a slow server: the two senders overlap

    results = run_in_threads(lambda: send_emails.apply(args=[ids]).get())

    assert sorted(smtp_server.recipients()) == sorted(f"p{n}@exemple.fr" for n in range(80))
    assert sum(result["sent"] for result in results) == 80
    assert OutboxEmail.objects.sent().count() == 80
    assert set(OutboxEmail.objects.values_list("attempts", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_one_email_sent_by_two_concurrent_tasks_goes_once(smtp_server):
    email = OutboxEmail.objects.create(
        to="seul@exemple.fr", from_email="x@exemple.fr", subject="Une fois", body_text="x"
    )
    smtp_server.delay = 0.2

    results = run_in_threads(lambda: send_email.apply(args=[email.pk]).get(), count=4)

    assert sorted(result["sent"] for result in results) == [0, 0, 0, 1]
    assert smtp_server.recipients() == ["seul@exemple.fr"]


@pytest.mark.django_db
def test_transient_failure_is_retried_then_sent(smtp_server, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    smtp_server.refuse(451, "Boîte temporairement indisponible", times=2)

    with django_capture_on_commit_callbacks(execute=True):
        email = queue()  # eager Celery: the retries run at once, without their countdown

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.attempts == 3
    assert "451" in email.last_error
    assert smtp_server.rcpt_attempts == 3
    assert len(smtp_server.messages) == 1


@pytest.mark.django_db
def test_transient_failure_becomes_failed_after_the_last_attempt(
    smtp_server, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    smtp_server.refuse(451, "Boîte temporairement indisponible")

    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.attempts == 3
    assert email.last_error == "451 Boîte temporairement indisponible"
    assert email.sent_at is None
    assert smtp_server.rcpt_attempts == 3
    assert smtp_server.messages == []


@pytest.mark.django_db
def test_a_transient_failure_pushes_the_next_attempt_back(smtp_server, django_capture_on_commit_callbacks):
    (email,) = queue_without_sending(django_capture_on_commit_callbacks)
    smtp_server.refuse(421, "Trop de connexions")
    before = timezone.now()

    outcome = deliver([email.pk])

    assert (outcome.retry, outcome.countdown) == ([email.pk], 60)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (OutboxEmail.Status.QUEUED, 1)
    assert before + timedelta(seconds=59) < email.next_attempt_at < timezone.now() + timedelta(seconds=61)
    assert [retry_delay(n) for n in range(1, 9)] == [60, 120, 240, 480, 960, 1920, 3600, 3600]


@pytest.mark.django_db
def test_permanent_refusal_fails_at_once_and_the_rest_of_the_batch_goes(
    smtp_server, django_capture_on_commit_callbacks
):
    emails = queue_without_sending(django_capture_on_commit_callbacks, count=3)
    smtp_server.refuse(550, "Adresse inconnue", address="personne2@exemple.fr")

    assert send_emails.delay([email.pk for email in emails]).get() == {"sent": 2, "failed": 1, "retry": 0}

    assert sorted(smtp_server.recipients()) == ["personne1@exemple.fr", "personne3@exemple.fr"]
    assert smtp_server.connections == 1
    refused = OutboxEmail.objects.get(to="personne2@exemple.fr")
    assert (refused.status, refused.attempts, refused.last_error) == ("failed", 1, "550 Adresse inconnue")


@pytest.mark.django_db
def test_refused_message_data_is_a_failure_too(smtp_server, django_capture_on_commit_callbacks):
    smtp_server.refuse(554, "Contenu refusé", stage="DATA")

    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == ("failed", 1, "554 Contenu refusé")


@pytest.mark.django_db
def test_unreachable_server_counts_an_attempt_for_every_row_then_fails_them(
    refused_port, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    emails = queue_without_sending(django_capture_on_commit_callbacks, count=60)  # two lock batches

    assert send_emails.delay([email.pk for email in emails]).get() == {"sent": 0, "failed": 60, "retry": 0}

    assert set(OutboxEmail.objects.values_list("status", "attempts")) == {("failed", 2)}
    assert "ConnectionRefusedError" in OutboxEmail.objects.first().last_error


@pytest.mark.django_db
def test_requeue_stale_sends_rows_whose_task_was_lost(smtp_server, django_capture_on_commit_callbacks):
    lost, fresh = queue_without_sending(django_capture_on_commit_callbacks, count=2)
    long_ago = timezone.now() - timedelta(minutes=5)
    OutboxEmail.objects.filter(pk=lost.pk).update(created_at=long_ago, next_attempt_at=long_ago)
    already_sent = OutboxEmail.objects.create(
        to="fait@exemple.fr", subject="x", body_text="x", status="sent", sent_at=long_ago, attempts=1
    )
    OutboxEmail.objects.filter(pk=already_sent.pk).update(next_attempt_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_stale() == 1

    assert smtp_server.recipients() == [lost.to]
    assert OutboxEmail.objects.get(pk=lost.pk).status == OutboxEmail.Status.SENT
    assert OutboxEmail.objects.get(pk=fresh.pk).status == OutboxEmail.Status.QUEUED  # its task may still come


@pytest.mark.django_db
def test_requeue_stale_works_in_bounded_chunks_and_does_not_requeue_twice(
    smtp_server, django_capture_on_commit_callbacks
):
    emails = queue_without_sending(django_capture_on_commit_callbacks, count=250)
    long_ago = timezone.now() - timedelta(minutes=5)
    OutboxEmail.objects.update(next_attempt_at=long_ago)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert requeue_stale() == 250
        assert requeue_stale() == 0  # just queued: the next sweep leaves them to their tasks

    assert len(callbacks) == 3  # chunks of 100, 100 and 50
    for callback in callbacks:
        callback()
    assert sorted(smtp_server.recipients()) == sorted(email.to for email in emails)
    assert smtp_server.connections == 1  # three tasks, the worker's one kept connection
