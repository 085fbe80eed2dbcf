"""Issue 13: the public lists' cached fragments (ess2024/fragment_cache.py) change with every write that changes
them, with the clock (deadlines), and never show one visitor's state to another, in French and in English."""

import datetime
import re
from decimal import Decimal
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from structures.models import Area, Sector, Topic, VerificationStatus
from tenders.models import TenderStatus
from tests.accounts.factories import UserFactory
from tests.charter.factories import AwardFactory
from tests.meetups.factories import MeetupFactory, RegistrationFactory
from tests.structures.factories import ListedStructureFactory, MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory, LotFactory
from tests.tenders.public import open_tender

pytestmark = pytest.mark.django_db

WASTE = "gestion-et-valorisation-des-dechets"
TENDERS = "/appels-d-offres/"
DIRECTORY = "/structures/"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return unescape(response.content.decode())


def test_the_second_visit_is_served_from_the_cache(client, django_assert_max_num_queries):
    open_tender(title="Collecte des biodéchets")
    first = page(client, TENDERS)
    with django_assert_max_num_queries(2):  # the request's savepoint and its release
        second = page(client, TENDERS)
    assert CSRF.sub("", second) == CSRF.sub("", first)  # the language switcher's token is masked anew each time


# Writes ------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_renaming_a_topic_changes_the_panels_and_the_cards(client, prefix):
    topic = Topic.objects.get(slug=WASTE)
    open_tender(title="Collecte des biodéchets", topics=[topic])
    ListedStructureFactory(name="La Recyclerie", topics=[topic])
    assert "Nouveau nom" not in page(client, prefix + TENDERS) + page(client, prefix + DIRECTORY)

    topic.name = topic.name_en = "Nouveau nom des déchets"
    topic.save()

    for url in (TENDERS, DIRECTORY):
        html = page(client, prefix + url)
        assert html.count("Nouveau nom des déchets") == 2, url  # the filter's checkbox and the card's tag


def test_an_area_and_a_sector_change_the_directory_panel_in_english(client):
    page(client, "/en" + DIRECTORY)
    area = Area.objects.get(code="93")
    area.name_en = "Seine-Saint-Denis département"
    area.save()
    Sector.objects.create(name="Numérique responsable", name_en="Responsible digital", slug="numerique-responsable")

    html = page(client, "/en" + DIRECTORY)
    assert "Seine-Saint-Denis département" in html
    assert "Responsible digital" in html


def test_buyer_writes_change_the_tender_list_and_the_charter(client):
    buyer = BuyerOrganisationFactory(name="Ville d'Exemple")
    open_tender(title="Collecte des biodéchets", buyer=buyer)
    AwardFactory(buyer=buyer)
    assert "Ville d'Exemple" in page(client, TENDERS) and "Ville d'Exemple" in page(client, "/charte/")

    buyer.name = "Métropole d'Exemple"
    buyer.save()

    for url in (TENDERS, "/charte/"):
        html = page(client, url)
        assert "Métropole d'Exemple" in html and "Ville d'Exemple" not in html, url


def test_tender_writes_change_the_list_and_the_feed(client):
    tender = open_tender(title="Collecte des biodéchets")
    assert "Collecte des biodéchets" in page(client, TENDERS)
    assert "Lot réservé" not in page(client, TENDERS)
    assert "Tri des encombrants" not in page(client, TENDERS + "flux.atom")

    open_tender(title="Tri des encombrants")  # published
    LotFactory(tender=tender, number=1, reserved="L2113-13")  # a reserved lot
    tender.topics.add(Topic.objects.get(slug="restauration-durable"))  # a topic
    html = page(client, TENDERS)
    assert "Tri des encombrants" in html
    assert "Lot réservé" in html
    assert "Restauration durable" in html
    assert "Tri des encombrants" in page(client, TENDERS + "flux.atom")

    tender.status = TenderStatus.CLOSED
    tender.save()  # closed by its buyer
    assert "Collecte des biodéchets" not in page(client, TENDERS)
    assert "Collecte des biodéchets" in page(client, TENDERS + "?status=closed")


def test_structure_writes_change_the_directory(client):
    pending = StructureFactory(name="L'Atelier en attente")
    listed = ListedStructureFactory(name="La Recyclerie")
    html = page(client, DIRECTORY)
    assert "La Recyclerie" in html and "L'Atelier en attente" not in html

    pending.verification_status = VerificationStatus.VERIFIED
    pending.save()  # verified by staff
    listed.topics.add(Topic.objects.get(slug=WASTE))

    html = page(client, DIRECTORY)
    assert "L'Atelier en attente" in html
    assert "Gestion et valorisation des déchets" in html.split("La Recyclerie", 1)[1]


