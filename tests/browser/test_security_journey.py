"""Security journey (issue 8, part 1): a reset link asked for someone else's account cannot be read in the admin.

Logged out, someone asks for a reset of the superuser's account. The staff member, then the superuser, open the
outbox in the admin: the list, a search by subject, the email's page and its history show who, what and when, with
the link masked; the key appears nowhere. Every admin page visited passes axe.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from outbox.models import OutboxEmail
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

RESET_LINK = re.compile(r"https?://\S+/compte/password/reset/key/(?P<key>[^/\s]+)/")


@pytest.fixture
def people(transactional_db):
    return {
        "superuser": UserFactory(email="admin@demo.ess2024.fr", is_staff=True, is_superuser=True),
        "staff": UserFactory(email="equipe@demo.ess2024.fr", platform_staff=True),
    }


def log_in(page, live_server, email):
    page.context.clear_cookies()
    page.goto(live_server.url + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(live_server.url + "/admin/")


def assert_key_absent(page, key):
    content = page.content()
    assert key not in content
    assert "/compte/password/reset/key/" not in content


def test_reset_link_never_shows_in_the_outbox_admin(live_server, page, people):
    superuser = people["superuser"]

    # Logged out, on the site: "Mot de passe oublié ?" for the superuser's address.
    page.goto(live_server.url + "/compte/password/reset/")
    assert_no_axe_violations(page)
    page.get_by_label("Adresse e-mail").fill(superuser.email)
    page.get_by_role("button", name="Recevoir le lien").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)
    (message,) = [m for m in mail.outbox if m.to == [superuser.email]]
    key = RESET_LINK.search(message.body).group("key")
    email = OutboxEmail.objects.get(to=superuser.email)
    assert email.status == "sent" and key not in email.body_text

    for viewer in ("staff", "superuser"):
        log_in(page, live_server, people[viewer].email)

        page.goto(live_server.url + "/admin/outbox/outboxemail/")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_key_absent(page, key)
        assert_no_axe_violations(page)

        page.get_by_role("searchbox").fill("nouveau mot de passe")
        page.get_by_role("button", name="Rechercher").click()
        row = page.get_by_role("row").filter(has_text=superuser.email)
        expect(row).to_have_count(1)
        assert_key_absent(page, key)
        assert_no_axe_violations(page)

        row.get_by_role("link").first.click()
        expect(page.get_by_text("[lien personnel masqué]").first).to_be_visible()
        expect(page.get_by_text("Ce courriel contient un lien personnel")).to_be_visible()
        assert_key_absent(page, key)
        assert_no_axe_violations(page)

        page.get_by_role("link", name="Historique").click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_key_absent(page, key)
        assert_no_axe_violations(page)
