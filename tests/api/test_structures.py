"""/api/v1/structures/: verified, not archived structures only; contact details with a buyer's token only."""

import pytest
from django.utils import timezone

from api import services
from structures.models import VerificationStatus
from tests.api.conftest import issue
from tests.structures.factories import ListedStructureFactory, StructureFactory

LIST = "/api/v1/structures/"
CONTACT_FIELDS = {"contact_name", "contact_email", "contact_phone", "address", "postcode"}

pytestmark = pytest.mark.usefixtures("reference_data")


def slugs(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["slug"] for item in response.json()["results"]}


@pytest.fixture
def verified():
    return ListedStructureFactory(
        slug="jardins",
        name="Les Jardins de Belleville",
        topics=["agriculture-urbaine-et-espaces-verts"],
        areas=["75"],
        contact_name="Awa Diallo",
        contact_email="awa@jardins.example.org",
        contact_phone="01 23 45 67 89",
        address="12 rue de Belleville",
        postcode="75020",
    )


def test_never_an_unverified_rejected_or_archived_structure(client_api, verified, token_key):
    StructureFactory(slug="en-attente")  # pending
    StructureFactory(slug="refusee", verification_status=VerificationStatus.REJECTED, rejection_reason="SIRET faux")
    ListedStructureFactory(slug="archivee", archived_at=timezone.now())
    for headers in ({}, {"HTTP_AUTHORIZATION": f"Token {token_key}"}):  # a token shows no more structures
        assert slugs(client_api.get(LIST, **headers)) == {"jardins"}
        for slug in ("en-attente", "refusee", "archivee"):
            assert client_api.get(f"{LIST}{slug}/", **headers).status_code == 404
        assert client_api.get(f"{LIST}jardins/", **headers).status_code == 200


def test_the_public_profile_without_contact_fields(client_api, verified):
    for item in (client_api.get(LIST).json()["results"][0], client_api.get(f"{LIST}jardins/").json()):
        assert item["name"] == "Les Jardins de Belleville"
        assert item["siret"] == verified.siret
        assert item["legal_form"] == "association" or item["legal_form"] == verified.legal_form
        assert [t["slug"] for t in item["topics"]] == ["agriculture-urbaine-et-espaces-verts"]
        assert [a["code"] for a in item["areas"]] == ["75"]
        assert item["url"] == "http://testserver/structures/jardins/"
        assert not CONTACT_FIELDS & set(item), "contact fields are absent, not null"


@pytest.mark.parametrize("scheme", ["Token", "Bearer", "token"])
def test_a_buyers_token_adds_the_contact_details(client_api, verified, token_key, scheme):
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {token_key}"}
    for item in (
        client_api.get(LIST, **headers).json()["results"][0],
        client_api.get(f"{LIST}jardins/", **headers).json(),
    ):
        assert {key: item[key] for key in CONTACT_FIELDS} == {
            "contact_name": "Awa Diallo",
            "contact_email": "awa@jardins.example.org",
            "contact_phone": "01 23 45 67 89",
            "address": "12 rue de Belleville",
            "postcode": "75020",
        }


def test_a_signed_in_buyers_session_is_not_a_token(client_api, verified, buyer):
    client_api.force_login(buyer.user)
    item = client_api.get(f"{LIST}jardins/").json()
    assert not CONTACT_FIELDS & set(item)


@pytest.mark.parametrize(
    "header",
    ["Token ess_inconnu", "Bearer ess_inconnu", "Token", "Token deux morceaux", "Token " + "x" * 500],
)
def test_an_unknown_or_malformed_token_is_a_401(client_api, verified, header):
    response = client_api.get(LIST, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert "jeton" in response.json()["detail"].lower() or "authorization" in response.json()["detail"].lower()


def test_a_revoked_token_is_a_401(client_api, verified, buyer):
    token, key = issue(buyer.organisation)
    assert client_api.get(LIST, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
    services.token_revoke(token=token, by=buyer.user)
    response = client_api.get(LIST, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 401
    assert response.json()["detail"] == "Jeton invalide ou révoqué."


def test_the_key_is_stored_hashed_and_its_use_recorded(client_api, verified, buyer):
    token, key = issue(buyer.organisation)
    token.refresh_from_db()
    assert key not in {token.key_hash, token.prefix, token.name} and key.startswith(token.prefix)
    assert token.key_hash == services.key_digest(key)
    assert token.last_used_at is None
    client_api.get(LIST, HTTP_AUTHORIZATION=f"Token {key}")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    client_api.get(LIST, HTTP_AUTHORIZATION=f"Token {key}")  # within 5 minutes: no write
    token.refresh_from_db()
    assert token.last_used_at == first_use


def test_the_directorys_filters_apply(client_api, verified):
    ListedStructureFactory(slug="traiteur", name="Traiteur solidaire", topics=["restauration-durable"], areas=["93"])
    assert slugs(client_api.get(LIST, {"topics": "restauration-durable"})) == {"traiteur"}
    assert slugs(client_api.get(LIST, {"areas": "75"})) == {"jardins"}
    assert slugs(client_api.get(LIST, {"q": "traiteur"})) == {"traiteur"}
    assert client_api.get(LIST, {"topics": "inconnue"}).status_code == 400


def test_cursor_pagination_walks_every_structure_exactly_once(client_api):
    created = ListedStructureFactory.create_batch(7)
    url, seen = f"{LIST}?page_size=2", []
    while url:
        body = client_api.get(url).json()
        seen.extend(item["slug"] for item in body["results"])
        url = body["next"]
    assert sorted(seen) == sorted(s.slug for s in created) and len(seen) == 7


def test_query_count_does_not_grow_with_the_page(client_api, token_key, django_assert_max_num_queries):
    headers = {"HTTP_AUTHORIZATION": f"Token {token_key}"}
    ListedStructureFactory.create_batch(2, topics=["restauration-durable"], areas=["75"])
    client_api.get(LIST, **headers)  # records the token's first use (one UPDATE), not measured below
    with django_assert_max_num_queries(7) as few:
        assert len(client_api.get(LIST, {"page_size": 100}, **headers).json()["results"]) == 2
    ListedStructureFactory.create_batch(30, topics=["restauration-durable"], areas=["75", "93"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client_api.get(LIST, {"page_size": 100}, **headers).json()["results"]) == 32
