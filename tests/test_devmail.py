"""`make run` keeps every email it sends and shows it on a development page; production has neither (issue 15, 1).

The mail catcher is the real one (scripts/services.py, aiosmtpd in its own process); the pages are ess2024/devmail.py,
mounted here the way ess2024/urls.py mounts them under settings_dev (this module is their URLconf).
"""

import email
import email.policy
import os
import shutil
import smtplib
import subprocess
import sys
import tempfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management.utils import get_random_secret_key
from django.urls import include, path

from ess2024.urls import urlpatterns as site_urlpatterns
from scripts.services import PROJECT_DIR, MailCatcher, pid_alive, port_answers

urlpatterns = [*site_urlpatterns, path("dev/courriels/", include("ess2024.devmail"))]

CONFIRM_URL = "http://127.0.0.1:8000/compte/confirm-email/MQ:1abc:def/"


@pytest.fixture
def scratch():
    path = Path(tempfile.mkdtemp(prefix="ess2024-devmail-test-"))
    yield path
    MailCatcher(path / "mail").stop()
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def catcher(scratch):
    server = MailCatcher(scratch / "mail")
    server.start()
    yield server
    server.stop()


def send(catcher, *, subject="[ESS 2024] Bienvenue : confirmez votre adresse e-mail", html=True):
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = "ESS 2024 <ne-pas-repondre@ess2024.example.org>"
    message["To"] = "claire.martin@recyclerie-exemple.fr"
    message["Date"] = "Mon, 30 Nov 2026 14:05:00 +0000"
    message.set_content(f"Bonjour,\n\nConfirmez votre adresse : {CONFIRM_URL}\n")
    if html:
        message.add_alternative(
            f'<!doctype html><html><head><title>x</title></head><body><p><a href="{CONFIRM_URL}">Confirmer</a></p>'
            "</body></html>",
            subtype="html",
        )
    with smtplib.SMTP("127.0.0.1", catcher.port, timeout=10) as smtp:
        smtp.send_message(message)


@pytest.fixture
def devmail(settings, catcher):
    """settings_dev's two additions, pointed at the running catcher."""
    settings.DEVMAIL_DIR = str(catcher.messages)
    settings.TEMPLATES = [
        {
            **settings.TEMPLATES[0],
            "OPTIONS": {
                **settings.TEMPLATES[0]["OPTIONS"],
                "context_processors": [
                    *settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                    "ess2024.devmail.banner",
                ],
            },
        }
    ]
    return catcher


# -- the catcher ------------------------------------------------------------------------------------------------------
def test_catcher_keeps_each_email_as_a_file_and_stops_cleanly(catcher):
    send(catcher)
    send(catcher, subject="Deuxième")

    files = sorted(catcher.messages.glob("*.eml"))
    assert len(files) == 2
    subjects = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)["Subject"] for f in files]
    assert subjects == ["[ESS 2024] Bienvenue : confirmez votre adresse e-mail", "Deuxième"]
    pid, port = catcher.pid, catcher.port
    catcher.stop()
    assert not pid_alive(pid)
    assert not port_answers(port)


