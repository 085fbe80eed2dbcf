"""Journey (issue 14, "profiles that prove"): a member of a verified structure adds a client reference and a label
from the structure's space, fixes a typo the form explains, and sees both on the public profile. axe finds no
violation on any page visited."""

import pytest
from playwright.sync_api import expect

from structures.models import ClientReference, Label, StructureLabel
from tests.accounts.factories import PASSWORD
from tests.browser.axe import assert_no_axe_violations
from tests.structures.factories import ListedStructureFactory, MembershipFactory
from tests.structures.proof_helpers import PDF_BYTES

pytestmark = pytest.mark.browser


def test_a_member_adds_a_reference_and_a_label_and_sees_them_on_the_profile(live_server, page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Label.objects.get_or_create(slug="qualiopi", defaults={"name": "Qualiopi"})
    member = MembershipFactory(structure=ListedStructureFactory(name="La Table du Canal"), user__first_name="Inès")
    structure = member.structure

    page.goto(f"{live_server.url}/compte/login/?next=/espace/structure/{structure.slug}/")
    page.get_by_label("Adresse e-mail").fill(member.user.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("La Table du Canal")
    assert_no_axe_violations(page)

    # A client reference: a year out of range is explained next to the field, what was typed stays.
    page.get_by_role("link", name="Gérer : références clients").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Références clients")
    assert_no_axe_violations(page)
    page.get_by_label("Client", exact=True).fill("Ville de Saint-Denis")
    page.get_by_label("Année").fill("1890")
    page.get_by_label("Ce qui a été fait").fill("Repas bio pour 300 agents pendant la semaine olympique.")
    page.get_by_label("Montant du marché").select_option(label="40 000 à 100 000 €")
    page.get_by_role("button", name="Ajouter une référence").click()
    expect(page.get_by_role("region", name="Le formulaire contient des erreurs")).to_be_visible()
    expect(page.locator("#id_year_error")).to_contain_text("L'année doit être comprise entre 1950 et")
    expect(page.get_by_label("Client", exact=True)).to_have_value("Ville de Saint-Denis")
    assert_no_axe_violations(page)
    page.get_by_label("Année").fill("2024")
    page.get_by_role("button", name="Ajouter une référence").click()
    expect(page.get_by_text("C'est ajouté à votre fiche.")).to_be_visible()
    expect(page.get_by_role("heading", name="Ville de Saint-Denis · 2024")).to_be_visible()
    assert_no_axe_violations(page)
    assert ClientReference.objects.filter(structure=structure, year=2024).count() == 1

    # A label with its expiry date and its certificate.
    page.get_by_role("link", name="La Table du Canal").click()
    page.get_by_role("link", name="Gérer : labels et certifications").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Labels et certifications")
    assert_no_axe_violations(page)
    page.get_by_label("Label ou certification").select_option(label="Qualiopi")
    page.get_by_label("Valable jusqu'au").fill("2030-06-30")
    page.get_by_label("Justificatif").set_input_files(
        {"name": "certificat-qualiopi.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_role("button", name="Ajouter un label").click()
    expect(page.get_by_text("C'est ajouté à votre fiche.")).to_be_visible()
    expect(page.get_by_text("Valable jusqu'au 30 juin 2030")).to_be_visible()
    assert_no_axe_violations(page)
    assert StructureLabel.objects.get(structure=structure).document_name == "certificat-qualiopi.pdf"

    # The public profile shows both, and the certificate downloads.
    page.goto(f"{live_server.url}/structures/{structure.slug}/")
    references = page.get_by_role("region", name="Références")
    expect(references).to_contain_text("Ville de Saint-Denis")
    expect(references).to_contain_text("Montant : 40 000 à 100 000 €")
    labels = page.get_by_role("region", name="Labels et certifications")
    expect(labels).to_contain_text("Qualiopi")
    expect(labels).to_contain_text("Valable jusqu'au 30 juin 2030")
    assert_no_axe_violations(page)
    with page.expect_download() as download:
        labels.get_by_role("link", name="Télécharger le justificatif Qualiopi").click()
    assert download.value.suggested_filename == "certificat-qualiopi.pdf"
