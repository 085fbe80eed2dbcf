"""Journey: a verified user registers their structure through the wizard, staff verify it in the admin, and it
shows in the directory with the "Structure vérifiée" badge. axe finds no violation on any page visited."""

import os

import pytest
from playwright.sync_api import expect

from outbox.models import OutboxEmail
from structures.models import Structure, VerificationStatus
from structures.validators import make_siret
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

SIRET = make_siret(2024)
NAME = "La Recyclerie du Canal de l'Ourcq"
SCREENSHOTS = os.environ.get("STRUCTURES_SCREENSHOTS")  # a folder: save screenshots there to look at them


def log_in(page, base_url, email, next_path=""):
    page.goto(f"{base_url}/compte/login/{'?next=' + next_path if next_path else ''}")
    assert_no_axe_violations(page)
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_register_a_structure_then_staff_verify_it_and_it_shows_with_its_badge(live_server, page, browser):
    user = UserFactory(email="awa.diallo@recyclerie-ourcq.fr", first_name="Awa")
    staff = UserFactory(email="camille@lescanaux.example", platform_staff=True)

    # 1. The user signs in and starts the wizard from the dashboard.
    log_in(page, live_server.url, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Inscrire ma structure").click()
    expect(page.get_by_role("heading", level=2)).to_have_text("Étape 1 sur 4 : SIRET")
    assert_no_axe_violations(page)

    # Step 1: a typo in the SIRET is explained next to the field and in the summary.
    page.get_by_label("Numéro SIRET de la structure").fill(SIRET[:-1] + str((int(SIRET[-1]) + 1) % 10))
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_role("region", name="Le formulaire contient des erreurs")).to_be_visible()
    expect(page.locator("#id_siret_error")).to_contain_text("clé de contrôle")
    assert_no_axe_violations(page)
    shot(page, "wizard-step1-error")
    page.get_by_label("Numéro SIRET de la structure").fill(SIRET)
    page.get_by_role("button", name="Continuer").click()

    # Step 2: identity and contact.
    expect(page.get_by_role("heading", level=2)).to_have_text("Étape 2 sur 4 : Identité")
    assert_no_axe_violations(page)
    page.get_by_label("Nom de la structure").fill(NAME)
    page.get_by_label("Forme juridique").select_option(label="ACI (atelier et chantier d'insertion)")
    page.get_by_label("Adresse", exact=False).first.fill("12 quai de la Loire")
    page.get_by_label("Code postal").fill("75019")
    page.get_by_label("Commune").fill("Paris")
    page.get_by_label("Nom de la personne à contacter").fill("Awa Diallo")
    page.get_by_label("E-mail de contact").fill("contact@recyclerie-ourcq.fr")
    shot(page, "wizard-step2")
    page.get_by_role("button", name="Continuer").click()

    # Step 3: activity, grouped checkboxes.
    expect(page.get_by_role("heading", level=2)).to_have_text("Étape 3 sur 4 : Activité")
    assert_no_axe_violations(page)
    page.get_by_label("Gestion et valorisation des déchets").check()
    page.get_by_label("Économie circulaire et réemploi").check()
    page.get_by_label("Recyclage").check()
    page.get_by_label("Paris 19e arrondissement").check()
    page.get_by_label("Seine-Saint-Denis (93)").check()
    shot(page, "wizard-step3")
    # Going back and forth keeps what was ticked.
    page.get_by_role("button", name="Revenir à l'étape précédente").click()
    expect(page.get_by_label("Nom de la structure")).to_have_value(NAME)
    page.get_by_role("button", name="Continuer").click()
    expect(page.get_by_label("Seine-Saint-Denis (93)")).to_be_checked()
    page.get_by_role("button", name="Continuer").click()

    # Step 4: capacity, then the structure is created.
    expect(page.get_by_role("heading", level=2)).to_have_text("Étape 4 sur 4 : Capacité")
    assert_no_axe_violations(page)
    page.get_by_label("Effectif salarié").select_option(label="10 à 49 salariés")
    page.get_by_label("Personnes en insertion accueillies par an").fill("18")
    page.get_by_label("Description de l'activité").fill(
        "Collecte, tri et réemploi des déchets encombrants le long du canal de l'Ourcq ; boutique solidaire et "
        "ateliers de réparation animés par des salariés en insertion."
    )
    page.get_by_role("button", name="Inscrire la structure").click()

    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_text("En attente de vérification.")).to_be_visible()
    assert_no_axe_violations(page)
    structure = Structure.objects.get(siret=SIRET)
    assert structure.verification_status == VerificationStatus.PENDING

    # The profile is edited one section at a time, errors next to the fields; the team page invites colleagues.
    page.get_by_role("link", name="Ajouter un logo").click()
    page.get_by_label("Nouveau logo").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": b"ceci n'est pas une image"}
    )
    page.get_by_role("button", name="Enregistrer le logo").click()
    expect(page.locator("#id_logo_error")).to_contain_text("pas une image lisible")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Annuler").click()
    page.get_by_role("link", name="Voir l'équipe").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Équipe de {NAME}")
    page.get_by_label("Adresse e-mail de la personne à inviter").fill("karim@recyclerie-ourcq.fr")
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.get_by_text("Invitation envoyée à karim@recyclerie-ourcq.fr")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Mon espace", exact=True).first.click()
    panel = page.get_by_role("region", name="Ma structure")
    expect(panel).to_contain_text(NAME)
    expect(panel).to_contain_text("Profil complet à")
    assert_no_axe_violations(page)
    shot(page, "dashboard-panel")

    # 2. Staff, in another browser context, verify it from the admin queue.
    staff_context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    staff_page = staff_context.new_page()
    log_in(staff_page, live_server.url, staff.email, next_path="/admin/structures/structuretoverify/")
    expect(staff_page.get_by_role("heading", level=1)).to_contain_text("structure à vérifier")
    assert_no_axe_violations(staff_page)
    staff_page.get_by_role("row", name=NAME).get_by_role("checkbox").check()
    staff_page.locator("select[name=action]").select_option(label="Vérifier les structures sélectionnées")
    staff_page.get_by_role("button", name="Exécuter").click()
    expect(staff_page.get_by_text("1 structure vérifiée")).to_be_visible()
    assert_no_axe_violations(staff_page)
    staff_context.close()

    structure.refresh_from_db()
    assert structure.is_verified
    email = OutboxEmail.objects.get(kind="structure_verified")
    assert email.to == user.email
    assert email.status == "sent"
    assert "Bonne nouvelle" in email.body_text

    # 3. The structure is in the directory, with its badge, and on its public page.
    page.goto(f"{live_server.url}/structures/?q=recyclerie+ourcq")
    card = page.get_by_role("article").filter(has_text=NAME)
    expect(card).to_contain_text("Structure vérifiée")
    assert_no_axe_violations(page)
    card.get_by_role("link", name=NAME).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
    expect(page.get_by_text("Structure vérifiée").first).to_be_visible()
    assert_no_axe_violations(page)
