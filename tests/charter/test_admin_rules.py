"""The award admin says in French why the database refuses a change (issue 12): no 500, nothing saved."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from tenders.models import Award, TenderStatus
from tests.tenders.factories import BuyerMembershipFactory, LotFactory, TenderFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def buyer():
    return BuyerMembershipFactory(organisation__name="Ville de Paris").user


@pytest.fixture
def logged(client, buyer):
    client.force_login(buyer)
    return client


def award(tender, **kwargs):
    return Award.objects.create(
        tender=tender,
        winner_name="Titulaire",
        winner_category="ess",
        amount=1000,
        total_hours_planned=100,
        insertion_hours_planned=10,
        awarded_on=datetime.date(2024, 3, 1),
        **kwargs,
    )


def awarded_tender(buyer):
    return TenderFactory(
        buyer=buyer.buyer_membership.organisation, status=TenderStatus.AWARDED, published_at=timezone.now()
    )


def test_reactivating_a_second_award_for_a_lot_is_refused_in_french(logged, buyer):
    tender = awarded_tender(buyer)
    lot = LotFactory(tender=tender, number=1)
    award(tender, lot=lot)
    old = award(tender, lot=lot, is_active=False)

    response = logged.post(reverse("admin:tenders_award_change", args=[old.pk]), {"is_active": "on"})

    assert response.status_code == 200
    assert "Ce lot a déjà une attribution en vigueur" in html.unescape(response.content.decode())
    old.refresh_from_db()
    assert old.is_active is False


def test_achieved_insertion_hours_above_achieved_hours_are_refused_in_french(logged, buyer):
    tender = awarded_tender(buyer)
    one = award(tender)

    response = logged.post(
        reverse("admin:tenders_award_change", args=[one.pk]),
        {"is_active": "on", "total_hours_achieved": "100", "insertion_hours_achieved": "500"},
    )

    assert response.status_code == 200
    assert "ne peuvent pas dépasser les heures travaillées réalisées" in html.unescape(response.content.decode())
    one.refresh_from_db()
    assert one.insertion_hours_achieved is None
