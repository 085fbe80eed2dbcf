"""/api/v1/charte/: the two targets and the figures of /charte/, from the same selectors."""

from decimal import Decimal

import pytest

from charter import selectors
from tests.charter.factories import AwardFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.usefixtures("reference_data")


def test_the_charter_figures(client_api, django_assert_max_num_queries):
    buyer = BuyerOrganisationFactory(name="SOLIDEO", charter_signatory=True)
    AwardFactory(buyer=buyer, amount=Decimal("300000"), total_hours_planned=1000, insertion_hours_planned=150)
    AwardFactory(buyer=buyer, large=True, amount=Decimal("700000"), ess_share_amount=Decimal("50000"))
    with django_assert_max_num_queries(6):  # 4 queries (charter.selectors.overview) + the request savepoint
        response = client_api.get("/api/v1/charte/")
    assert response.status_code == 200
    body = response.json()
    assert body["targets"] == {"value": "25.0", "hours": "10.0"}
    figures = body["figures"]
    expected = selectors.overall()
    assert figures["award_count"] == 2
    assert Decimal(figures["awarded_amount"]) == expected.awarded_amount == Decimal("1000000")
    assert Decimal(figures["counted_amount"]) == Decimal("350000")
    assert figures["value_share"] == {"value": "35.0", "target": "25.0", "met": True, "gap": "0.0"}
    assert figures["hours_share"]["value"] == str(expected.hours.value)
    assert [row["category"] for row in body["categories"]] == ["ess", "large"]
    [row] = body["buyers"]
    assert row["buyer"]["name"] == "SOLIDEO" and row["figures"]["award_count"] == 2
    assert body["quarters"][0]["label"] == "T1 2024"
    assert body["url"] == "http://testserver/charte/"


def test_no_award_yet_gives_no_share_rather_than_zero(client_api):
    figures = client_api.get("/api/v1/charte/").json()["figures"]
    assert figures["award_count"] == 0
    assert figures["value_share"]["value"] is None and figures["value_share"]["met"] is None
