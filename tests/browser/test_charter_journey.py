"""A visitor opens the charter page from the navigation, reads both figures in words, sorts the buyers, downloads the
CSV; the page is axe-clean on a desktop and on a phone, and prints without the navigation."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.charter.factories import AwardFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def awards(transactional_db):
    city = BuyerOrganisationFactory(name="Ville de Paris", charter_signatory=True, charter_signed_on="2019-03-12")
    works = BuyerOrganisationFactory(name="Société des ouvrages", charter_signatory=True)
    AwardFactory(buyer=city, amount=Decimal("300000"), total_hours_planned=4000, insertion_hours_planned=400)
    AwardFactory(
        buyer=works,
        large=True,
        amount=Decimal("700000"),
        ess_share_amount=Decimal("70000"),
        total_hours_planned=6000,
        insertion_hours_planned=400,
        awarded_on=datetime.date(2024, 6, 1),
    )


def test_a_visitor_sees_how_far_the_charter_targets_are_met(live_server, page, awards):
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Charte").click()

    expect(page).to_have_url(live_server.url + "/charte/")
    expect(page.get_by_role("heading", level=1)).to_have_text("La charte sociale des Jeux : où en est-on ?")
    value = page.locator(".charter-target--value")
    hours = page.locator(".charter-target--hours")
    expect(value).to_contain_text("37,0 %")  # (300 000 + 70 000) / 1 000 000
    expect(value).to_contain_text("Objectif : au moins 25 %")
    expect(value).to_contain_text("Objectif atteint")
    expect(hours).to_contain_text("8,0 %")
    expect(hours).to_contain_text("Objectif non atteint : il manque 2,0 points")
    expect(page.get_by_role("img", name=re.compile("Évolution des parts cumulées"))).to_be_visible()
    expect(page.get_by_role("table", name="Les deux objectifs par acheteur")).to_be_visible()
    assert_no_axe_violations(page)

    # Sort the buyers by their share of insertion hours: the one with 10 % first.
    page.get_by_role("link", name="part des heures d'insertion").click()
    expect(page).to_have_url(re.compile(r"\?tri=heures#acheteurs$"))
    first_buyer = page.get_by_role("table", name="Les deux objectifs par acheteur").locator("tbody tr").first
    expect(first_buyer).to_contain_text("Ville de Paris")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Télécharger ce tableau")).click()
    download = download_info.value
    assert re.fullmatch(r"charte-sociale-ess2024-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig") as csv_file:
        lines = csv_file.read().splitlines()
    assert lines[1].startswith("Ville de Paris;oui;12/03/2019;1;300000,00;300000,00;100,0;oui")

    # Printed: no navigation nor buttons, the figures and the tables stay.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".charter-sort")).to_be_hidden()
    expect(value).to_be_visible()
    expect(page.get_by_role("table", name="Parts cumulées par trimestre d'attribution")).to_be_visible()


def test_the_charter_page_on_a_phone(live_server, browser, awards):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url + "/charte/")

    # The narrow chart replaces the wide one; the figures are there in words.
    expect(page.locator(".charter-timeline--narrow")).to_be_visible()
    expect(page.locator(".charter-timeline--wide")).to_be_hidden()
    expect(page.locator(".charter-target--hours")).to_contain_text("il manque 2,0 points")
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow, "the page scrolls sideways on a phone"
    assert_no_axe_violations(page)
    context.close()


def test_a_visitor_opens_a_buyers_charter_page(live_server, page, awards):
    """From /charte/ to one buyer's page: its figures against its own target, the awards behind them, the method."""
    from tenders.models import BuyerOrganisation

    BuyerOrganisation.objects.filter(name="Ville de Paris").update(charter_value_target=Decimal("40"))
    AwardFactory(
        buyer=BuyerOrganisation.objects.get(name="Ville de Paris"),
        winner_name="Jardins partagés du Nord",
        amount=Decimal("50000"),
        total_hours_planned=0,
        insertion_hours_planned=0,
        awarded_on=datetime.date(2024, 9, 2),
    )
    page.goto(live_server.url + "/charte/")
    page.get_by_role("table", name="Les deux objectifs par acheteur").get_by_role(
        "link", name="Ville de Paris"
    ).click()

    expect(page).to_have_url(re.compile(r"/charte/[\w-]+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Ville de Paris et la charte sociale")
    value = page.locator(".charter-target--value")
    expect(value).to_contain_text("100,0 %")
    expect(value).to_contain_text("Objectif : au moins 40 %")  # its own target
    hours = page.locator(".charter-target--hours")
    expect(hours).to_contain_text("10,0 %")
    expect(hours).to_contain_text("1 attribution (50 000 €) sans heures renseignées")
    awards_table = page.get_by_role("table", name=re.compile("2 attributions"))
    expect(awards_table).to_contain_text("Jardins partagés du Nord")
    expect(awards_table).to_contain_text("heures non renseignées")
    expect(page.get_by_role("heading", name="Méthode : comment ces chiffres sont calculés")).to_be_visible()
    expect(page.get_by_role("heading", name="Ce qui n'est pas connu")).to_be_visible()
    assert_no_axe_violations(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    assert download_info.value.suggested_filename.endswith(".xlsx")

    page.get_by_role("navigation", name="Fil d’Ariane").get_by_role("link", name="La charte sociale").click()
    expect(page).to_have_url(live_server.url + "/charte/")


IMPORT_FILE = (
    "id;objet;montant;dateNotification;titulaire_id_1;titulaire_denominationSociale_1;heuresTravaillees;"
    "heuresInsertion\n"
    "VDP-2024-001;Entretien des jardins partagés;200000;2024-05-06;;Jardins du Nord;2000;400\n"
    "VDP-2024-001;Entretien des jardins partagés (doublon);200000;2024-05-06;;Jardins du Nord;2000;400\n"
    "VDP-2024-002;Montant absent;;2024-05-06;;Quelqu'un;;\n"
)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_buyer_imports_awards_made_outside_the_platform_then_finds_them_in_the_figures(live_server, page, tmp_path):
    from tests.accounts.factories import PASSWORD
    from tests.tenders.factories import BuyerMembershipFactory
    from tests.tenders.helpers import ensure_reference_data

    ensure_reference_data()
    user = BuyerMembershipFactory(
        organisation__name="Ville de Saint-Denis",
        organisation__slug="ville-de-saint-denis",
        user__email="a@sd.example.fr",
    ).user
    page.goto(live_server.url + "/charte/import/")  # login first, then back here
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Importer vos marchés attribués hors de la plateforme")
    assert_no_axe_violations(page)
    path = tmp_path / "decp-saint-denis.csv"
    path.write_text(IMPORT_FILE, encoding="utf-8")
    page.get_by_label("Fichier des marchés attribués").set_input_files(str(path))
    page.get_by_role("button", name="Vérifier le fichier").click()

    # The dry run: one award to create, one duplicate, one refused row and why; nothing written yet.
    expect(page.get_by_role("heading", level=1)).to_contain_text("decp-saint-denis.csv")
    summary = page.locator("#bilan").locator("xpath=..")
    expect(summary).to_contain_text("1 attribution dont le titulaire n'est pas sur la plateforme")
    expect(summary).to_contain_text("1 doublon ignoré")
    expect(summary).to_contain_text("1 ligne refusée")
    expect(page.get_by_role("table", name="3 lignes")).to_contain_text("Le montant manque ou n'est pas un nombre")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Importer 1 attribution").click()

    expect(page.get_by_role("heading", name="Bilan de l'import")).to_be_visible()
    page.get_by_role("link", name="Voir les chiffres de Ville de Saint-Denis").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Ville de Saint-Denis et la charte sociale")
    expect(page.locator(".charter-target--hours")).to_contain_text("20,0 %")
    expect(page.get_by_text("Dont 1 marché passé hors de la plateforme")).to_be_visible()
    expect(page.get_by_role("table", name=re.compile("1 attribution"))).to_contain_text(
        "Entretien des jardins partagés"
    )
    expect(page.get_by_role("heading", name="Méthode : comment ces chiffres sont calculés")).to_be_visible()
    assert_no_axe_violations(page)
