"""The public charter page `/charte/` and its CSV export."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from ess2024 import home
from tests.charter.factories import AwardFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.django_db

D = Decimal
# By category (and overall), by buyer (its tenders' awards, its imported awards), by quarter; plus the request's
# savepoint and its release (ATOMIC_REQUESTS).
QUERIES = 6


def text_of(response) -> str:
    """The page's visible text, on one line (tags dropped, spaces collapsed)."""
    html = response.content.decode()
    html = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").replace("\xa0", " ").replace("&#x27;", "'")
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def awards():
    """30 % of the amounts to ESS/TPE/PME (target met), 8 % of the hours in insertion (2 points missing)."""
    city = BuyerOrganisationFactory(name="Ville de Paris", charter_signatory=True, charter_signed_on="2019-03-12")
    transport = BuyerOrganisationFactory(name="Régie des transports")
    AwardFactory(
        buyer=city,
        amount=D("300000"),
        total_hours_planned=4000,
        insertion_hours_planned=400,
        awarded_on=datetime.date(2023, 5, 2),
    )
    AwardFactory(
        buyer=transport,
        large=True,
        amount=D("700000"),
        total_hours_planned=6000,
        insertion_hours_planned=400,
        awarded_on=datetime.date(2024, 2, 20),
    )
    return city, transport


def test_the_page_shows_both_figures_with_target_and_whether_met_in_words(client, awards):
    response = client.get(reverse("charter:index"))

    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert '<html lang="fr">' in html
    assert "<h1>La charte sociale des Jeux : où en est-on ?</h1>" in html
    assert "30,0 % des montants attribués sont allés à des structures de l'ESS ou à des TPE/PME" in text
    assert "Objectif : au moins 25 %" in text
    assert "Objectif atteint" in text
    assert "8,0 % des heures travaillées sur les marchés sont faites par des personnes en insertion" in text
    assert "Objectif : au moins 10 %" in text
    assert "Objectif non atteint : il manque 2,0 points" in text
    assert "300 000 € sur 1 000 000 € hors taxes attribués" in text
    assert "800 heures d'insertion sur 10 000 heures travaillées" in text
    assert "0 % de ces heures sont des heures réalisées" in text
    assert "Chiffres calculés sur 2 attributions déclarées, la plus récente le 20 février 2024." in text


def test_the_page_explains_the_rules_and_who_signed(client, awards):
    text = text_of(client.get(reverse("charter:index")))

    assert "sur les montants et non sur le nombre de marchés" in text
    assert "seule compte la part que le titulaire a déclaré confier à de telles structures" in text
    assert "on prend les heures réalisées quand l'acheteur les a déclarées, sinon les heures prévues" in text
    assert "1 acheteur présent sur la plateforme a signé la charte" in text
    assert "Ville de Paris — signée en mars 2019" in text
    assert "Régie des transports —" not in text  # did not sign


def test_every_chart_is_backed_by_a_table_with_a_caption(client, awards):
    html = client.get(reverse("charter:index")).content.decode()

    captions = re.findall(r"<caption[^>]*>(.*?)</caption>", html, flags=re.S)
    assert [c.strip() for c in captions] == [
        "Parts cumulées par trimestre d'attribution",
        "Les deux objectifs par acheteur",
        "Montants attribués par catégorie de titulaire",
    ]
    # The gauges and the small bars repeat figures written next to them: hidden from assistive technologies.
    assert html.count('class="charter-gauge"') == 2
    assert all(
        'aria-hidden="true"' in tag for tag in re.findall(r"<svg class=\"charter-(?:gauge|minibar)[^>]*>", html)
    )
    # The timeline is an image with a text alternative giving the latest figures.
    assert 'role="img" aria-labelledby="evolution-titre evolution-resume"' in html
    assert "Évolution des parts cumulées, de T2 2023 à T1 2024" in html
    assert "Fin T1 2024 : 30,0 % des montants pour l'ESS et les TPE/PME (objectif 25 %), 8,0 % des heures" in html
    # SVG coordinates are never localised ("36,1%" would break them).
    assert 'width="30.0%"' in html
    assert not re.search(r'(?:width|x|y|x1|x2|y1|y2|cx|cy)="\d+,\d', html)
    # No inline style anywhere (the CSP forbids them).
    assert "style=" not in html


def test_the_tables_give_the_figures_per_quarter_buyer_and_category(client, awards):
    text = text_of(client.get(reverse("charter:index")))

    assert "T2 2023 1 300 000 € 100,0 % 10,0 %" in text  # cumulative after the first quarter
    assert "T3 2023 0 0 € 100,0 % 10,0 %" in text  # an empty quarter keeps the cumulative figures
    assert "T1 2024 1 700 000 € 30,0 % 8,0 %" in text
    assert "Ville de Paris Signataire 300 000 € attribués (1 marché) 100,0 % Atteint 10,0 % Atteint" in text
    assert (
        "Régie des transports 700 000 € attribués (1 marché) 0,0 % Non atteint : il manque 25,0 points "
        "6,6 % Non atteint : il manque 3,4 points"
    ) in text
    assert "ESS 1 300 000 € 30,0 % 300 000 € (en entier)" in text
    assert "Grande entreprise 1 700 000 € 70,0 % 0 € (part déclarée)" in text
    assert "Total 2 1 000 000 € 100 % 300 000 €" in text


