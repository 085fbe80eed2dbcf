"""Journey: a structure signs up; staff open their home, see it on top of the queue, verify it in three clicks; its
members receive the email; the structure now shows in the directory. axe finds no violation on any page visited."""

import os

import pytest
from playwright.sync_api import expect

from outbox.models import OutboxEmail
from structures.models import Structure, VerificationStatus
from structures.validators import make_siret
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.browser

SIRET = make_siret(7510)
NAME = "Les Jardins Partagés du Bassin de la Villette"
SCREENSHOTS = os.environ.get("STAFF_SCREENSHOTS")  # a folder: save screenshots there to look at them


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def log_in(page, base_url, email):
    page.goto(f"{base_url}/compte/login/")
    assert_no_axe_violations(page)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_staff_verify_a_new_structure_in_three_clicks_from_their_home(live_server, page, browser):
    user = UserFactory(email="lea.martin@jardins-villette.fr", first_name="Léa")
    staff = UserFactory(email="camille@lescanaux.example", platform_staff=True)
    StructureFactory(name="Une inscription plus ancienne")  # today's sign-up must come on top of it

    # 1. A structure signs up through the wizard.
    log_in(page, live_server.url, user.email)
    page.get_by_role("link", name="Inscrire ma structure").click()
    page.get_by_label("Numéro SIRET de la structure").fill(SIRET)
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Nom de la structure").fill(NAME)
    page.get_by_label("Forme juridique").select_option(label="Association")
    page.get_by_label("Code postal").fill("75019")
    page.get_by_label("Commune").fill("Paris")
    page.get_by_label("Nom de la personne à contacter").fill("Léa Martin")
    page.get_by_label("E-mail de contact").fill("contact@jardins-villette.fr")
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Agriculture urbaine et espaces verts").check()
    page.get_by_label("Paris 19e arrondissement").check()
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Effectif salarié").select_option(label="1 à 9 salariés")
    page.get_by_label("Description de l'activité").fill(
        "Jardins partagés et ateliers de compostage au bord du bassin de la Villette, ouverts aux habitants."
    )
    page.get_by_role("button", name="Inscrire la structure").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_text("En attente de vérification.")).to_be_visible()
    expect(page.get_by_text("n'apparaît pas dans l'annuaire public")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(f"{live_server.url}/structures/?q=jardins+villette")
    expect(page.get_by_role("article").filter(has_text=NAME)).to_have_count(0)

    # 2. Staff log in and land on their home: the queues come first.
    staff_context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", viewport={"width": 1280, "height": 900}
    )
    staff_page = staff_context.new_page()
    log_in(staff_page, live_server.url, staff.email)
    expect(staff_page).to_have_url(f"{live_server.url}/espace/")
    panel = staff_page.get_by_role("region", name="Le travail du jour")
    expect(panel).to_be_visible()
    expect(staff_page.get_by_text("Je représente une structure")).to_have_count(0)
    assert_no_axe_violations(staff_page)
    shot(staff_page, "staff-home")

    # Click 1: the count of structures to verify.
    panel.get_by_role("link", name="Structures à vérifier : 2 éléments").click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text("Structures à vérifier")
    first_row = staff_page.locator("tbody tr").first
    expect(first_row).to_contain_text(NAME)
    expect(first_row).to_contain_text("Association")
    assert_no_axe_violations(staff_page)
    # The table fits a 1,280 px screen: no horizontal scroll.
    assert staff_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shot(staff_page, "staff-queue")

    # Click 2: the structure; click 3: Vérifier.
    first_row.get_by_role("link", name=NAME).click()
    expect(staff_page.get_by_role("heading", level=1)).to_have_text(f"Vérifier « {NAME} »")
    expect(staff_page.get_by_text("Clé de contrôle du SIRET : correcte")).to_be_visible()
    assert_no_axe_violations(staff_page)
    shot(staff_page, "staff-review")
    staff_page.get_by_role("button", name="Vérifier", exact=True).click()
    expect(staff_page.get_by_text(f"« {NAME} » est vérifiée")).to_be_visible()
    expect(staff_page.locator("tbody tr")).to_have_count(1)  # the older one is left
    assert_no_axe_violations(staff_page)
    staff_context.close()

    structure = Structure.objects.get(siret=SIRET)
    assert structure.verification_status == VerificationStatus.VERIFIED
    assert structure.verified_by == staff
    assert structure.history.latest().history_user == staff
    email = OutboxEmail.objects.get(kind="structure_verified")
    assert email.to == user.email
    assert email.status == "sent"

    # 3. The structure now shows in the directory.
    page.goto(f"{live_server.url}/structures/?q=jardins+villette")
    card = page.get_by_role("article").filter(has_text=NAME)
    expect(card).to_contain_text("Structure vérifiée")
    assert_no_axe_violations(page)
