"""A sensitive email's real body leaves by SMTP, then only its masked form stays; other bodies are purged in time."""

import ast
import importlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone

from outbox.models import OutboxEmail
from outbox.services import purge_bodies, queue_email, queue_emails, requeue_failed
from outbox.tasks import purge_old_bodies

MASK = "[lien personnel masqué]"
KEY = "MTIz:1tAbCd:q1w2e3r4t5y6u7i8o9p0"
LINK = f"http://testserver/compte/confirm-email/{KEY}/"
TEMPLATES = {
    "demo/emails/link_subject.txt": "Confirmez votre adresse",
    "demo/emails/link_body.txt": "Bonjour {{ name }}, confirmez : {{ url }}",
    "demo/emails/link_body.html": '<p>Bonjour {{ name }}, <a href="{{ url }}">confirmez</a>.</p>',
}


@pytest.fixture(autouse=True)
def _templates(email_templates):
    email_templates(TEMPLATES)


def queue(**kwargs):
    return queue_email(
        **{"to": "zoe@exemple.fr", "template": "demo/emails/link", "context": {"name": "Zoé", "url": LINK}} | kwargs
    )


def assert_holds_no_key(email: OutboxEmail, key: str = KEY):
    email.refresh_from_db()
    stored = repr([email.body_text, email.body_html, email.headers, email.secret_values, email.last_error])
    assert key not in stored


