"""The OCDS release package `/appels-d-offres/ocds.json`, validated against the official OCDS 1.1 JSON Schemas."""

import csv
import datetime
import json
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from jsonschema import Draft4Validator, FormatChecker

from structures.models import ReservedMarket
from tenders import ocds
from tenders.models import Procedure, TenderStatus
from tenders.services.documents import document_add
from tests.tenders.factories import BuyerOrganisationFactory, TenderFactory
from tests.tenders.public import open_tender, pdf

pytestmark = pytest.mark.django_db

SCHEMAS = Path(__file__).parent / "ocds"
URL = reverse("tenders:ocds")


def validator() -> Draft4Validator:
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    package["properties"]["releases"]["items"] = json.loads((SCHEMAS / "dereferenced-release-schema.json").read_text())
    return Draft4Validator(package, format_checker=FormatChecker())


def codes(codelist: str) -> set[str]:
    with (SCHEMAS / codelist).open() as handle:
        return {row["Code"] for row in csv.DictReader(handle)}


def fetch(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return response.json()


def assert_valid(package):
    errors = sorted(validator().iter_errors(package), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)


@pytest.fixture
def tenders():
    buyer = BuyerOrganisationFactory(name="SOLIDEO", siret="13000000000000")
    full = open_tender(
        title="Collecte des déchets",
        reference="SOL-42",
        buyer=buyer,
        procedure=Procedure.ADAPTED,
        cpv_codes=["90500000-2"],
        questions_deadline=timezone.now() + datetime.timedelta(days=3),
        contact_name="Achats",
        contact_email="achats@solideo.example.org",
        official_url="https://marches.example.org/42",
        lots=[
            {"title": "Collecte", "reserved": ReservedMarket.L2113_13, "insertion_hours": 800},
            {"title": "Tri", "estimated_value": 20_000},
        ],
    )
    document_add(tender=full, file=pdf("Règlement.pdf"), title="Règlement de la consultation")
    open_tender(title="Restreint", procedure=Procedure.RESTRICTED, estimated_value=None)
    open_tender(title="Clos", status=TenderStatus.CLOSED, days=-1, procedure=Procedure.NEGOTIATED)
    open_tender(title="Attribué", status=TenderStatus.AWARDED, days=-10)
    open_tender(title="Annulé", status=TenderStatus.CANCELLED)
    open_tender(title="Infructueux", status=TenderStatus.UNSUCCESSFUL, days=-3)
    TenderFactory(title="Brouillon")
    return full


def test_package_is_valid_against_the_official_schema(client, tenders):
    package = fetch(client)
    assert_valid(package)
    assert package["version"] == "1.1"
    assert package["uri"] == f"http://testserver{URL}"
    assert package["publisher"]["name"]
    assert any("ocds_lots_extension" in url for url in package["extensions"])
    assert datetime.datetime.fromisoformat(package["publishedDate"]).tzinfo is not None


def test_drafts_are_never_published_and_statuses_are_mapped(client, tenders):
    releases = {r["tender"]["title"]: r for r in fetch(client)["releases"]}
    assert "Brouillon" not in releases
    statuses = {title: r["tender"]["status"] for title, r in releases.items()}
    assert statuses == {
        "Collecte des déchets": "active",
        "Restreint": "active",
        "Clos": "active",  # bids closed, the tender process (evaluation, award) still taking place
        "Attribué": "complete",
        "Annulé": "cancelled",
        "Infructueux": "unsuccessful",
    }
    assert set(statuses.values()) <= codes("tenderStatus.csv")
    assert releases["Annulé"]["tag"] == ["tenderCancellation"]
    assert releases["Clos"]["tag"] == ["tender"]


def test_procurement_methods(client, tenders):
    releases = {r["tender"]["title"]: r["tender"] for r in fetch(client)["releases"]}
    assert releases["Collecte des déchets"]["procurementMethod"] == "open"
    assert releases["Collecte des déchets"]["procurementMethodDetails"] == "Procédure adaptée (MAPA)"
    assert releases["Restreint"]["procurementMethod"] == "selective"
    assert releases["Clos"]["procurementMethod"] == "limited"
    assert {t["procurementMethod"] for t in releases.values()} <= codes("method.csv")


def test_release_content(client, tenders, settings):
    settings.OCDS_PREFIX = "ocds-test01-"
    release = next(r for r in fetch(client)["releases"] if r["tender"]["id"] == "SOL-42")
    assert release["ocid"] == f"ocds-test01-{tenders.pk}"
    assert release["id"].startswith(release["ocid"] + "-")
    assert release["initiationType"] == "tender"
    assert release["buyer"] == {"id": f"ocds-test01-buyer-{tenders.buyer_id}", "name": "SOLIDEO"}
    (party,) = release["parties"]
    assert party["roles"] == ["buyer"] and party["id"] == release["buyer"]["id"]
    assert party["identifier"]["id"] == "13000000000000"
    assert party["contactPoint"]["email"] == "achats@solideo.example.org"

    tender = release["tender"]
    assert tender["value"] == {"amount": 100000.0, "currency": "EUR"}
    assert datetime.datetime.fromisoformat(tender["tenderPeriod"]["endDate"]) == tenders.bid_deadline
    assert tender["tenderPeriod"]["endDate"].endswith(("+01:00", "+02:00"))  # Europe/Paris offset
    assert datetime.datetime.fromisoformat(tender["enquiryPeriod"]["endDate"]) == tenders.questions_deadline

    lots = tender["lots"]
    assert [lot["title"] for lot in lots] == ["Collecte", "Tri"]
    assert lots[0]["reservedMarket"] == "L2113-13" and lots[0]["insertionHours"] == 800
    assert lots[1]["value"] == {"amount": 20000.0, "currency": "EUR"}
    items = {item["id"]: item for item in tender["items"]}
    assert items["cpv-90500000-2"]["classification"] == {"scheme": "CPV", "id": "90500000-2"}
    assert items["lot-1"]["relatedLot"] == lots[0]["id"]

    (document,) = tender["documents"]
    assert document["documentType"] == "biddingDocuments"
    assert document["format"] == "application/pdf"
    download = reverse("tenders:document", kwargs={"slug": tenders.slug, "pk": tenders.documents.get().pk})
    assert document["url"] == f"http://testserver{download}"


def test_release_id_changes_with_the_tender(tenders):
    first = ocds.release(ocds.package_queryset().get(pk=tenders.pk))["id"]
    tenders.title = "Collecte et tri des déchets"
    tenders.save()
    second = ocds.release(ocds.package_queryset().get(pk=tenders.pk))["id"]
    assert first != second


def test_bounded_queries_and_pagination(client, django_assert_max_num_queries, small_ocds_pages):
    for number in range(5):
        open_tender(title=f"Marché {number}", lots=[{}, {}])
    with django_assert_max_num_queries(7):  # savepoints, count, page, lots, documents, awards (issue 12)
        package = fetch(client)
    assert len(package["releases"]) == 3
    assert package["links"]["next"].endswith("?page=2")
    assert_valid(package)
    second = fetch(client, page=2)
    assert len(second["releases"]) == 2 and "prev" in second["links"]
    assert_valid(second)


@pytest.fixture
def small_ocds_pages(settings):
    settings.OCDS_PAGE_SIZE = 3
    return 3


def test_the_schema_check_can_fail(client, tenders):
    package = fetch(client)
    package["releases"][0]["tender"]["status"] = "published"  # our status, not an OCDS code
    del package["publisher"]
    messages = [error.message for error in validator().iter_errors(package)]
    assert any("'published' is not one of" in message for message in messages)
    assert any("'publisher' is a required property" in message for message in messages)