def test_a_gap_under_two_points_is_singular(client):
    AwardFactory(amount=D("240"), total_hours_planned=0, insertion_hours_planned=0)
    AwardFactory(large=True, amount=D("760"), total_hours_planned=0, insertion_hours_planned=0)

    text = text_of(client.get(reverse("charter:index")))

    assert "Objectif non atteint : il manque 1,0 point " in text


def test_without_any_award_the_page_says_there_is_no_data_yet(client, django_assert_max_num_queries):
    BuyerOrganisationFactory(name="Ville de Paris", charter_signatory=True)

    with django_assert_max_num_queries(QUERIES):
        response = client.get(reverse("charter:index"))

    text = text_of(response)
    assert response.status_code == 200
    assert text.count("Pas encore de données") == 3  # both targets and the empty state
    assert "aucune attribution n'a encore été déclarée sur la plateforme" in text
    assert "Objectif atteint" not in text and "Objectif non atteint" not in text
    assert "Voir les appels d'offres" in text
    assert "<table" not in response.content.decode()
    assert "Ville de Paris" in text  # who signed is still said


def test_awards_without_hours_have_no_hours_figure(client):
    AwardFactory(total_hours_planned=0, insertion_hours_planned=0)

    text = text_of(client.get(reverse("charter:index")))

    assert "Objectif atteint" in text  # the amounts
    assert "Pas encore de données — aucune heure de travail n'a encore été déclarée" in text


def test_the_page_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    buyers = BuyerOrganisationFactory.create_batch(12, charter_signatory=True)
    for index in range(60):
        AwardFactory(
            buyer=buyers[index % 12],
            large=index % 3 == 0,
            ess_share_amount=D("1000"),
            achieved=index % 2 == 0,
            awarded_on=datetime.date(2022, 1, 1) + datetime.timedelta(days=15 * index),
        )

    with django_assert_max_num_queries(QUERIES):
        response = client.get(reverse("charter:index"))

    assert response.status_code == 200
    assert response.content.decode().count("charter-badge") == 12


def test_the_buyer_table_can_be_sorted_by_a_figure(client, awards):
    by_name = text_of(client.get(reverse("charter:index")))
    by_value = client.get(reverse("charter:index"), {"tri": "valeur"})
    odd = client.get(reverse("charter:index"), {"tri": "<script>"})

    assert by_name.index("Régie des transports 700") < by_name.index("Ville de Paris Signataire 300")
    text = text_of(by_value)
    assert text.index("Ville de Paris Signataire 300") < text.index("Régie des transports 700")
    assert '<a href="?tri=valeur#acheteurs" aria-current="true">' in by_value.content.decode()
    assert 'aria-sort="descending"' in by_value.content.decode()
    assert odd.status_code == 200
    assert text_of(odd) == by_name


def test_csv_export_of_the_per_buyer_figures(client, awards):
    BuyerOrganisationFactory(name="=Signataire sans marché", charter_signatory=True)

    response = client.get(reverse("charter:export_csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="charte-sociale-ess2024-\d{4}-\d{2}-\d{2}\.csv"', response["Content-Disposition"]
    )
    content = response.content.decode("utf-8")
    assert content.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(content.lstrip("\ufeff")), delimiter=";"))
    assert rows[0][:4] == ["Acheteur", "Signataire de la charte", "Charte signée le", "Nombre d'attributions"]
    assert rows[1] == [
        "'=Signataire sans marché",
        "oui",
        "",
        "0",
        "0",
        "0",
        "",
        "pas encore de données",
        "0",
        "0",
        "",
        "pas encore de données",
    ]
    assert rows[2] == [
        "Régie des transports",
        "non",
        "",
        "1",
        "700000,00",
        "0,00",
        "0,0",
        "non",
        "6000",
        "400",
        "6,6",
        "non",
    ]
    assert rows[3] == [
        "Ville de Paris",
        "oui",
        "12/03/2019",
        "1",
        "300000,00",
        "300000,00",
        "100,0",
        "oui",
        "4000",
        "400",
        "10,0",
        "oui",
    ]
    assert len(rows) == 4


def test_the_home_page_context_carries_the_measured_shares(awards):
    context = home.context()

    figures = context["charter_figures"]
    assert figures.value.value == D("30.0") and figures.value.met
    assert figures.hours.value == D("8.0") and not figures.hours.met
    assert context["value_target"] == D("25") and context["hours_target"] == D("10")


def test_the_nav_links_to_the_page_and_marks_it_current(client):
    response = client.get(reverse("charter:index"))

    assert f'<a href="{reverse("charter:index")}" aria-current="page">Charte</a>' in response.content.decode()


def test_the_home_page_shows_the_measured_shares_in_words(client):
    AwardFactory(amount=Decimal("100000"), total_hours_planned=1000, insertion_hours_planned=50)  # ESS: counts fully
    AwardFactory(large=True, amount=Decimal("300000"), ess_share_amount=Decimal("0"))

    text = re.sub(r"\s+", " ", client.get("/").content.decode())

    assert "Aujourd'hui : 25,0 %</strong> — objectif atteint" in text  # 100k of 400k
    assert "Aujourd'hui : 7,5 %</strong> — il manque 2,5 points" in text  # 150 of 2,000 hours


def test_the_home_page_says_nothing_measured_before_any_award(client):
    assert "Aujourd'hui" not in client.get("/").content.decode()