@pytest.mark.django_db
def test_the_worker_sends_the_real_link_then_the_row_keeps_only_the_masked_body(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(headers={"List-Unsubscribe": f"<{LINK}>"})

    assert email.sensitive  # found by itself: the sender did not say
    (message,) = mail.outbox
    assert LINK in message.body
    assert LINK in message.alternatives[0].content
    assert message.extra_headers["List-Unsubscribe"] == f"<{LINK}>"

    email.refresh_from_db()
    assert (email.status, email.secrets_removed_at is not None) == ("sent", True)
    assert email.body_text == f"Bonjour Zoé, confirmez : {MASK}\n"
    assert MASK in email.body_html
    assert email.headers["List-Unsubscribe"] == f"<{MASK}>"
    assert_holds_no_key(email)


@pytest.mark.django_db
def test_a_secret_the_sender_names_is_removed_too(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(context={"name": "Zoé", "url": "code KX7P2Q"}, sensitive=True, secrets=["KX7P2Q"])

    assert "KX7P2Q" in mail.outbox[0].body
    assert_holds_no_key(email, "KX7P2Q")
    assert email.body_text == f"Bonjour Zoé, confirmez : code {MASK}\n"


@pytest.mark.django_db
def test_an_ordinary_email_is_not_sensitive_and_keeps_its_body(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        (email,) = queue_emails([{"to": "yann@exemple.fr", "template": "demo/emails/link", "context": {"url": "/"}}])

    email.refresh_from_db()
    assert (email.status, email.sensitive, email.secrets_removed_at) == ("sent", False, None)
    assert email.body_text == "Bonjour , confirmez : /\n"


@pytest.mark.django_db
def test_a_failed_sensitive_email_loses_its_link_and_cannot_be_sent_again(
    smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.refuse(550, "Adresse inconnue")
    with django_capture_on_commit_callbacks(execute=True):
        email = queue()
        plain = queue(to="yann@exemple.fr", context={"url": "/"})

    email.refresh_from_db()
    assert (email.status, email.secrets_removed_at is not None) == ("failed", True)
    assert_holds_no_key(email)

    smtp_server.accept()
    with django_capture_on_commit_callbacks(execute=True):
        assert requeue_failed(ids=[email.pk, plain.pk]) == 1  # the ordinary one only
    email.refresh_from_db()
    assert email.status == "failed"
    assert smtp_server.recipients() == ["yann@exemple.fr"]


@pytest.mark.django_db
def test_a_refusal_quoting_the_link_is_stored_and_logged_masked(
    smtp_server, caplog, django_capture_on_commit_callbacks
):
    smtp_server.refuse(554, f"Contenu refuse, lien suspect : {LINK}", stage="DATA")  # a spam filter's answer

    with django_capture_on_commit_callbacks(execute=True):
        email = queue()

    email.refresh_from_db()
    assert email.status == "failed"
    assert email.last_error == f"554 Contenu refuse, lien suspect : {MASK}"
    assert "Outbox: 1 email(s) not sent" in caplog.text
    assert KEY not in caplog.text
    assert_holds_no_key(email)


def _old_email(days: int, **fields) -> OutboxEmail:
    created = timezone.now() - timedelta(days=days)
    fields = {
        "to": "zoe@exemple.fr",
        "subject": "Ancien",
        "body_text": "Un corps",
        "body_html": "<p>Un corps</p>",
        "headers": {"Message-ID": "<1@x>"},
        "status": "sent",
        "attempts": 1,
        "sent_at": created,
        "created_at": created,
    } | fields
    return OutboxEmail.objects.create(**fields)


@pytest.mark.django_db
def test_bodies_past_the_retention_are_emptied_in_chunks_and_the_metadata_stays(settings):
    assert django_settings.OUTBOX_BODY_RETENTION_DAYS == 90
    settings.OUTBOX_BODY_RETENTION_DAYS = 30
    old = [_old_email(31 + n) for n in range(5)]
    failed = _old_email(40, status="failed", sent_at=None, last_error="550 Inconnu", attempts=5)
    recent = _old_email(29)
    queued = _old_email(45, status="queued", sent_at=None, attempts=0)

    assert purge_bodies(before=timezone.now() - timedelta(days=30), limit=2) == 2
    assert OutboxEmail.objects.filter(body_purged_at__isnull=False).count() == 2

    assert purge_old_bodies.delay().get() == 4
    assert purge_old_bodies.delay().get() == 0

    for email in [*old, failed]:
        email.refresh_from_db()
        assert (email.body_text, email.body_html, email.headers) == ("", "", {})
        assert email.body_purged_at is not None
        assert (email.to, email.subject) == ("zoe@exemple.fr", "Ancien")
    assert failed.last_error == "550 Inconnu" and failed.attempts == 5
    for email in (recent, queued):
        email.refresh_from_db()
        assert (email.body_text, email.body_purged_at) == ("Un corps", None)
    assert requeue_failed(ids=[failed.pk]) == 0  # nothing left to send


def test_the_purge_runs_daily_from_beat():
    entry = next(
        e for e in django_settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "outbox.tasks.purge_old_bodies"
    )
    assert entry["schedule"].hour == {3}


def test_services_do_not_import_the_tasks():
    """outbox/tasks.py imports outbox/services.py; the services queue the tasks by name (no import circle)."""
    source = (Path(django_settings.BASE_DIR) / "outbox" / "services.py").read_text()
    imported = {
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert "outbox.tasks" not in imported
    assert not any(name.startswith("outbox.tasks") for name in imported)


@pytest.mark.django_db
def test_rows_sent_before_this_release_lose_their_links_in_the_migration():
    from django.apps import apps

    forget = importlib.import_module("outbox.migrations.0005_forget_existing_secrets").forget
    sent = _old_email(3, body_text=f"Confirmez : {LINK}", headers={"List-Unsubscribe": f"<{LINK}>"})
    plain = _old_email(3, body_text="Votre structure est vérifiée : http://testserver/espace/")
    queued = _old_email(0, status="queued", sent_at=None, attempts=0, body_text=f"Confirmez : {LINK}")

    forget(apps, None)

    sent.refresh_from_db()
    assert (sent.sensitive, sent.body_text, sent.headers) == (
        True,
        f"Confirmez : {MASK}",
        {"List-Unsubscribe": f"<{MASK}>"},
    )
    plain.refresh_from_db()
    assert (plain.sensitive, plain.body_text) == (False, "Votre structure est vérifiée : http://testserver/espace/")
    queued.refresh_from_db()
    assert KEY in queued.body_text  # still to be sent: the worker removes it once it has left


def test_a_console_mailer_in_production_is_flagged(settings):
    from outbox.checks import check_mailer_keeps_links_out_of_logs

    settings.DEBUG = False
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
    assert [w.id for w in check_mailer_keeps_links_out_of_logs(None)] == ["outbox.W001"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
    assert check_mailer_keeps_links_out_of_logs(None) == []
