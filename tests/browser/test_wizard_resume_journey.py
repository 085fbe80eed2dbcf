"""Journey: a user fills the first two steps of "Inscrire ma structure" (the identity from the company directory, a
local fake one, after it failed once), logs out, logs back in and lands on step 3 with everything kept; then starts
again with "Recommencer". axe finds no violation on any page visited."""

import pytest
from django.test import override_settings
from playwright.sync_api import expect

from structures.models import StructureDraft
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations
from tests.structures import fake_directory as fake
from tests.structures.fake_directory import fake_directory  # noqa: F401 - the session fixture

pytestmark = pytest.mark.browser


def log_in(page, base_url, email):
    page.goto(f"{base_url}/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")


def test_the_wizard_resumes_at_step_3_after_logging_out_and_in(live_server, page, fake_directory):  # noqa: F811
    user = UserFactory(email="ines.moreau@jardins-ourcq.example")
    with override_settings(SIRET_LOOKUP_URL=fake_directory.url, SIRET_LOOKUP_TIMEOUT=2):
        log_in(page, live_server.url, user.email)
        page.get_by_role("link", name="Inscrire ma structure").click()

        # Step 1: the SIRET, then the identity from the company directory.
        expect(page.get_by_role("heading", level=2)).to_have_text("Étape 1 sur 4 : SIRET")
        # The directory failing is said in French; the SIRET stays, the wizard goes on as without it.
        page.get_by_label("Numéro SIRET de la structure").fill(fake.SERVER_ERROR)
        page.get_by_role("button", name="Remplir depuis l'annuaire des entreprises").click()
        expect(page.get_by_text("L'annuaire des entreprises n'est pas disponible pour le moment.")).to_be_visible()
        expect(page.get_by_label("Numéro SIRET de la structure")).to_have_value(fake.SERVER_ERROR)
        assert_no_axe_violations(page)
        page.get_by_label("Numéro SIRET de la structure").fill(fake.FOUND)
        page.get_by_role("button", name="Remplir depuis l'annuaire des entreprises").click()

        # Step 2: filled in, still editable; the contact is the user's to type.
        expect(page.get_by_role("heading", level=2)).to_have_text("Étape 2 sur 4 : Identité")
        expect(page.get_by_label("Nom de la structure")).to_have_value("Les Jardins de l'Ourcq")
        expect(page.get_by_label("Code postal")).to_have_value("75020")
        expect(page.get_by_label("Forme juridique")).to_have_value("association")
        assert_no_axe_violations(page)
        page.get_by_label("Nom de la structure").fill("Jardins de l'Ourcq")
        page.get_by_label("Nom de la personne à contacter").fill("Inès Moreau")
        page.get_by_label("E-mail de contact").fill("contact@jardins-ourcq.example")
        page.get_by_role("button", name="Continuer").click()
        expect(page.get_by_role("heading", level=2)).to_have_text("Étape 3 sur 4 : Activité")

        # Log out; log in again (a new session): the wizard opens at step 3.
        page.get_by_role("button", name="Se déconnecter").click()
        expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
        log_in(page, live_server.url, user.email)
        page.get_by_role("link", name="Reprendre l'inscription de ma structure").click()
        expect(page.get_by_role("heading", level=2)).to_have_text("Étape 3 sur 4 : Activité")
        expect(page.get_by_role("link", name="Identité (terminée)")).to_be_visible()
        assert_no_axe_violations(page)

        # What was typed on step 2 is there.
        page.get_by_role("link", name="Identité (terminée)").click()
        expect(page.get_by_label("Nom de la structure")).to_have_value("Jardins de l'Ourcq")
        expect(page.get_by_label("E-mail de contact")).to_have_value("contact@jardins-ourcq.example")

        # "Recommencer": a disclosure, then a confirmation button; everything is gone.
        page.get_by_text("Recommencer l'inscription").click()
        assert_no_axe_violations(page)
        page.get_by_role("button", name="Effacer mes réponses et recommencer").click()
        expect(page.get_by_role("heading", level=2)).to_have_text("Étape 1 sur 4 : SIRET")
        expect(page.get_by_text("Tout ce que vous aviez saisi est effacé.")).to_be_visible()
        expect(page.get_by_label("Numéro SIRET de la structure")).to_have_value("")
        assert_no_axe_violations(page)
    assert not StructureDraft.objects.filter(user=user).exists()
