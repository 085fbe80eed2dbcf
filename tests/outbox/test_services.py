import threading
import time

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import translation

from outbox.models import OutboxEmail
from outbox.services import queue_email, queue_emails

TEMPLATES = {
    "demo/emails/hello_subject.txt": "\n  Bienvenue {{ name }} :\n l'appel d'offres {{ title }}  \n",
    "demo/emails/hello_body.txt": (
        "{% load i18n %}{% get_current_language as lang %}[{{ lang }}] Bonjour {{ name }},\n\n"
        "L'appel d'offres « {{ title }} » vous attend : {{ SITE_URL }}/appels-d-offres/{{ slug }}/\n"
    ),
    "demo/emails/hello_body.html": (
        '<p>Bonjour {{ name }},</p><p><a href="{{ SITE_URL }}/appels-d-offres/{{ slug }}/">'
        "L'appel d'offres « {{ title }} »</a></p>"
    ),
    "demo/emails/plain_subject.txt": "Sans HTML",
    "demo/emails/plain_body.txt": "Rien que du texte.",
}
CONTEXT = {"name": "Zoé", "title": "Nettoyage & <tri> des déchets", "slug": "nettoyage-tri"}


@pytest.fixture(autouse=True)
def _templates(email_templates):
    email_templates(TEMPLATES)


def queue(**kwargs):
    return queue_email(
        **{"to": "zoe@exemple.fr", "template": "demo/emails/hello", "context": CONTEXT, "kind": "demo"} | kwargs
    )


@pytest.mark.django_db
def test_renders_subject_text_and_html_with_absolute_links():
    email = queue()

    assert email.subject == "Bienvenue Zoé : l'appel d'offres Nettoyage & <tri> des déchets"
    assert "L'appel d'offres « Nettoyage & <tri> des déchets » vous attend" in email.body_text  # not HTML-escaped
    assert "http://testserver/appels-d-offres/nettoyage-tri/" in email.body_text
    assert '<a href="http://testserver/appels-d-offres/nettoyage-tri/">' in email.body_html
    assert "Nettoyage &amp; &lt;tri&gt; des déchets" in email.body_html  # escaped in HTML
    assert email.status == OutboxEmail.Status.QUEUED
    assert email.to == "zoe@exemple.fr"
    assert email.kind == "demo"
    assert email.headers["Message-ID"].endswith("@testserver>")
    assert str(email).startswith("Bienvenue Zoé")


@pytest.mark.django_db
def test_html_part_is_optional():
    email = queue(template="demo/emails/plain")

    assert email.subject == "Sans HTML"
    assert email.body_text == "Rien que du texte.\n"
    assert email.body_html == ""


@pytest.mark.django_db
def test_rendered_in_french_whatever_the_active_language_unless_told():
    with translation.override("en"):
        french = queue()
        english = queue(language="en")

    assert french.body_text.startswith("[fr] ")
    assert english.body_text.startswith("[en] ")


@pytest.mark.django_db
def test_missing_template_is_an_error():
    with pytest.raises(Exception, match="demo/emails/nothing_subject.txt"):
        queue(template="demo/emails/nothing")
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("kwargs", [{"to": "pas-une-adresse"}, {"reply_to": "a@b@c"}])
def test_invalid_addresses_are_refused(kwargs):
    with pytest.raises(ValidationError):
        queue(**kwargs)


@pytest.mark.django_db
def test_header_injection_is_refused():
    with pytest.raises(ValueError, match="Invalid email header"):
        queue(headers={"X-Test": "a\r\nBcc: victim@exemple.fr"})


@pytest.mark.django_db
def test_sending_is_queued_only_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = queue()
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert mail.outbox == []
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.QUEUED

    callbacks[0]()  # the transaction committed: the (eager) task runs

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT


