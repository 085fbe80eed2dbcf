"""Shortlists fixtures: buyers of two organisations, staff, and verified structures of the directory."""

import pytest
from django.test import Client

from shortlists.models import Shortlist, ShortlistEntry
from tests.accounts.factories import UserFactory
from tests.matching.conftest import ensure_reference_data, make_structure, make_tender  # noqa: F401 - fixtures
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerMembershipFactory


@pytest.fixture
def buyer(db):
    return BuyerMembershipFactory(organisation__name="SOLIDEO test").user


@pytest.fixture
def colleague(buyer):
    """Another buyer of the same organisation."""
    return BuyerMembershipFactory(organisation=buyer.buyer_membership.organisation).user


@pytest.fixture
def other_buyer(db):
    return BuyerMembershipFactory(organisation__name="Autre acheteur").user


@pytest.fixture
def staff(db):
    return UserFactory(platform_staff=True)


@pytest.fixture
def client_for():
    def make(user):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client

    return make


@pytest.fixture
def make_list(db):
    """make_list(owner_user, name, structures=[...], notes={structure: note}) -> Shortlist of the user's owner."""

    def make(user, name="Repérage traiteurs", structures=(), notes=None):
        organisation = None if user.is_platform_staff else user.buyer_membership.organisation
        shortlist = Shortlist.objects.create(name=name, organisation=organisation, created_by=user)
        for structure in structures:
            ShortlistEntry.objects.create(
                shortlist=shortlist, structure=structure, note=(notes or {}).get(structure, ""), added_by=user
            )
        return shortlist

    return make


@pytest.fixture
def listed(db):
    """listed(**fields) -> a verified structure of the directory."""

    def make(**fields):
        return StructureFactory(verified=True, **fields)

    return make
