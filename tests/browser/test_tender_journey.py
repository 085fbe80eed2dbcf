"""A structure finds a tender by topic and by a word of its description, says it is interested, asks a question;
the buyer answers in the admin; the answer shows on the tender page."""

import re

import pytest
from playwright.sync_api import expect

from structures.models import ReservedMarket, Topic
from tenders.models import Interest, Question
from tenders.services.documents import document_add
from tests.accounts.factories import PASSWORD
from tests.browser.axe import assert_no_axe_violations
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, BuyerOrganisationFactory
from tests.tenders.public import open_tender, pdf

pytestmark = pytest.mark.browser

WASTE = "gestion-et-valorisation-des-dechets"
CATERING = "restauration-durable"


@pytest.fixture
def tenders(transactional_db):
    buyer = BuyerOrganisationFactory(name="SOLIDEO")
    waste = Topic.objects.get(slug=WASTE)
    tender = open_tender(
        title="Collecte des biodéchets du village",
        description="Collecte, compostage et valorisation des biodéchets des restaurants du village.",
        buyer=buyer,
        topics=[WASTE],
        places=["93"],
        days=12,
        estimated_value=240_000,
        lots=[
            {"title": "Collecte", "topic": waste, "reserved": ReservedMarket.L2113_13, "insertion_hours": 900},
            {"title": "Compostage", "topic": waste},
        ],
    )
    document_add(tender=tender, file=pdf("Règlement de consultation.pdf"), title="Règlement de la consultation")
    open_tender(title="Tri des emballages", description="Tri sélectif des emballages.", topics=[WASTE], days=20)
    open_tender(title="Repas des bénévoles", description="Compostage des restes de repas inclus.", topics=[CATERING])
    return tender


@pytest.fixture
def member(transactional_db):
    structure = StructureFactory(name="Compost'Insertion", legal_form="ei", topics=[WASTE], areas=["93"])
    return MembershipFactory(structure=structure).user


def titles(page) -> list[str]:
    return page.locator(".tender-list article h3").all_inner_texts()


def test_structure_finds_a_tender_answers_and_asks_the_buyer_answers(live_server, browser, page, tenders, member):
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Adresse e-mail").fill(member.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_have_count(0)

    page.goto(live_server.url + "/appels-d-offres/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Appels d'offres")
    expect(page.get_by_role("heading", name="3 appels d'offres")).to_be_visible()
    assert_no_axe_violations(page)

    # By topic (its group is a collapsed <details>: open it first).
    page.locator("summary", has_text="Thématiques").click()
    page.get_by_role("checkbox", name="Gestion et valorisation des déchets").check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page).to_have_url(re.compile(r"topic=gestion-et-valorisation-des-dechets"))
    expect(page.get_by_role("heading", name="2 appels d'offres")).to_be_visible()
    assert sorted(titles(page)) == ["Collecte des biodéchets du village", "Tri des emballages"]
    expect(
        page.get_by_role("link", name=re.compile("Thématiques : Gestion et valorisation des déchets"))
    ).to_be_visible()
    assert_no_axe_violations(page)

    # And by a word of its description, whatever the accents ("compostage" is in two descriptions, one topic).
    page.get_by_label("Rechercher").fill("compostage")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    expect(page.get_by_role("heading", name="1 appel d'offres")).to_be_visible()
    assert titles(page) == ["Collecte des biodéchets du village"]
    card = page.locator(".tender-list article")
    expect(card.get_by_text("Lot réservé")).to_be_visible()
    expect(card.get_by_text("(dans 12 jours)")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Collecte des biodéchets du village").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Collecte des biodéchets du village")
    expect(page.get_by_role("heading", name="Lot 1 : Collecte")).to_be_visible()
    expect(page.get_by_role("heading", name="Lot 2 : Compostage")).to_be_visible()
    expect(page.get_by_role("link", name="Règlement de la consultation")).to_be_visible()
    assert_no_axe_violations(page)

    # Interested.
    page.get_by_role("button", name="Je suis intéressé").click()
    expect(page.get_by_text("l'acheteur sait que votre structure est intéressée")).to_be_visible()
    expect(page.get_by_text("Votre réponse : intéressé.")).to_be_visible()
    assert Interest.objects.get().answer == Interest.Answer.INTERESTED
    assert_no_axe_violations(page)

    # A question to the buyer.
    page.get_by_label("Votre question à l'acheteur").fill("Les bacs de collecte sont-ils fournis ?")
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_text("Votre question a été transmise à l'acheteur.")).to_be_visible()
    expect(page.get_by_text("en attente de réponse")).to_be_visible()
    assert_no_axe_violations(page)

    # The buyer answers in the admin (on the tender's page there), in a browser of their own.
    buyer = BuyerMembershipFactory(organisation=tenders.buyer).user
    buyer_context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    admin = buyer_context.new_page()
    admin.goto(live_server.url + "/admin/")
    admin.get_by_label("Adresse e-mail").fill(buyer.email)
    admin.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    admin.get_by_role("button", name="Se connecter").click()
    expect(admin.get_by_role("heading", level=1)).to_be_visible()
    admin.goto(live_server.url + f"/admin/tenders/tender/{tenders.pk}/change/")
    expect(admin.get_by_text("Les bacs de collecte sont-ils fournis ?", exact=True)).to_be_visible()
    assert_no_axe_violations(admin)
    admin.get_by_role("textbox", name="Réponse :").fill("Oui, 40 bacs de 240 litres.")
    admin.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(admin.locator(".messagelist")).to_contain_text("modifié avec succès")
    buyer_context.close()
    assert Question.objects.get().answered_at is not None

    # The answer shows on the tender page, for everyone; the asker stays anonymous.
    page.reload()
    published = page.locator("#questions .qa-list")
    expect(published).to_contain_text("Les bacs de collecte sont-ils fournis ?")
    expect(published).to_contain_text("Oui, 40 bacs de 240 litres.")
    expect(page.locator("#questions").get_by_role("link", name="répondue")).to_be_visible()  # "Vos questions"
    assert_no_axe_violations(page)
    page.context.clear_cookies()
    page.reload()
    expect(page.locator("#questions .qa-list")).to_contain_text("Oui, 40 bacs de 240 litres.")
    expect(page.get_by_text("Compost'Insertion")).to_have_count(0)
    assert_no_axe_violations(page)


def test_the_filters_collapse_on_a_phone_without_javascript(live_server, browser, tenders):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url + "/appels-d-offres/")
    toggle = page.locator("summary", has_text="Filtrer les appels d'offres")
    topic = page.get_by_role("checkbox", name="Restauration durable")
    expect(toggle).to_be_visible()
    expect(topic).to_be_hidden()
    toggle.click()
    page.locator("summary", has_text="Thématiques").click()
    expect(topic).to_be_visible()
    topic.check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page.get_by_role("heading", name="1 appel d'offres")).to_be_visible()
    filtered = page.url
    context.close()
    # axe runs as JavaScript: check the same page at the same width with JavaScript on.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.goto(filtered)
    expect(page.get_by_role("heading", name="1 appel d'offres")).to_be_visible()
    assert_no_axe_violations(page)
    context.close()
