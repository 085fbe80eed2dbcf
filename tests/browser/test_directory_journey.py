"""Directory journeys: a buyer filters by topic and area, searches "déchets" and opens a profile with its contact;
Les Canaux staff import structures from a CSV file (dry run, then apply)."""

import re

import pytest
from playwright.sync_api import expect

from structures.models import LegalForm, Structure
from structures.validators import make_siret
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.browser

WASTE = "gestion-et-valorisation-des-dechets"


@pytest.fixture
def directory(transactional_db):
    """Verified structures (the directory lists no other) in Seine-Saint-Denis working on waste, whose text says
    "déchet" or "Déchets" — or not."""
    StructureFactory(
        name="Recyclerie du Canal",
        legal_form=LegalForm.ASSOCIATION,
        description="Collecte et tri de chaque déchet de chantier, réemploi des matériaux.",
        topics=[WASTE],
        areas=["93"],
        verified=True,
        contact_name="Amina Benali",
        contact_email="amina@recyclerie-du-canal.example.org",
        contact_phone="01 48 00 00 01",
    )
    StructureFactory(
        name="Tri Sélectif Solidaire",
        legal_form=LegalForm.EI,
        description="Déchets ménagers et biodéchets : tri, compostage, sensibilisation.",
        topics=[WASTE],
        areas=["FR"],  # works everywhere, hence in Seine-Saint-Denis too
        verified=True,
    )
    StructureFactory(
        name="Réemploi Textile",
        legal_form=LegalForm.SCIC,
        description="Collecte de vêtements et réparation.",  # the topic and the area, but not the word
        topics=[WASTE],
        areas=["93"],
        verified=True,
    )
    StructureFactory(
        name="Déchets Verts du Val",  # the word, but another area
        legal_form=LegalForm.ACI,
        description="Entretien des espaces verts.",
        topics=[WASTE],
        areas=["94"],
        verified=True,
    )
    StructureFactory(
        name="Traiteur Zéro Déchet",  # the word and the area, but another topic
        legal_form=LegalForm.SCOP,
        description="Repas bio.",
        topics=["restauration-durable"],
        areas=["93"],
        verified=True,
    )


def result_names(page) -> list[str]:
    return page.locator("#directory-results article h3").all_inner_texts()


def test_buyer_filters_searches_and_sees_a_structure_contact(live_server, page, directory):
    buyer = BuyerMembershipFactory().user

    page.goto(live_server.url + "/compte/login/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.get_by_label("Adresse e-mail").fill(buyer.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_have_count(0)

    page.goto(live_server.url + "/structures/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Annuaire des structures de l'ESS")
    expect(page.get_by_role("heading", name="5 structures")).to_be_visible()
    assert_no_axe_violations(page)

    # Filter by topic and area, then apply (the plain form submit; htmx may refresh the list earlier). The groups
    # are collapsed <details>: open them first.
    page.locator("summary", has_text="Thématiques").click()
    page.locator("summary", has_text="Zones d'intervention").click()
    page.get_by_role("checkbox", name="Gestion et valorisation des déchets").check()
    page.get_by_role("checkbox", name="Seine-Saint-Denis (93)").check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page.get_by_role("heading", name="3 structures")).to_be_visible()
    # htmx refreshed the list in place (progressive enhancement) and said so to screen readers.
    expect(page.locator("#directory-status")).to_have_text("3 structures trouvées")
    expect(page).to_have_url(re.compile(r"topics=gestion-et-valorisation-des-dechets.*areas=93"))
    assert sorted(result_names(page)) == ["Recyclerie du Canal", "Réemploi Textile", "Tri Sélectif Solidaire"]
    expect(
        page.get_by_role("link", name=re.compile("Thématiques : Gestion et valorisation des déchets"))
    ).to_be_visible()
    assert_no_axe_violations(page)

    # Search "déchets": the texts saying "déchet" or "Déchets" come first; the structure whose topic alone says it
    # (issue 15: topics are searched, weighted above the description) comes after them.
    page.get_by_label("Rechercher une structure").fill("déchets")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page.get_by_role("heading", name="3 structures")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=d%C3%A9chets"))
    assert sorted(result_names(page)[:2]) == ["Recyclerie du Canal", "Tri Sélectif Solidaire"]
    assert result_names(page)[2] == "Réemploi Textile"
    expect(page.get_by_label("Trier par").locator("option:checked")).to_have_text("Pertinence (avec une recherche)")
    assert_no_axe_violations(page)

    # The same URL, shared, gives the same list.
    shared = page.url
    page.goto(shared)
    assert sorted(result_names(page)) == ["Recyclerie du Canal", "Réemploi Textile", "Tri Sélectif Solidaire"]

    page.get_by_role("link", name="Recyclerie du Canal").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Recyclerie du Canal")
    contact = page.get_by_role("complementary")
    expect(contact.get_by_text("Amina Benali")).to_be_visible()
    expect(contact.get_by_role("link", name="amina@recyclerie-du-canal.example.org")).to_have_attribute(
        "href", "mailto:amina@recyclerie-du-canal.example.org"
    )
    expect(contact.get_by_text("01 48 00 00 01")).to_be_visible()
    expect(page.get_by_text("Structure vérifiée")).to_be_visible()
    assert_no_axe_violations(page)


