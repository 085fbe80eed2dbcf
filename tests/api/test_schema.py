"""The OpenAPI document is valid, and each endpoint's real answer matches what it declares."""

import json

import pytest
import yaml
from openapi_schema_validator import OAS30Validator
from openapi_spec_validator import validate
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from tests.api.conftest import issue
from tests.charter.factories import AwardFactory
from tests.structures.factories import ListedStructureFactory
from tests.tenders.factories import LotFactory, TenderFactory

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture
def document(client_api):
    response = client_api.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_openapi_document_is_valid(document):
    validate(document)  # raises with the first error
    assert set(document["paths"]) == {
        "/api/v1/appels-d-offres/",
        "/api/v1/appels-d-offres/{slug}/",
        "/api/v1/structures/",
        "/api/v1/structures/{slug}/",
        "/api/v1/charte/",
    }
    assert all(set(operations) == {"get"} for operations in document["paths"].values()), "read-only"
    assert document["components"]["securitySchemes"]["jetonAcheteur"]["in"] == "header"


def test_the_yaml_version_is_the_same_document(client_api, document):
    response = client_api.get("/api/v1/schema/")
    assert response.status_code == 200
    assert yaml.safe_load(response.content) == document


def assert_matches(document: dict, path: str, body) -> None:
    """Validate `body` against the 200 answer `path` declares (OpenAPI 3.0 schema, `$ref`s into its components)."""
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    registry = Registry().with_resource("urn:api", Resource.from_contents(document, default_specification=DRAFT4))
    validator = OAS30Validator({**schema, "components": document["components"]}, registry=registry)
    errors = sorted(validator.iter_errors(body), key=lambda error: list(error.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


@pytest.fixture
def data():
    tender = TenderFactory(published=True, topics=["restauration-durable"], places=["93"], estimated_value=None)
    LotFactory(tender=tender, number=1, reserved="L2113-12", insertion_hours=120)
    TenderFactory(published=True, questions_deadline=None)
    ListedStructureFactory(slug="jardins", topics=["restauration-durable"], areas=["75"], contact_name="Awa")
    ListedStructureFactory(slug="traiteur", headcount="", insertion_hours_per_year=1200)
    AwardFactory()
    return tender


def test_real_answers_match_the_document(client_api, document, data, buyer):
    _token, key = issue(buyer.organisation)
    checks = [
        ("/api/v1/appels-d-offres/", "/api/v1/appels-d-offres/", {}),
        ("/api/v1/appels-d-offres/{slug}/", f"/api/v1/appels-d-offres/{data.slug}/", {}),
        ("/api/v1/structures/", "/api/v1/structures/", {}),
        ("/api/v1/structures/", "/api/v1/structures/", {"HTTP_AUTHORIZATION": f"Token {key}"}),
        ("/api/v1/structures/{slug}/", "/api/v1/structures/jardins/", {}),
        ("/api/v1/structures/{slug}/", "/api/v1/structures/jardins/", {"HTTP_AUTHORIZATION": f"Bearer {key}"}),
        ("/api/v1/charte/", "/api/v1/charte/", {}),
    ]
    for path, url, headers in checks:
        response = client_api.get(url, **headers)
        assert response.status_code == 200, url
        assert_matches(document, path, response.json())


def test_a_wrong_answer_would_be_caught(document, data):
    """The check above can fail: an answer missing a declared field, or with a wrong type, is refused."""
    with pytest.raises(AssertionError):
        assert_matches(document, "/api/v1/structures/{slug}/", {"slug": 3})


def test_the_documentation_page(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    for path in ("/api/v1/appels-d-offres/", "/api/v1/structures/{slug}/", "/api/v1/charte/"):
        assert f"GET {path}" in html
    assert "contact_email" in html and "(peut être absent)" in html
    assert "<script" not in html.split("</header>", 1)[1].split("<footer", 1)[0], "no script in the page body"
