"""The home page's measured charter shares say which period they cover (issue 12, item 6)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import translation

from ess2024 import home
from tests.charter.factories import AwardFactory

pytestmark = pytest.mark.django_db


def page_text(client) -> str:
    html = client.get("/").content.decode()
    html = re.sub(r"<[^>]+>", " ", html).replace("&nbsp;", " ").replace("\xa0", " ").replace("&#x27;", "'")
    return re.sub(r"\s+", " ", html)


def test_each_share_says_the_first_and_last_award_dates_it_counts(client):
    AwardFactory(awarded_on=datetime.date(2022, 1, 1), amount=Decimal("100000"))
    AwardFactory(awarded_on=datetime.date(2026, 11, 30), large=True, amount=Decimal("300000"))

    text = page_text(client)

    assert "Aujourd'hui : 25,0 % — objectif atteint" in text
    assert "Calculé sur les marchés attribués du 1er janvier 2022 au 30 novembre 2026." in text
    assert "Calculé sur les heures des marchés attribués du 1er janvier 2022 au 30 novembre 2026." in text


def test_the_hours_period_leaves_out_awards_without_hours_and_inactive_ones(client):
    AwardFactory(awarded_on=datetime.date(2023, 3, 15))
    AwardFactory(awarded_on=datetime.date(2022, 6, 2), total_hours_planned=0, insertion_hours_planned=0)
    AwardFactory(awarded_on=datetime.date(2021, 2, 1), is_active=False)  # replaced: counts for nothing

    text = page_text(client)

    assert "Calculé sur les marchés attribués du 2 juin 2022 au 15 mars 2023." in text
    assert "Calculé sur les heures des marchés attribués le 15 mars 2023." in text
    assert "2021" not in text


def test_the_context_costs_one_query_and_says_nothing_without_awards(django_assert_num_queries):
    with django_assert_num_queries(1):
        context = home.context()
    assert context["value_period"] == context["hours_period"] == ""
    assert not context["charter_figures"].value.has_data


def test_day_text_is_french_with_the_ordinal_first():
    with translation.override("fr"):
        assert home.day_text(datetime.date(2022, 1, 1)) == "1er janvier 2022"
        assert home.day_text(datetime.date(2026, 11, 30)) == "30 novembre 2026"
        assert home.period_text(datetime.date(2024, 8, 1), datetime.date(2024, 8, 1)) == (
            "Calculé sur les marchés attribués le 1er août 2024."
        )
    with translation.override("en"):
        assert "1er" not in home.day_text(datetime.date(2022, 1, 1))
