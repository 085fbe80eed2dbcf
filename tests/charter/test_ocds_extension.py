"""Awards and contracts in the OCDS package, every added field declared in the project's extension (issue 12).

The extended schema is the official OCDS 1.1 release schema (copied in tests/charter/ocds from ../shared/ocds-1.1),
patched (JSON Merge Patch, as OCDS tools do) with the lots extension's fields the package uses and with the patch
the site serves at /charte/ocds/release-schema.json. Every release must validate against it, and walking the data
beside the schema must find no undeclared field — what the OCDS review tool reports as "additional fields".
"""

import copy
import datetime
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft4Validator, FormatChecker

from structures.models import LegalForm, ReservedMarket
from tenders.models import Award, TenderStatus
from tenders.services.lifecycle import tender_award
from tests.charter.factories import AwardFactory
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)
from tests.tenders.public import open_tender

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

SCHEMAS = Path(__file__).resolve().parent / "ocds"

# The fields of the OCDS lots extension (v1.1.5) that the package uses.
LOTS_EXTENSION = {
    "definitions": {
        "Tender": {"properties": {"lots": {"type": "array", "items": {"$ref": "#/definitions/Lot"}}}},
        "Item": {"properties": {"relatedLot": {"type": ["string", "null"]}}},
        "Award": {"properties": {"relatedLots": {"type": ["array", "null"], "items": {"type": "string"}}}},
        "Lot": {
            "type": "object",
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "title": {"type": ["string", "null"]},
                "description": {"type": ["string", "null"]},
                "status": {"type": ["string", "null"]},
                "value": {"$ref": "#/definitions/Value"},
            },
        },
    }
}


def merge_patch(target, patch):
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def extended_schema(client) -> dict:
    schema = json.loads((SCHEMAS / "release-schema.json").read_text())
    schema = merge_patch(schema, LOTS_EXTENSION)
    return merge_patch(schema, client.get(reverse("charter:ocds_release_schema")).json())


def resolve(schema: dict, root: dict) -> dict:
    while "$ref" in schema:
        schema = root["definitions"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def undeclared(data, schema: dict, root: dict, path: str = "") -> list[str]:
    """The paths of fields in `data` that `schema` does not declare (where it declares properties at all)."""
    schema = resolve(schema, root)
    found = []
    if isinstance(data, dict) and "properties" in schema:
        for key, value in data.items():
            if key not in schema["properties"]:
                found.append(f"{path}/{key}")
            else:
                found += undeclared(value, schema["properties"][key], root, f"{path}/{key}")
    elif isinstance(data, list) and isinstance(schema.get("items"), dict):
        for value in data:
            found += undeclared(value, schema["items"], root, f"{path}/[]")
    return found


@pytest.fixture
def package(client):
    buyer = BuyerOrganisationFactory(name="SOLIDEO", siret="13000000000000")
    tender = open_tender(
        title="Collecte des déchets",
        buyer=buyer,
        lots=[
            {"title": "Collecte", "reserved": ReservedMarket.L2113_13, "insertion_hours": 800},
            {"title": "Tri", "estimated_value": 20_000},
        ],
    )
    collect, sort = tender.lots.order_by("number")
    tender.status = TenderStatus.CLOSED
    tender.save()
    company = StructureFactory(legal_form=LegalForm.OTHER, esus_accredited=True, name="Solidaire SAS")
    tender_award(
        tender=tender,
        by=None,
        awards=[
            {
                "lot": collect,
                "winner": company,
                "amount": 80_000,
                "total_hours_planned": 2000,
                "insertion_hours_planned": 800,
                "awarded_on": datetime.date(2024, 3, 1),
            },
            {"lot": sort, "winner_name": "Grande Entreprise SA", "winner_category": "large", "amount": 50_000},
        ],
    )
    replaced = AwardFactory(amount=Decimal("1"))  # on another tender, made inactive: not published
    Award.objects.filter(pk=replaced.pk).update(is_active=False)
    response = client.get(reverse("tenders:ocds"))
    assert response.status_code == 200
    return response.json()


def test_the_package_lists_the_projects_extension_and_the_site_serves_it(client, package):
    url = "http://testserver" + reverse("charter:ocds_extension")
    assert url in package["extensions"]
    extension = client.get(reverse("charter:ocds_extension")).json()
    assert extension["schemas"] == ["release-schema.json"]
    assert extension["compatibility"] == ["1.1"]
    assert extension["documentationUrl"]["fr"] == "http://testserver/charte/#methode"
    # The patch sits next to extension.json, as OCDS tools expect.
    assert (
        client.get(url.rsplit("/", 1)[0].replace("http://testserver", "") + "/release-schema.json").status_code == 200
    )


def test_awards_and_contracts_are_in_the_package_with_their_hours(package):
    [release] = [r for r in package["releases"] if r["tender"]["title"] == "Collecte des déchets"]
    assert release["tag"] == ["tender", "award", "contract"]
    awards = {a["relatedLots"][0]: a for a in release["awards"]}
    assert awards["1"]["charterCategory"] == "ess"
    assert "ESUS" in awards["1"]["charterCategoryReason"]
    assert awards["1"]["value"] == {"amount": 80000.0, "currency": "EUR"}
    assert awards["2"]["charterCategory"] == "large"
    contracts = {c["awardID"]: c for c in release["contracts"]}
    assert contracts[awards["1"]["id"]]["workedHours"] == {"plannedTotal": 2000, "plannedInsertion": 800}
    assert "workedHours" not in contracts[awards["2"]["id"]]  # no hours entered: none invented
    suppliers = {p["name"]: p for p in release["parties"] if "supplier" in p["roles"]}
    assert set(suppliers) == {"Solidaire SAS", "Grande Entreprise SA"}
    assert all(r["tender"]["title"] != "Marché de services numéro" for r in package["releases"])
    assert sum(len(r.get("awards", [])) for r in package["releases"]) == 2  # the inactive award is not published


def test_every_release_is_valid_against_the_extended_schema_and_declares_every_field(client, package):
    schema = extended_schema(client)
    validator = Draft4Validator(schema, format_checker=FormatChecker())
    for release in package["releases"]:
        errors = sorted(validator.iter_errors(release), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)
        assert undeclared(release, schema, schema) == []


def test_without_the_extension_the_added_fields_would_be_reported(client, package):
    """The check above can fail: against the official schema and the lots extension alone, our fields show."""
    schema = merge_patch(json.loads((SCHEMAS / "release-schema.json").read_text()), LOTS_EXTENSION)
    found = set()
    for release in package["releases"]:
        found |= {path.rsplit("/", 1)[-1] for path in undeclared(release, schema, schema)}
    assert {"insertionHours", "reservedMarket", "charterCategory", "workedHours", "essShareValue"} <= found


def test_the_awards_date_is_the_award_date_in_paris_time(package):
    [release] = [r for r in package["releases"] if r["tender"]["title"] == "Collecte des déchets"]
    dates = sorted(a["date"] for a in release["awards"])
    assert dates[0].startswith("2024-03-01T00:00:00+01:00")
    assert timezone.localdate().isoformat() in dates[1]
