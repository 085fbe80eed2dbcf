"""Shared helpers of the list pages' performance tests: data for each public list, query counting."""

import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from structures.models import Area, Sector, Topic
from tests.charter.factories import AwardFactory
from tests.meetups.factories import MeetupFactory
from tests.structures.factories import ListedStructureFactory, MembershipFactory
from tests.tenders.factories import BuyerOrganisationFactory, LotFactory, TenderFactory

# The public lists and how to make `rows` rows for each.
PAGES = {
    "tenders": "/appels-d-offres/",
    "tenders_search": "/appels-d-offres/?q=recyclage",
    "tenders_filtered": "/appels-d-offres/?topic=gestion-et-valorisation-des-dechets&place=93&status=all&sort=newest",
    "structures": "/structures/?per_page=100",
    "structures_filtered": "/structures/?q=recyclage&topics=gestion-et-valorisation-des-dechets&areas=93&per_page=100",
    "charter": "/charte/",
    "meetups": "/rencontres/",
    "feed": "/appels-d-offres/flux.atom?topic=gestion-et-valorisation-des-dechets",
}


def make_rows(rows: int, start: int = 0) -> None:
    """`rows` more of each list (numbered from `start`): open tenders with topics, places and lots; verified
    structures with topics, areas and sectors; awards; upcoming meet-ups with topics and buyers."""
    waste = Topic.objects.get(slug="gestion-et-valorisation-des-dechets")
    catering = Topic.objects.get(slug="restauration-durable")
    areas = list(Area.objects.filter(code__in=["93", "75111"]))
    sector = Sector.objects.first()
    buyers = [BuyerOrganisationFactory() for _ in range(3)]
    now = timezone.now()
    for number in range(start, start + rows):
        tender = TenderFactory(
            title=f"Recyclage des déchets {number}",
            buyer=buyers[number % 3],
            published=True,
            bid_deadline=now + datetime.timedelta(days=10 + number),
            estimated_value=Decimal("10000") * (number + 1),
        )
        tender.topics.set([waste, catering])
        tender.places.set(areas)
        LotFactory(tender=tender, number=1, reserved="L2113-13")
        structure = ListedStructureFactory(
            name=f"Recyclerie {number:03d}",
            description="Recyclage et réemploi.",
            topics=[waste, catering],
            areas=areas,
        )
        structure.sectors.add(sector)
        AwardFactory(buyer=buyers[number % 3], amount=Decimal("1000") * (number + 1))
        MeetupFactory(title=f"Rencontre {number}", topics=[waste], buyers=buyers[:2])


def data_queries(captured: CaptureQueriesContext) -> list[str]:
    """The queries a request ran, without the savepoints ATOMIC_REQUESTS adds inside a test's transaction (in
    production the request's transaction is the connection's own, with no SQL of its own)."""
    return [
        query["sql"]
        for query in captured.captured_queries
        if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT"))
    ]


def count_queries(client, url: str, **extra) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **extra)
    assert response.status_code == 200, (url, response.status_code)
    return len(data_queries(captured)), response


@pytest.fixture
def member(client):
    """A signed-in member of a verified structure (the tender list then offers "eligible for my structure")."""
    membership = MembershipFactory(structure=ListedStructureFactory(name="Ma structure"))
    client.force_login(membership.user)
    return membership


@pytest.fixture
def empty_cache():
    cache.clear()
    yield
    cache.clear()