def test_an_award_changes_the_charter(client):
    buyer = BuyerOrganisationFactory(name="Ville d'Exemple")
    AwardFactory(buyer=buyer, amount=Decimal("100000"))
    assert "100\u00a0000\u00a0€ attribués" in page(client, "/charte/")

    AwardFactory(buyer=buyer, amount=Decimal("50000"))
    assert "150\u00a0000\u00a0€ attribués" in page(client, "/charte/")


def test_meetup_writes_change_the_list(client):
    meetup = MeetupFactory(title="Rencontre des achats de restauration", capacity=10)
    assert "10 places restantes" in page(client, "/rencontres/")

    RegistrationFactory(meetup=meetup)
    MeetupFactory(title="Rencontre du nettoyage")
    html = page(client, "/rencontres/")
    assert "9 places restantes" in html
    assert "Rencontre du nettoyage" in html


# The clock ---------------------------------------------------------------------------------------------------------


def test_a_deadline_passing_closes_the_tender_in_the_cached_list(client, monkeypatch):
    """No write happens when a deadline passes: the cached list knows until when it holds (the next deadline)."""
    open_tender(title="Bientôt clos", days=1 / 24)  # in an hour
    open_tender(title="Encore ouvert", days=30)
    assert "Bientôt clos" in page(client, TENDERS)
    assert "Bientôt clos" not in page(client, TENDERS + "?status=closed")
    assert "Bientôt clos" in page(client, TENDERS + "flux.atom")

    later = timezone.now() + datetime.timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    html = page(client, TENDERS)
    assert "Bientôt clos" not in html and "Encore ouvert" in html
    assert "Bientôt clos" in page(client, TENDERS + "?status=closed")
    assert "Bientôt clos" not in page(client, TENDERS + "flux.atom")


# One visitor's state is never another's ------------------------------------------------------------------------------


@pytest.fixture
def alice(client):
    """A member of a verified structure registered to a meet-up."""
    structure = ListedStructureFactory(name="Les Jardins d'Alice", topics=[WASTE])
    membership = MembershipFactory(structure=structure, user__email="alice@example.org")
    RegistrationFactory(meetup=MeetupFactory(title="Rencontre des achats durables"), structure=structure)
    open_tender(title="Collecte des biodéchets", topics=[WASTE])
    return membership.user


# Alice's marks, the same in both languages: her email in the header, her registration's badge, the "eligible for
# my structure" filter of her structure.
ALICE_MARKS = ["alice@example.org", "meetup-badge--mine", 'name="eligible"']


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("alice_first", [True, False], ids=["alice-first", "alice-last"])
def test_a_member_state_never_reaches_another_visitor(client, alice, prefix, alice_first):
    urls = [prefix + url for url in (TENDERS, DIRECTORY, "/charte/", "/rencontres/", TENDERS + "?q=biodéchets")]
    bob = Client()
    bob.force_login(UserFactory(email="bob@example.org"))  # signed in, no structure
    anonymous = Client()
    client.force_login(alice)

    def alice_pages():
        return {url: page(client, url) for url in urls}

    if alice_first:
        seen_by_alice = alice_pages()
    seen_by_bob = {url: page(bob, url) for url in urls}
    seen_by_anonymous = {url: page(anonymous, url) for url in urls}
    if not alice_first:
        seen_by_alice = alice_pages()

    everything_alice_saw = "".join(seen_by_alice.values())
    for mark in ALICE_MARKS:
        assert mark in everything_alice_saw, mark
    alice_tokens = set(CSRF.findall(everything_alice_saw))
    assert alice_tokens
    for url in urls:
        for other in (seen_by_bob[url], seen_by_anonymous[url]):
            for mark in ALICE_MARKS:
                assert mark not in other, (url, mark)
            assert not alice_tokens & set(CSRF.findall(other)), url
        assert "bob@example.org" in seen_by_bob[url] and "bob@example.org" not in seen_by_alice[url]
    # "Suivre cette recherche" posts a form of the signed-in visitor's own; anonymous visitors get a link to log in.
    assert 'id="follow-search-form"' in seen_by_alice[prefix + TENDERS]
    assert 'id="follow-search-form"' not in seen_by_anonymous[prefix + TENDERS]