@pytest.mark.django_db
def test_rolled_back_transaction_leaves_no_email(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            queue()
            raise RuntimeError("the business rule failed")

    assert callbacks == []
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_dedupe_key_returns_the_existing_row_and_queues_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as first_callbacks:
        first = queue(dedupe_key="tender:1:user:2")
    with django_capture_on_commit_callbacks(execute=True) as second_callbacks:
        second = queue(dedupe_key="tender:1:user:2", context={**CONTEXT, "name": "Autre"})

    assert second.pk == first.pk
    assert second.subject.startswith("Bienvenue Zoé")
    assert (len(first_callbacks), len(second_callbacks)) == (1, 0)
    assert OutboxEmail.objects.count() == 1
    assert len(mail.outbox) == 1


def in_two_concurrent_transactions(queue_something):
    """Run `queue_something()` in two threads, each in its own transaction, both open before either inserts, each
    still open while the other inserts. -> (what each returned, the errors raised)"""
    barrier = threading.Barrier(2, timeout=10)
    results, errors = [], []

    def worker():
        try:
            with transaction.atomic():
                barrier.wait()
                results.append(queue_something())
                time.sleep(0.3)  # the other transaction reaches its INSERT while this one is still open
        except Exception as error:  # reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_same_dedupe_key_in_two_concurrent_transactions_gives_one_row():
    pks, errors = in_two_concurrent_transactions(lambda: queue(dedupe_key="concurrent").pk)

    assert errors == []
    assert len(pks) == 2 and pks[0] == pks[1]
    assert OutboxEmail.objects.count() == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_keys_in_two_concurrent_bulk_calls_give_one_row_each():
    items = [
        {"to": f"personne{n}@exemple.fr", "template": "demo/emails/hello", "context": CONTEXT, "dedupe_key": f"k{n}"}
        for n in range(3)
    ]

    results, errors = in_two_concurrent_transactions(lambda: [email.pk for email in queue_emails(items)])

    assert errors == []
    assert len(results) == 2 and results[0] == results[1]
    assert OutboxEmail.objects.count() == 3
    assert sorted(message.to[0] for message in mail.outbox) == [item["to"] for item in items]  # each sent once


@pytest.mark.django_db
def test_queue_emails_in_bulk_sends_in_chunks_over_the_kept_connection(
    smtp_server, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    OutboxEmail.objects.create(to="deja@exemple.fr", subject="Déjà là", body_text="x", dedupe_key="k-0")
    items = [
        {
            "to": f"personne{i}@exemple.fr",
            "template": "demo/emails/hello",
            "context": {**CONTEXT, "name": f"Personne {i}"},
            "dedupe_key": f"k-{i}",
            "kind": "bulk",
        }
        for i in range(150)
    ] + [{"to": "sans-cle@exemple.fr", "template": "demo/emails/plain", "context": {}}]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with django_assert_max_num_queries(6):
            emails = queue_emails(items)
    assert [email.to for email in emails] == ["deja@exemple.fr"] + [item["to"] for item in items[1:]]
    assert all(email.pk for email in emails)
    assert len(callbacks) == 1

    callbacks[0]()

    received = smtp_server.wait_for(150)
    assert sorted(smtp_server.recipients()) == sorted(item["to"] for item in items[1:])
    assert smtp_server.connections == 1  # 150 new rows: chunks of 100 and 50, over the worker's kept connection
    assert "Personne 7" in next(m for m in received if m["To"] == "personne7@exemple.fr")["Subject"]
    assert OutboxEmail.objects.sent().count() == 150
    assert OutboxEmail.objects.get(dedupe_key="k-0").status == OutboxEmail.Status.QUEUED  # not ours to send here

    with django_capture_on_commit_callbacks(execute=True) as again:
        assert [email.pk for email in queue_emails(items[:10])] == [email.pk for email in emails[:10]]
    assert again == []
    assert len(smtp_server.messages) == 150


@pytest.mark.django_db
def test_queue_emails_refuses_a_key_twice_in_one_call():
    item = {"to": "a@exemple.fr", "template": "demo/emails/plain", "context": {}, "dedupe_key": "same"}
    with pytest.raises(ValueError, match="dedupe_key"):
        queue_emails([item, item])
