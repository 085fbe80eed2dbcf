"""The first hour, from a fresh `make run`: sign up, read the confirmation email on the development mail page, follow
its link, log in (issue 15, "Done when").

The server is not pytest's live server but what `make run` starts: `scripts/services.py exec --mail -- manage.py
runserver` with ess2024.settings_dev, no EMAIL_URL (so the mail catcher starts), no REDIS_URL (Celery in-process),
on the test database (flushed afterwards by transactional_db).
"""

import os
import re
import signal
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.db import connection
from playwright.sync_api import expect

from outbox.models import OutboxEmail
from scripts.services import PROJECT_DIR, port_answers
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

# What the test run sets and `make run` would not.
NOT_IN_MAKE_RUN = (
    "EMAIL_URL",
    "DEVMAIL_DIR",
    "REDIS_URL",
    "CELERY_TASK_ALWAYS_EAGER",
    "DEBUG",
    "SECRET_KEY",
    "SITE_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    user = quote(db["USER"] or "postgres", safe="")
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def dev_server(transactional_db, tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    env = {key: value for key, value in os.environ.items() if key not in NOT_IN_MAKE_RUN}
    env.update(
        DJANGO_SETTINGS_MODULE="ess2024.settings_dev",
        DATABASE_URL=_database_url(),
        SITE_URL=url,
        CONN_MAX_AGE="0",
        PYTHONUNBUFFERED="1",
    )
    log = (tmp_path / "server.log").open("w")
    command = [sys.executable, "scripts/services.py", "--data-dir", str(tmp_path / "data"), "exec", "--mail", "--"]
    command += [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603
    deadline = time.monotonic() + 60
    while not port_answers(port) and server.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert port_answers(port), (tmp_path / "server.log").read_text()
    yield url
    server.send_signal(signal.SIGTERM)  # services.py forwards it to runserver, then stops the mail catcher
    server.wait(30)
    log.close()
    assert not any((tmp_path / "data" / "mail").glob("catcher.pid")), "the mail catcher was left running"


def test_newcomer_signs_up_reads_the_confirmation_on_the_dev_mail_page_and_logs_in(dev_server, page):
    email = "claire.martin@recyclerie-exemple.fr"
    password = "Une-recyclerie-solidaire-2024"

    page.goto(dev_server + "/")
    expect(page.get_by_role("link", name="Développement : 0 courriels envoyés")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Créer un compte").first.click()
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_label("Mot de passe, une seconde fois").fill(password)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre adresse e-mail")

    page.get_by_role("link", name="Développement : 1 courriel envoyé").click()
    expect(page).to_have_url(dev_server + "/dev/courriels/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Courriels envoyés")
    assert_no_axe_violations(page)

    page.get_by_role("link", name="[ESS 2024] Bienvenue : confirmez votre adresse e-mail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("[ESS 2024] Bienvenue : confirmez votre adresse e-mail")
    expect(page.get_by_text(email).first).to_be_visible()
    assert_no_axe_violations(page)

    link = page.get_by_role("link", name=re.compile(r"confirm-email"))
    expect(link).to_have_attribute("href", re.compile(rf"^{re.escape(dev_server)}/compte/confirm-email/"))
    link.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer votre adresse e-mail")
    page.get_by_role("button", name="Confirmer mon adresse").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()

    expect(page).to_have_url(dev_server + "/espace/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    assert_no_axe_violations(page)


def test_visitor_reads_the_legal_notice_and_writes_to_the_team(live_server, page, settings):
    settings.LEGAL_PUBLICATION_DIRECTOR = "Camille Durand, directrice générale des Canaux"
    settings.CONTACT_EMAIL = "contact@ess2024.example.org"

    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Pied de page").get_by_role("link", name="Mentions légales").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mentions légales")
    expect(page.get_by_text("Camille Durand, directrice générale des Canaux")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="formulaire de contact").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nous écrire")
    assert_no_axe_violations(page)
    page.get_by_label("Votre nom").fill("Claire Martin")
    page.get_by_label("Votre adresse e-mail").fill("claire.martin@")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_role("heading", name="Le formulaire contient des erreurs")).to_be_visible()
    expect(page.get_by_label("Votre nom")).to_have_value("Claire Martin")
    assert_no_axe_violations(page)
    assert not OutboxEmail.objects.exists()

    page.get_by_label("Votre adresse e-mail").fill("claire.martin@recyclerie-exemple.fr")
    page.get_by_label("Objet").fill("Lots réservés")
    page.get_by_label("Votre message").fill("Comment savoir si un lot est réservé aux structures d'insertion ?")
    page.get_by_role("button", name="Envoyer le message").click()
    expect(page.get_by_text("Merci, votre message a bien été envoyé.")).to_be_visible()
    assert_no_axe_violations(page)
    sent = OutboxEmail.objects.get(kind="contact")
    assert (sent.to, sent.reply_to) == ("contact@ess2024.example.org", "claire.martin@recyclerie-exemple.fr")
