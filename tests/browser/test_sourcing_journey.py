"""Sourcing journey (issue 14): a buyer searches the directory within 15 km of Saint-Denis, sees the map and the
list, saves three structures to a shortlist (a new one, then the same), writes a note, exports the list as XLSX
with the columns they chose, and the file is opened back with openpyxl."""

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from structures.models import LegalForm
from tests.accounts.factories import PASSWORD
from tests.browser.axe import assert_no_axe_violations
from tests.geo.factories import SiteFactory
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.browser

NEAR = [
    # name, SIRET index, commune of its site (INSEE), contact email
    ("Cuisine du Canal", LegalForm.SCIC, "93066", "bonjour@cuisine-du-canal.example.org"),  # Saint-Denis
    ("Les Jardins d'Aubervilliers", LegalForm.ASSOCIATION, "93001", "contact@jardins-auber.example.org"),
    ("Recyclerie de Saint-Ouen", LegalForm.ACI, "93070", "tri@recyclerie-so.example.org"),
]
FAR = ("Atelier de Melun", LegalForm.SCOP, "77288", "atelier@melun.example.org")  # ~45 km away


@pytest.fixture
def directory(transactional_db):
    structures = {}
    for name, legal_form, insee, email in [*NEAR, FAR]:
        structure = StructureFactory(name=name, legal_form=legal_form, verified=True, contact_email=email)
        SiteFactory(structure=structure, commune=insee, is_main=True)
        structures[name] = structure
    return structures


def log_in(page, live_server, user):
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_have_count(0)


def test_buyer_sources_near_saint_denis_saves_a_shortlist_and_exports_it(live_server, page, directory):
    buyer = BuyerMembershipFactory(organisation__name="SOLIDEO").user
    log_in(page, live_server, buyer)

    search = live_server.url + "/structures/?pres_de=93066&rayon=15"
    page.goto(search)
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuaire des structures de l'ESS")
    results = page.locator("#directory-results")
    for name, *_rest in NEAR:
        expect(results.get_by_role("link", name=name)).to_be_visible()
    # The far structure is out of the list, and the map is shown beside it.
    expect(page.get_by_role("heading", name="3 structures")).to_be_visible()
    expect(results.get_by_role("link", name=FAR[0])).to_have_count(0)
    expect(page.locator("#carte-structures")).to_be_visible()
    assert_no_axe_violations(page)

    # The first structure goes into a new list, named on its profile.
    results.get_by_role("link", name=NEAR[0][0]).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(NEAR[0][0])
    box = page.get_by_role("region", name="Ajouter à une liste")
    assert_no_axe_violations(page)
    box.get_by_label("Nom de la nouvelle liste").fill("Près de Saint-Denis")
    box.get_by_label("Note sur cette structure").fill("Rencontrée au forum : 300 repas par jour.")
    box.get_by_role("button", name="Ajouter à la liste").click()
    expect(page.get_by_text("« Cuisine du Canal » ajoutée à la liste « Près de Saint-Denis ».")).to_be_visible()
    expect(box.get_by_text("Déjà dans :")).to_be_visible()

    # The two others into the same list, chosen from the menu.
    for name, *_rest in NEAR[1:]:
        page.goto(search)
        results.get_by_role("link", name=name).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        box.get_by_role("combobox", name=re.compile("^Liste")).select_option(label="Près de Saint-Denis")
        box.get_by_role("button", name="Ajouter à la liste").click()
        expect(page.get_by_text(f"« {name} » ajoutée à la liste « Près de Saint-Denis ».")).to_be_visible()

    # The list: three structures, the note kept; a second note written here.
    box.get_by_role("link", name="Voir mes listes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes listes de structures")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Près de Saint-Denis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Près de Saint-Denis")
    expect(page.locator("#shortlist-entries > li")).to_have_count(3)
    expect(page.get_by_label("Note sur Cuisine du Canal")).to_have_value("Rencontrée au forum : 300 repas par jour.")
    page.get_by_label("Note sur Recyclerie de Saint-Ouen").fill("=A1+1 à vérifier")
    page.get_by_role("button", name="Enregistrer la note : Recyclerie de Saint-Ouen").click()
    expect(page.get_by_text("Note enregistrée pour « Recyclerie de Saint-Ouen ».")).to_be_visible()
    assert_no_axe_violations(page)

    # Export as XLSX with chosen columns: name, city's neighbour the contact email, and the note; nothing else.
    export = page.get_by_role("region", name="Exporter la liste")
    for checkbox in export.get_by_role("checkbox").all():
        checkbox.uncheck()
    for label in ("Nom", "E-mail de contact", "Note de la liste"):
        export.get_by_role("checkbox", name=label, exact=True).check()
    export.get_by_role("radio", name="Excel (XLSX)").check()
    with page.expect_download() as download_info:
        export.get_by_role("button", name="Télécharger le fichier").click()
    download = download_info.value
    assert re.fullmatch(r"pres-de-saint-denis-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename)
    with open(download.path(), "rb") as workbook:  # the saved download has no extension: openpyxl wants a file
        sheet = load_workbook(workbook).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows == [
        ["Nom", "E-mail de contact", "Note de la liste"],
        ["Cuisine du Canal", "bonjour@cuisine-du-canal.example.org", "Rencontrée au forum : 300 repas par jour."],
        ["Les Jardins d'Aubervilliers", "contact@jardins-auber.example.org", None],
        ["Recyclerie de Saint-Ouen", "tri@recyclerie-so.example.org", "'=A1+1 à vérifier"],
    ]

    # A bad export (no column) says why on the page, and the list is unchanged.
    for checkbox in export.get_by_role("checkbox").all():
        checkbox.uncheck()
    export.get_by_role("button", name="Télécharger le fichier").click()
    expect(page.get_by_text("Cochez au moins une colonne à exporter.").first).to_be_visible()
    expect(page.locator("#shortlist-entries > li")).to_have_count(3)
    assert_no_axe_violations(page)
