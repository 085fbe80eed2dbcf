"""/api/v1/appels-d-offres/: published tenders only, the list's filters, cursor pagination, a fixed query count."""

import datetime

import pytest
from django.utils import timezone

from tenders import ocds
from tenders.models import TenderStatus
from tests.tenders.factories import LotFactory, TenderFactory

LIST = "/api/v1/appels-d-offres/"

pytestmark = pytest.mark.usefixtures("reference_data")


def slugs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["slug"] for item in response.json()["results"]}


def walk(client, url: str) -> list[dict]:
    """Every item, following `next` from the first page."""
    items = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        items.extend(body["results"])
        url = body["next"]
    return items


def test_never_a_draft_nor_a_tender_published_in_the_future(client_api):
    published = TenderFactory(published=True, slug="publie")
    TenderFactory(slug="brouillon")  # a draft
    TenderFactory(slug="annule-avant-publication", status=TenderStatus.CANCELLED)  # withdrawn before publication
    TenderFactory(
        slug="programme", status=TenderStatus.PUBLISHED, published_at=timezone.now() + datetime.timedelta(days=2)
    )
    assert slugs(client_api.get(LIST, {"status": "all"})) == {published.slug}
    for slug in ("brouillon", "annule-avant-publication", "programme"):
        assert client_api.get(f"{LIST}{slug}/").status_code == 404
    assert client_api.get(f"{LIST}publie/").status_code == 200


def test_a_tender_with_its_ocds_id_lots_topics_buyer_places_and_urls(client_api):
    tender = TenderFactory(
        published=True,
        title="Restauration des bénévoles",
        topics=["restauration-durable"],
        places=["93"],
        estimated_value=250_000,
        buyer__name="Ville de Saint-Denis",
        contact_email="achats@saint-denis.example.fr",
    )
    LotFactory(tender=tender, number=1, title="Petits-déjeuners", reserved="L2113-13", insertion_hours=800)
    LotFactory(tender=tender, number=2, title="Déjeuners")
    [item] = client_api.get(LIST).json()["results"]
    assert item["ocid"] == ocds.ocid(tender)
    assert item["title"] == "Restauration des bénévoles"
    assert item["status"] == "published" and item["ocds_status"] == "active" and item["is_open"] is True
    assert item["buyer"]["name"] == "Ville de Saint-Denis"
    assert item["buyer"]["charter_url"] == f"http://testserver/charte/{tender.buyer.slug}/"
    assert [t["slug"] for t in item["topics"]] == ["restauration-durable"]
    assert [p["code"] for p in item["places"]] == ["93"]
    assert item["estimated_value"] == "250000.00" and item["currency"] == "EUR"
    assert [(lot["number"], lot["title"], lot["reserved_market"]) for lot in item["lots"]] == [
        (1, "Petits-déjeuners", "L2113-13"),
        (2, "Déjeuners", ""),
    ]
    assert item["lots"][0]["insertion_hours"] == 800
    assert item["contact_email"] == "achats@saint-denis.example.fr"
    assert item["url"] == f"http://testserver/appels-d-offres/{tender.slug}/"
    assert item["api_url"] == f"http://testserver/api/v1/appels-d-offres/{tender.slug}/"
    assert datetime.datetime.fromisoformat(item["bid_deadline"]) == tender.bid_deadline
    detail = client_api.get(item["api_url"]).json()
    assert detail["ocid"] == item["ocid"] and detail["documents"] == []


def test_english_speakers_get_the_same_addresses(client_api):
    tender = TenderFactory(published=True)
    [item] = client_api.get(LIST, HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    assert item["url"] == f"http://testserver/appels-d-offres/{tender.slug}/"


def test_the_lists_filters_apply(client_api):
    food = TenderFactory(published=True, slug="repas", title="Repas des équipes", topics=["restauration-durable"])
    TenderFactory(
        published=True, slug="dechets", title="Collecte des déchets", topics=["gestion-et-valorisation-des-dechets"]
    )
    closed = TenderFactory(published=True, slug="clos", status=TenderStatus.CLOSED, topics=["restauration-durable"])
    assert slugs(client_api.get(LIST)) == {"repas", "dechets"}  # open ones by default, like the page
    assert slugs(client_api.get(LIST, {"topic": "restauration-durable"})) == {food.slug}
    assert slugs(client_api.get(LIST, {"topic": "restauration-durable", "status": "all"})) == {food.slug, closed.slug}
    assert slugs(client_api.get(LIST, {"q": "déchets"})) == {"dechets"}
    assert slugs(client_api.get(LIST, {"value_min": "1000000"})) == set()


def test_a_bad_filter_value_is_a_400_that_names_the_filter(client_api):
    TenderFactory(published=True)
    response = client_api.get(LIST, {"topic": "pas-une-thematique", "value_min": "beaucoup"})
    assert response.status_code == 400
    assert set(response.json()) == {"topic", "value_min"}


def test_cursor_pagination_walks_every_tender_exactly_once(client_api):
    now = timezone.now()
    created = [
        TenderFactory(published=True, published_at=now - datetime.timedelta(hours=i % 3)) for i in range(11)
    ]  # ties on the publication date: the cursor must still neither skip nor repeat
    items = walk(client_api, f"{LIST}?page_size=3")
    assert sorted(item["slug"] for item in items) == sorted(t.slug for t in created)
    assert len(items) == len(created)
    dates = [item["published_at"] for item in items]
    assert dates == sorted(dates, reverse=True)


def test_page_size_is_capped(client_api):
    TenderFactory.create_batch(3, published=True)
    body = client_api.get(LIST, {"page_size": "100000"}).json()
    assert len(body["results"]) == 3
    assert client_api.get(LIST, {"page_size": "1"}).json()["next"]


def test_a_bad_cursor_is_a_404_not_a_500(client_api):
    assert client_api.get(LIST, {"cursor": "pas-un-curseur"}).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_read_only(client_api, method):
    tender = TenderFactory(published=True)
    for url in (LIST, f"{LIST}{tender.slug}/"):
        response = getattr(client_api, method)(url, {"title": "Piraté"}, format="json")
        assert response.status_code == 405
        assert "lecture seule" in response.json()["detail"]
    tender.refresh_from_db()
    assert tender.title != "Piraté"


def test_query_count_does_not_grow_with_the_page(client_api, django_assert_max_num_queries):
    def make(count):
        for _ in range(count):
            tender = TenderFactory(published=True, topics=["restauration-durable"], places=["75", "93"])
            LotFactory(tender=tender, number=1)
            LotFactory(tender=tender, number=2)

    make(2)
    with django_assert_max_num_queries(6) as few:
        assert len(client_api.get(LIST, {"page_size": 100}).json()["results"]) == 2
    make(30)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client_api.get(LIST, {"page_size": 100}).json()["results"]) == 32


def test_head_and_options_are_read_methods(client_api):
    TenderFactory(published=True)
    assert client_api.head(LIST).status_code == 200
    assert client_api.options(LIST).status_code == 200