def test_exec_with_mail_exports_email_url_and_devmail_dir_then_stops_the_catcher(scratch):
    env = {key: value for key, value in os.environ.items() if key not in ("EMAIL_URL", "DEVMAIL_DIR")}
    script = "import os; print(os.environ['EMAIL_URL']); print(os.environ['DEVMAIL_DIR'])"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "scripts/services.py", "--data-dir", str(scratch), "exec", "--mail", "--"]
        + [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    email_url, devmail_dir = result.stdout.split()
    assert email_url.startswith("smtp://127.0.0.1:")
    assert devmail_dir == str(scratch / "mail" / "messages")
    assert not MailCatcher(scratch / "mail").running()
    assert not port_answers(int(email_url.rsplit(":", 1)[1]))


def test_exec_with_mail_leaves_a_configured_email_url_alone(scratch):
    env = {**os.environ, "EMAIL_URL": "smtp://mail.example.org:25"}
    env.pop("DEVMAIL_DIR", None)
    script = "import os; print(os.environ['EMAIL_URL'], os.environ.get('DEVMAIL_DIR', '-'))"
    result = subprocess.run(  # noqa: S603
        [sys.executable, "scripts/services.py", "--data-dir", str(scratch), "exec", "--mail", "--"]
        + [sys.executable, "-c", script],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["smtp://mail.example.org:25", "-"]
    assert not (scratch / "mail").exists()


def test_make_run_starts_the_catcher():
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert "@$(SERVICES) --postgres --mail -- $(MAKE) --no-print-directory serve" in makefile
    assert ".[dev,embedded]" in makefile  # aiosmtpd is a dev dependency


# -- the pages ------------------------------------------------------------------------------------------------------
@pytest.mark.django_db
@pytest.mark.urls("tests.test_devmail")
def test_banner_and_list_show_the_caught_emails(client, devmail):
    assert "Développement : 0 courriels envoyés" in client.get("/").content.decode()
    send(devmail)

    home = client.get("/").content.decode()
    assert '<a href="/dev/courriels/">Développement : 1 courriel envoyé</a>' in home

    page = client.get("/dev/courriels/").content.decode()
    assert "[ESS 2024] Bienvenue : confirmez votre adresse e-mail" in page
    assert "claire.martin@recyclerie-exemple.fr" in page
    assert "30 novembre 2026" in page  # Europe/Paris
    name = next(devmail.messages.glob("*.eml")).stem
    assert f'href="/dev/courriels/{name}/"' in page


@pytest.mark.django_db
@pytest.mark.urls("tests.test_devmail")
def test_an_email_shows_as_text_with_working_links_and_as_html_in_a_sandboxed_frame(client, devmail):
    send(devmail)
    name = next(devmail.messages.glob("*.eml")).stem

    page = client.get(f"/dev/courriels/{name}/").content.decode()
    assert f'<a href="{CONFIRM_URL}"' in page  # the text part, urlized
    assert f'<iframe src="/dev/courriels/{name}/html/"' in page
    assert 'sandbox="allow-top-navigation-by-user-activation allow-popups"' in page

    framed = client.get(f"/dev/courriels/{name}/html/")
    body = framed.content.decode()
    assert '<head><base target="_top"><title>' in body
    assert f'<a href="{CONFIRM_URL}">Confirmer</a>' in body
    assert framed["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in framed["Content-Security-Policy"]
    assert "script-src" not in framed["Content-Security-Policy"]  # default-src 'none': no script runs


@pytest.mark.django_db
@pytest.mark.urls("tests.test_devmail")
def test_unknown_or_malformed_names_are_404_and_clear_empties_the_list(client, devmail):
    send(devmail, html=False)
    name = next(devmail.messages.glob("*.eml")).stem

    assert client.get("/dev/courriels/123-456-789/").status_code == 404
    assert client.get("/dev/courriels/..%2F..%2Fetc%2Fpasswd/").status_code == 404
    assert client.get(f"/dev/courriels/{name}/html/").status_code == 404  # text only
    assert client.get("/dev/courriels/effacer/").status_code == 405

    assert client.post("/dev/courriels/effacer/").status_code == 302
    assert not list(devmail.messages.glob("*.eml"))
    assert "Aucun courriel pour l" in client.get("/dev/courriels/").content.decode()


# -- never in production ----------------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_test_settings_have_no_mail_page_and_no_banner(client):
    assert django_settings.DEVMAIL_DIR is None
    assert client.get("/dev/courriels/").status_code == 404
    assert "courriels envoyés" not in client.get("/").content.decode()


PROBE = """
import django
django.setup()
from django.conf import settings
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.contrib.auth.models import AnonymousUser
from django.urls import Resolver404, resolve
try:
    resolve("/dev/courriels/")
    print("resolved")
except Resolver404:
    print("no-url")
processors = settings.TEMPLATES[0]["OPTIONS"]["context_processors"]
print("banner" if "ess2024.devmail.banner" in processors else "no-banner")
request = RequestFactory().get("/")
request.user = AnonymousUser()
from django.test.utils import override_settings
# The production manifest storage needs collectstatic; the layout is what is looked at here, not its assets.
plain = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
with override_settings(STORAGES=plain):
    html = render_to_string("base.html", request=request)
print("shown" if "courriels envoy" in html else "hidden")
"""


def run_settings(module: str, **variables) -> list[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DEBUG", "SECRET_KEY", "DEVMAIL_DIR", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(DJANGO_SETTINGS_MODULE=module, **variables)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_settings_have_no_mail_page_and_no_banner(tmp_path):
    assert run_settings("ess2024.settings", DEBUG="0", SECRET_KEY=get_random_secret_key()) == [
        "no-url",
        "no-banner",
        "hidden",
    ]
    # Even a DEVMAIL_DIR left in the environment changes nothing: only settings_dev reads it.
    assert run_settings(
        "ess2024.settings", DEBUG="0", SECRET_KEY=get_random_secret_key(), DEVMAIL_DIR=str(tmp_path)
    ) == ["no-url", "no-banner", "hidden"]


def test_development_settings_have_both(tmp_path):
    assert run_settings("ess2024.settings_dev", DEVMAIL_DIR=str(tmp_path)) == ["resolved", "banner", "shown"]
