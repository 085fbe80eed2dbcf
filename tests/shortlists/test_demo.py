"""The demo buyer's two lists, with notes; seeding twice adds nothing."""

import pytest

from shortlists import demo
from shortlists.models import Shortlist, ShortlistEntry
from tenders.demo.reference import DEMO_BUYER
from tests.accounts.factories import UserFactory
from tests.matching.conftest import CATERING, CLEANING, ensure_reference_data
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.django_db


def test_demo_lists_for_the_demo_buyer_idempotent():
    ensure_reference_data()
    assert demo.seed() == "acheteur de démonstration absent : rien à faire"
    membership = BuyerMembershipFactory(user=UserFactory(email=DEMO_BUYER))
    for n in range(8):
        StructureFactory(verified=True, topics=[CATERING if n % 2 else CLEANING])
    StructureFactory(topics=[CATERING])  # pending: never in a list

    demo.seed()
    demo.seed()

    lists = Shortlist.objects.filter(organisation=membership.organisation)
    assert lists.count() == 2
    assert ShortlistEntry.objects.count() == 8
    assert ShortlistEntry.objects.exclude(note="").count() == 5
    assert not ShortlistEntry.objects.exclude(structure__verification_status="verified").exists()
