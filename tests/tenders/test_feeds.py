"""The Atom feed `/appels-d-offres/flux.atom`: valid Atom, the list's filters, bounded queries."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse

from tenders.models import TenderStatus
from tests.tenders.factories import BuyerOrganisationFactory, TenderFactory
from tests.tenders.public import open_tender

pytestmark = pytest.mark.django_db

URL = reverse("tenders:feed")
ATOM = "{http://www.w3.org/2005/Atom}"
WASTE = "gestion-et-valorisation-des-dechets"


def feed(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    return ET.fromstring(response.content)  # noqa: S314 (our own response); raises on malformed XML


def titles(root):
    return [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]


def test_feed_is_valid_atom_with_the_open_tenders(client):
    buyer = BuyerOrganisationFactory(name="Ville de Paris")
    tender = open_tender(title="Collecte & tri <déchets>", buyer=buyer, topics=[WASTE], estimated_value=90_000)
    TenderFactory(title="Brouillon")
    open_tender(title="Clos", status=TenderStatus.CLOSED)

    root = feed(client)
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id") is not None and root.find(f"{ATOM}updated") is not None
    assert titles(root) == ["Collecte & tri <déchets>"]
    entry = root.find(f"{ATOM}entry")
    link = entry.find(f"{ATOM}link").get("href")
    assert link == f"http://testserver{reverse('tenders:detail', kwargs={'slug': tender.slug})}"
    assert entry.find(f"{ATOM}author/{ATOM}name").text == "Ville de Paris"
    assert [c.get("term") for c in entry.findall(f"{ATOM}category")] == ["Gestion et valorisation des déchets"]
    summary = entry.find(f"{ATOM}summary").text
    assert "Acheteur : Ville de Paris" in summary and "90\u00a0000\u00a0€" in summary
    assert entry.find(f"{ATOM}published") is not None


def test_feed_honours_the_list_filters(client):
    open_tender(title="Déchets au 93", topics=[WASTE], places=["93"])
    open_tender(title="Déchets au 75", topics=[WASTE], places=["75"])
    open_tender(title="Repas", topics=["restauration-durable"])
    open_tender(title="Clos", status=TenderStatus.CLOSED, topics=[WASTE])

    assert set(titles(feed(client, topic=WASTE))) == {"Déchets au 93", "Déchets au 75"}
    assert titles(feed(client, topic=WASTE, place="93")) == ["Déchets au 93"]
    assert titles(feed(client, q="repas")) == ["Repas"]
    assert titles(feed(client, status="closed")) == ["Clos"]
    self_link = feed(client, topic=WASTE).find(f"{ATOM}link[@rel='self']").get("href")
    assert self_link.endswith(f"{URL}?topic={WASTE}")


def test_the_list_links_to_the_feed_of_its_filters(client):
    html = client.get(reverse("tenders:index"), {"topic": WASTE}).content.decode()
    assert 'type="application/atom+xml"' in html
    assert f"{URL}?topic={WASTE}" in html


def test_feed_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for number in range(30):
        open_tender(title=f"Marché {number}", topics=[WASTE, "restauration-durable"])
    with django_assert_max_num_queries(6):  # savepoints, the topic filter's validation, items, topics
        root = feed(client, topic=WASTE)
    assert len(titles(root)) == 30