def test_the_filters_collapse_on_a_phone(live_server, browser, directory):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url + "/structures/")
    toggle = page.locator("summary.directory-filters__toggle")
    topic = page.get_by_role("checkbox", name="Gestion et valorisation des déchets")
    expect(toggle).to_be_visible()
    expect(topic).to_be_hidden()
    assert_no_axe_violations(page)
    toggle.click()
    page.locator("summary", has_text="Thématiques").click()
    expect(topic).to_be_visible()
    assert_no_axe_violations(page)
    context.close()


def test_the_filters_work_without_javascript(live_server, browser, directory):
    """The sidebar is a <details> and the form a plain GET form. (axe itself needs JavaScript: the same page is
    checked by the test above.)"""
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url + "/structures/")
    page.locator("summary.directory-filters__toggle").click()
    page.locator("summary", has_text="Thématiques").click()
    page.get_by_role("checkbox", name="Gestion et valorisation des déchets").check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page.get_by_role("heading", name="4 structures")).to_be_visible()
    page.get_by_label("Rechercher une structure").fill("déchets")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    # All four carry the waste topic, which the search reads too; the one named "Déchets…" comes first.
    expect(page.get_by_role("heading", name="4 structures")).to_be_visible()
    assert result_names(page)[0] == "Déchets Verts du Val"
    assert sorted(result_names(page)) == [
        "Déchets Verts du Val",
        "Recyclerie du Canal",
        "Réemploi Textile",
        "Tri Sélectif Solidaire",
    ]
    context.close()


def test_staff_imports_a_csv_sees_the_dry_run_then_applies_it(live_server, page, transactional_db, tmp_path):
    staff = UserFactory(platform_staff=True)
    StructureFactory(siret=make_siret(93001), name="Recyclerie du Canal", description="Ancienne description.")
    csv_file = tmp_path / "registre.csv"
    csv_file.write_text(
        "siret;nom;forme_juridique;zones;description\n"
        f"{make_siret(93001)};Recyclerie du Canal;association;93;Tri et réemploi des déchets.\n"
        f"{make_siret(93002)};Cuisine Solidaire;scic;75;Traiteur.\n"
        "12345678901234;SIRET faux;scop;;\n",
        encoding="utf-8",
    )

    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Adresse e-mail").fill(staff.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_have_count(0)

    page.goto(live_server.url + "/structures/imports/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Importer des structures depuis un fichier CSV")
    assert_no_axe_violations(page)
    page.get_by_label("Fichier CSV").set_input_files(str(csv_file))
    page.get_by_role("button", name="Vérifier le fichier").click()

    # The check ran (on commit): the report says what will happen, row by row.
    expect(page.get_by_role("heading", name="Ce que l'import va faire")).to_be_visible()
    expect(page.locator(".import-counts")).to_contain_text("1 à créer")
    expect(page.locator(".import-counts")).to_contain_text("1 à mettre à jour")
    expect(page.locator(".import-counts")).to_contain_text("1 rejetée")
    expect(page.get_by_role("cell", name=re.compile("la clé de contrôle ne correspond pas"))).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Appliquer").click()
    expect(page.get_by_role("heading", name="Bilan de l'import")).to_be_visible()
    expect(page.locator(".import-counts")).to_contain_text("1 créée")
    assert_no_axe_violations(page)
    assert Structure.objects.get(siret=make_siret(93001)).description == "Tri et réemploi des déchets."
    assert Structure.objects.get(siret=make_siret(93002)).verification_status == "pending"
