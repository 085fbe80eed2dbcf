"""The buyer's journey: log in, write a tender with two lots and a document in the admin, preview it, publish it."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from structures.models import Topic
from tenders.models import Tender, TenderStatus
from tests.accounts.factories import PASSWORD
from tests.browser.axe import assert_no_axe_violations
from tests.tenders.factories import BuyerMembershipFactory
from tests.tenders.helpers import PDF_BYTES, ensure_reference_data

# serialized_rollback: the live server needs a transactional database; the data migrations' rows come back after.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Collecte des biodéchets des restaurants du village des athlètes"


@pytest.fixture
def buyer(transactional_db):
    ensure_reference_data()
    return BuyerMembershipFactory(organisation__name="Ville de Paris", user__email="acheteuse@paris.example.fr").user


def test_buyer_writes_previews_and_publishes_a_tender(live_server, page, buyer):
    # Log in through allauth's page (the admin's own login page redirects there).
    page.goto(live_server.url + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    assert_no_axe_violations(page)
    page.get_by_label("Adresse e-mail").fill(buyer.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(live_server.url + "/admin/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_no_axe_violations(page)

    # A new tender.
    page.locator("tr.model-tender th").get_by_role("link", name="Appels d'offres").click()
    expect(page.get_by_role("link", name="Ajouter un appel d'offres")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Ajouter un appel d'offres").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("appel d")
    assert_no_axe_violations(page)

    topics = list(Topic.objects.order_by("position")[:2])
    page.locator("#id_title").fill(TITLE)
    page.get_by_label("Référence").fill("VDP-2024-BIO")
    page.locator("#id_description").fill(
        "Collecte séparée des biodéchets des cuisines et restaurants, puis compostage en Île-de-France."
    )
    page.get_by_role("group", name="Thématiques").get_by_label(topics[0].name).check()
    page.get_by_role("group", name="Lieux d'exécution").get_by_label("Seine-Saint-Denis (93)").check()
    deadline = timezone.localtime() + datetime.timedelta(days=30)
    page.locator("#id_bid_deadline_0").fill(deadline.strftime("%d/%m/%Y"))
    page.locator("#id_bid_deadline_1").fill("12:00:00")

    add_lot = page.get_by_role("button", name="Ajouter un objet lot supplémentaire")
    add_lot.click()
    add_lot.click()
    page.locator("#id_lots-0-title").fill("Collecte")
    page.locator("#id_lots-0-topic").select_option(str(topics[0].pk))
    page.locator("#id_lots-0-reserved").select_option("L2113-13")
    page.locator("#id_lots-0-insertion_hours").fill("1200")
    page.locator("#id_lots-1-title").fill("Compostage")
    page.locator("#id_lots-1-topic").select_option(str(topics[1].pk))

    page.locator("#id_documents-2-0-title").fill("Règlement de la consultation")
    page.locator("#id_documents-2-0-upload").set_input_files(
        {"name": "reglement.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(page.locator(".messagelist")).to_contain_text("ajouté avec succès")
    expect(page.get_by_role("heading", level=2, name="Statut : Brouillon")).to_be_visible()
    assert_no_axe_violations(page)

    tender = Tender.objects.get(reference="VDP-2024-BIO")
    assert tender.buyer == buyer.buyer_membership.organisation
    assert list(tender.lots.values_list("title", flat=True)) == ["Collecte", "Compostage"]
    assert tender.documents.get().original_name == "reglement.pdf"

    # Preview: the public page, with a banner.
    page.get_by_role("link", name="Aperçu").click()
    expect(page.get_by_text("Aperçu — brouillon non publié")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="Lot 2 : Compostage")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Revenir à la modification").click()

    # Publish.
    page.get_by_role("button", name="Publier").click()
    expect(page.locator(".messagelist")).to_contain_text("L'appel d'offres est publié")
    expect(page.get_by_role("heading", level=2, name="Statut : Publié")).to_be_visible()
    assert_no_axe_violations(page)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED

    # The public list shows it.
    page.goto(live_server.url + "/appels-d-offres/")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()
    assert_no_axe_violations(page)


def test_buyer_answers_a_question_then_awards_the_tender(live_server, page, buyer):
    from tenders.models import Interest, Question
    from tests.structures.factories import StructureFactory
    from tests.tenders.factories import LotFactory, TenderFactory

    topic = Topic.objects.order_by("position").first()
    tender = TenderFactory(
        buyer=buyer.buyer_membership.organisation, published=True, title=TITLE, topics=[topic], places=["93"]
    )
    LotFactory(tender=tender, number=1, title="Collecte", topic=topic)
    winner = StructureFactory(name="Compost Solidaire", siae=True)
    Interest.objects.create(tender=tender, structure=winner, answer=Interest.Answer.INTERESTED)
    Interest.objects.create(
        tender=tender,
        structure=StructureFactory(name="Recyclerie du Canal"),
        answer=Interest.Answer.NOT_INTERESTED,
        reason=Interest.Reason.TOO_FAR,
    )
    Question.objects.create(tender=tender, structure=winner, text="Combien de passages par semaine ?")

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Adresse e-mail").fill(buyer.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # The questions waiting for an answer, then the tender's page with its answers and interests.
    page.goto(live_server.url + "/admin/tenders/question/?repondu=non")
    expect(page.get_by_role("link", name="Combien de passages par semaine ?")).to_be_visible()
    assert_no_axe_violations(page)
    page.goto(live_server.url + f"/admin/tenders/tender/{tender.pk}/change/")
    expect(page.get_by_role("table").filter(has_text="Recyclerie du Canal")).to_contain_text(
        "Lieu d'exécution trop éloigné"
    )
    assert_no_axe_violations(page)
    page.get_by_role("textbox", name="Réponse :").fill("Deux passages par semaine, le lundi et le jeudi.")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(page.locator(".messagelist")).to_contain_text("modifié avec succès")

    # The answer is public.
    page.goto(live_server.url + f"/appels-d-offres/{tender.slug}/")
    expect(page.get_by_text("Deux passages par semaine, le lundi et le jeudi.")).to_be_visible()

    # Close, then award to the interested structure.
    page.goto(live_server.url + f"/admin/tenders/tender/{tender.pk}/change/")
    page.get_by_role("button", name="Clore maintenant").click()
    expect(page.get_by_role("heading", level=2, name="Statut : Clos")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Attribuer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Attribuer l'appel d'offres")
    assert_no_axe_violations(page)
    page.get_by_label("Structure titulaire (parmi les structures intéressées)").select_option(
        label="Compost Solidaire"
    )
    page.get_by_label("Montant (€ HT)").fill("90000")
    page.get_by_label("Heures travaillées prévues").fill("3000")
    page.get_by_label("Heures d'insertion prévues").fill("600")
    page.get_by_role("button", name="Enregistrer l'attribution").click()
    expect(page.get_by_role("heading", level=2, name="Statut : Attribué")).to_be_visible()
    expect(page.locator("table.tender-awards")).to_contain_text("Compost Solidaire")
    assert_no_axe_violations(page)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED
