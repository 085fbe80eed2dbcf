"""The demo token (api/demo.py): idempotent, and its documented key works."""

import pytest

from api import demo
from api.models import ApiToken
from tests.accounts.factories import UserFactory
from tests.structures.factories import ListedStructureFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.usefixtures("reference_data")


def test_the_demo_token_is_seeded_once_and_works(client_api):
    assert demo.seed() == "acheteur de démonstration absent : rien à faire"
    BuyerMembershipFactory(user=UserFactory(email=demo.DEMO_BUYER_EMAIL, is_staff=True))
    demo.seed()
    demo.seed()
    assert ApiToken.objects.count() == 1
    ListedStructureFactory(slug="jardins", contact_email="awa@jardins.example.org")
    item = client_api.get("/api/v1/structures/jardins/", HTTP_AUTHORIZATION=f"Token {demo.DEMO_KEY}").json()
    assert item["contact_email"] == "awa@jardins.example.org"
