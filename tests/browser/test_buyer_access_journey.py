"""A visitor requests a buyer account, staff approve it, the new buyer sets a password and lands on their dashboard."""

import re

import pytest
from playwright.sync_api import expect

from outbox.models import OutboxEmail
from structures.validators import make_siret
from tenders.models import BuyerAccessRequest
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations
from tests.tenders.factories import ensure_buyer_group
from tests.tenders.helpers import ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EMAIL = "claire.martin@saint-ouen.example.fr"
NEW_PASSWORD = "un-Mot-de-passe-solide-42"


@pytest.fixture
def staff(transactional_db):
    ensure_reference_data()
    ensure_buyer_group()
    return UserFactory(platform_staff=True, email="equipe@lescanaux.example.org")


def log_in(page, live_server, email, password):
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_request_approve_set_password_and_land_on_the_dashboard(live_server, page, staff, mailoutbox):
    # A visitor finds the form from the home page.
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Demander un accès acheteur").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Demander un accès acheteur")
    assert_no_axe_violations(page)

    # A mistake is explained next to the field; nothing is stored.
    page.get_by_label("Nom de l'organisation").fill("Ville de Saint-Ouen")
    page.get_by_label("SIRET de l'organisation").fill("123")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.locator(".error-summary")).to_contain_text("Le SIRET compte 14 chiffres")
    assert_no_axe_violations(page)
    assert not BuyerAccessRequest.objects.exists()

    page.get_by_label("SIRET de l'organisation").fill(make_siret(4242))
    page.get_by_label("L'organisation a signé la charte sociale ESS 2024").check()
    page.get_by_label("Prénom et nom").fill("Claire Martin")
    page.get_by_label("Fonction").fill("Responsable des achats")
    page.get_by_label("Adresse e-mail professionnelle").fill(EMAIL)
    page.get_by_label("Message").fill("Nous préparons trois marchés de restauration.")
    page.get_by_role("button", name="Envoyer ma demande").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre demande d'accès acheteur est envoyée")
    assert_no_axe_violations(page)
    request = BuyerAccessRequest.objects.get()
    staff_email = OutboxEmail.objects.get(to=staff.email, kind="buyer_access_staff")

    # Staff open the link of their email and approve in one click.
    log_in(page, live_server, staff.email, PASSWORD)
    review_path = re.search(r"http://[^/]+(/admin/\S+)", staff_email.body_text)[1]
    page.goto(live_server.url + review_path)
    expect(page.get_by_role("heading", level=1)).to_contain_text("demande d'accès acheteur")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Accepter et envoyer l'invitation").click()
    expect(page.locator(".messagelist")).to_contain_text("Demande acceptée")
    request.refresh_from_db()
    assert request.status == "approved"
    page.context.clear_cookies()

    # The new buyer follows the invitation's link, chooses a password, logs in and lands on their home.
    # (The outbox row's body is masked once sent: the link is read from the message the SMTP backend got.)
    [invitation] = [m for m in mailoutbox if m.to == [EMAIL] and "accès acheteur pour" in m.subject]
    link = re.search(r"http://[^/]+(/compte/password/reset/key/\S+/)", invitation.body)[1]
    page.goto(live_server.url + link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Choisir un nouveau mot de passe")
    assert_no_axe_violations(page)
    page.locator("input[type=password]").nth(0).fill(NEW_PASSWORD)
    page.locator("input[type=password]").nth(1).fill(NEW_PASSWORD)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mot de passe enregistré")
    log_in(page, live_server, EMAIL, NEW_PASSWORD)
    expect(page).to_have_url(live_server.url + "/espace/")
    expect(page.get_by_role("heading", level=2, name="Ville de Saint-Ouen : à faire aujourd'hui")).to_be_visible()
    assert_no_axe_violations(page)
