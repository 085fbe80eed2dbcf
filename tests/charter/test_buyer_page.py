"""One page per buyer (/charte/<slug>/), linked from /charte/, and the exports of figures and awards."""

import csv
import datetime
import html
import io
from decimal import Decimal

import pytest
from django.utils import timezone
from django.utils.html import strip_tags
from openpyxl import load_workbook

from charter import selectors
from structures.models import Area, LegalForm, Topic
from tenders.models import Award, TenderStatus
from tests.charter.factories import AwardFactory
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory, LotFactory, TenderFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

D = Decimal


def text(response) -> str:
    return " ".join(html.unescape(strip_tags(response.content.decode())).replace("\u202f", " ").split())


@pytest.fixture
def city():
    buyer = BuyerOrganisationFactory(
        name="Ville de Paris",
        slug="ville-de-paris",
        charter_signatory=True,
        charter_signed_on=datetime.date(2019, 3, 12),
        charter_value_target=D("30"),
    )
    topics = list(Topic.objects.order_by("position")[:2])
    tender = TenderFactory(
        buyer=buyer,
        title="Collecte des déchets du village",
        status=TenderStatus.AWARDED,
        published_at=timezone.now(),
        topics=[topics[0]],
    )
    lot = LotFactory(tender=tender, number=1, title="Tri sélectif", topic=topics[1])
    AwardFactory(tender=tender, lot=lot, winner_name="Recyclerie du Nord", amount=D("250000"))
    AwardFactory(
        buyer=buyer,
        large=True,
        amount=D("750000"),
        ess_share_amount=D("0"),
        total_hours_planned=0,
        insertion_hours_planned=0,
        awarded_on=datetime.date(2024, 7, 2),
    )
    gone = AwardFactory(buyer=buyer, winner_name="Remplacé SARL", amount=D("999999"))
    Award.objects.filter(pk=gone.pk).update(is_active=False)
    return buyer


def test_the_charter_page_links_each_buyer(client, city):
    content = client.get("/charte/").content.decode()
    assert '<a href="/charte/ville-de-paris/">Ville de Paris</a>' in content


def test_the_buyer_page_measures_against_the_buyers_own_targets(client, city, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):
        response = client.get("/charte/ville-de-paris/")

    assert response.status_code == 200
    page = text(response)
    assert "Ville de Paris et la charte sociale" in page
    assert "Signataire de la charte sociale des Jeux depuis le 12 mars 2019." in page
    value = page[page.index("Objectif 1") :]
    assert "25,0 % des montants attribués" in value
    assert "Objectif : au moins 30 %" in value  # its own target, not the charter's 25 %
    assert "Objectif non atteint : il manque 5,0 points" in value
    assert "Objectif : au moins 10 %" in page
    assert "Non comptée dans cette part : 1 attribution (750 000 €) sans heures renseignées." in page
    # The awards behind the figures, public fields; the replaced award is not among them.
    assert "Collecte des déchets du village" in page
    assert "Lot 1 : Tri sélectif" in page
    assert "Recyclerie du Nord" in page
    assert "Remplacé SARL" not in page
    assert "2 attributions, les plus récentes d'abord" in page
    # The methodology says what is counted and what is not known.
    assert "Méthode : comment ces chiffres sont calculés" in page
    assert "Les marchés passés en dehors de la plateforme ne sont comptés que si l'acheteur les a importés" in page


def test_by_topic_takes_the_lots_topic_then_the_tenders_first(city):
    rows = selectors.by_topic(Award.objects.filter(tender__buyer=city))
    topics = list(Topic.objects.order_by("position")[:2])
    # The lot's topic beats its tender's; the other award's tender has no topic at all.
    assert [(row.name, row.figures.awarded_amount) for row in rows] == [
        ("Sans thématique", D("750000")),
        (topics[1].name, D("250000")),
    ]
    whole = AwardFactory(buyer=city, amount=D("10"))
    whole.tender.topics.set(topics[::-1])  # a whole-tender award: the tender's first topic by position
    rows = selectors.by_topic(Award.objects.filter(tender__buyer=city))
    assert (topics[0].name, D("10")) in [(row.name, row.figures.awarded_amount) for row in rows]


def test_opportunities_count_verified_social_economy_structures_by_topic(city):
    topic = Topic.objects.order_by("position").first()
    TenderFactory(
        buyer=city, published=True, topics=[topic], places=[Area.objects.get(code="75")], title="Nouveau marché"
    )
    StructureFactory(verified=True, topics=[topic])  # an association
    StructureFactory(verified=True, topics=[topic], legal_form=LegalForm.OTHER, esus_accredited=True)
    StructureFactory(topics=[topic])  # not verified
    StructureFactory(verified=True, topics=[topic], legal_form=LegalForm.PME)  # not social economy

    [item] = selectors.opportunities(city)

    assert (item.topic, item.tender_count, item.structure_count) == (topic, 1, 2)


def test_an_unknown_buyer_is_a_404(client):
    assert client.get("/charte/personne/").status_code == 404


def test_a_buyer_without_awards_says_so(client):
    BuyerOrganisationFactory(slug="nouvel-acheteur", name="Nouvel acheteur")
    page = text(client.get("/charte/nouvel-acheteur/"))
    assert "Pas encore d'attribution" in page
    assert "Aucun appel d'offres de cet acheteur n'est ouvert en ce moment." in page


# --- Exports ------------------------------------------------------------------------------------------------------


def test_the_awards_csv_of_one_buyer(client, city):
    AwardFactory(winner_name="Autre acheteur SA")  # another buyer's award: not in this file
    response = client.get("/charte/ville-de-paris/attributions.csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[0][:5] == ["Acheteur", "Appel d'offres", "Référence", "Lot", "Titulaire"]
    assert len(rows) == 3
    by_winner = {row[4]: row for row in rows[1:]}
    assert by_winner["Recyclerie du Nord"][9] == "250000,00"
    assert by_winner["Grands Travaux SA"][16] == "non renseignées"


def test_the_awards_xlsx_of_all_buyers(client, city):
    response = client.get("/charte/attributions.xlsx")

    workbook = load_workbook(io.BytesIO(response.content))
    rows = list(workbook.active.values)
    assert rows[0][0] == "Acheteur"
    assert len(rows) == 3
    assert sorted(row[9] for row in rows[1:]) == [250000, 750000]


def test_the_figures_xlsx(client, city):
    response = client.get("/charte/export.xlsx")

    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[1][0] == "Ville de Paris"
    assert rows[1][3] == 2  # active awards only
    assert rows[1][12] == 1  # without hours
