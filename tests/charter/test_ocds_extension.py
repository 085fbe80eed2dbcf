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

from charter import imports
from structures.models import LegalForm, ReservedMarket
from structures.validators import make_siret
from tenders import ocds
from tenders.models import Award, AwardSource, TenderStatus
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


DECP = (
    "id;acheteur.id;objet;montant;dateNotification;titulaire_id_1;titulaire_denominationSociale_1;titulaire_id_2;"
    "titulaire_denominationSociale_2;codeCPV;lieuExecution.nom;heuresTravaillees;heuresInsertion\n"
    "2024-IMP-1;13000000000000;Restauration des bénévoles;300000;2024-05-02;{lead};Solidaire SAS;{member};"
    "Insertion Nord;55520000-1;Saint-Denis;1500;300\n"
)


def import_decp(buyer, content: bytes, capture) -> None:
    """Awards made outside the platform, imported the buyers' way (dry run, then apply)."""
    award_import = imports.import_check(buyer=buyer, content=content, filename="decp.csv", by=None)
    with capture(execute=True):
        imports.import_start_apply(award_import=award_import, by=None)


@pytest.fixture
def package(client, django_capture_on_commit_callbacks):
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
    # A contract passed outside the platform by a groupement, imported from the buyer's DECP.
    member = StructureFactory(legal_form=LegalForm.EI, name="Insertion Nord", siret=make_siret(4343))
    content = DECP.format(lead=company.siret, member=member.siret).encode()
    import_decp(buyer, content, django_capture_on_commit_callbacks)
    assert Award.objects.filter(source=AwardSource.IMPORT).count() == 1
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
    [release] = [r for r in package["releases"] if r.get("tender", {}).get("title") == "Collecte des déchets"]
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
    assert all(r.get("tender", {}).get("title") != "Marché de services numéro" for r in package["releases"])
    # The inactive award is not published; the imported one is a release of its own (below).
    assert sum(len(r.get("awards", [])) for r in package["releases"] if "tender" in r) == 2


def test_every_release_is_valid_against_the_extended_schema_and_declares_every_field(client, package):
    assert any("decp-" in r["ocid"] for r in package["releases"])  # an imported award is checked too
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
    [release] = [r for r in package["releases"] if r.get("tender", {}).get("title") == "Collecte des déchets"]
    dates = sorted(a["date"] for a in release["awards"])
    assert dates[0].startswith("2024-03-01T00:00:00+01:00")
    assert timezone.localdate().isoformat() in dates[1]


def test_an_imported_award_is_a_release_of_its_own_with_its_buyer_groupement_and_hours(package):
    [release] = [r for r in package["releases"] if "tender" not in r]

    assert release["ocid"] == f"{ocds.ocds_prefix()}decp-13000000000000-2024-IMP-1"
    assert release["id"].startswith(release["ocid"] + "-")
    assert release["tag"] == ["award", "contract"]
    [buyer] = [p for p in release["parties"] if "buyer" in p["roles"]]
    assert (buyer["name"], buyer["identifier"]["id"]) == ("SOLIDEO", "13000000000000")
    assert release["buyer"] == {"id": buyer["id"], "name": "SOLIDEO"}
    [award] = release["awards"]
    assert award["title"] == "Restauration des bénévoles"
    assert award["value"] == {"amount": 300000.0, "currency": "EUR"}
    assert (award["charterCategory"], award["source"]) == ("ess", "import")
    assert award["charterCategoryReason"].startswith("Mandataire d'un groupement de 2 titulaires.")
    assert [s["name"] for s in award["suppliers"]] == ["Solidaire SAS", "Insertion Nord"]
    assert award["items"] == [{"id": "1", "classification": {"scheme": "CPV", "id": "55520000-1"}}]
    assert award["description"] == "Lieu d'exécution : Saint-Denis"
    assert award["date"].startswith("2024-05-02T00:00:00+02:00")
    [contract] = release["contracts"]
    assert contract["awardID"] == award["id"]
    assert contract["workedHours"] == {"plannedTotal": 1500, "plannedInsertion": 300}
    suppliers = {p["name"] for p in release["parties"] if "supplier" in p["roles"]}
    assert suppliers == {"Solidaire SAS", "Insertion Nord"}


def test_imported_releases_follow_the_tenders_across_pages_in_bounded_queries(
    client, settings, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    settings.OCDS_PAGE_SIZE = 2
    buyer = BuyerOrganisationFactory(name="Ville de Saint-Denis", siret="")
    for number in range(3):
        open_tender(title=f"Marché {number}", buyer=buyer)
    rows = "".join(f"D-{n};;Achat {n};{1000 + n};2024-06-0{n + 1};;Entreprise {n};;;;;;\n" for n in range(3))
    import_decp(buyer, (DECP.split("\n")[0] + "\n" + rows).encode(), django_capture_on_commit_callbacks)

    pages = []
    for page in (1, 2, 3):
        with django_assert_max_num_queries(9):  # savepoints, both counts, tenders' page and prefetches, awards
            response = client.get(reverse("tenders:ocds"), {"page": page})
        pages.append(response.json())

    ocids = [[r["ocid"] for r in p["releases"]] for p in pages]
    prefix = f"{ocds.ocds_prefix()}decp-acheteur{buyer.pk}-"
    assert [len(page) for page in ocids] == [2, 2, 2]
    assert not any(prefix in ocid for ocid in ocids[0])
    assert ocids[1][1] == f"{prefix}D-0"
    assert ocids[2] == [f"{prefix}D-1", f"{prefix}D-2"]
    assert "next" not in pages[2].get("links", {})
