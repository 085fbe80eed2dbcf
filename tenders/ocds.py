"""Published tenders as an OCDS 1.1 release package (`/appels-d-offres/ocds.json`).

One release per tender, describing its latest state (tag `tender`, or `tenderCancellation` once cancelled).
The tests validate the output against the official OCDS 1.1 JSON Schemas (tests/tenders/ocds/).

Mapping choices
---------------
- **ocid**: `settings.OCDS_PREFIX` + the tender's database id (stable even if the slug or reference changes).
  **Release id**: ocid + the time of the tender's last change, so every new state is a new release.
- **tender.status** (closed `tenderStatus` codelist):
  - draft → never published (drafts are not in the package);
  - published → `active` ("a tender process is currently taking place");
  - closed → `active` as well: bids are no longer received but the tender process (evaluation, award) is still
    taking place; `complete` would say it is over, which is only true once awarded;
  - awarded → `complete`; cancelled → `cancelled`; unsuccessful → `unsuccessful`.
- **procurementMethod** (closed `method` codelist): open → `open`; restricted → `selective`; negotiated →
  `limited`; adapted procedure → `open`, with `procurementMethodDetails` "Procédure adaptée (MAPA)". The details
  always give the French procedure name.
- **Lots** (OCDS lots extension): `tender.lots` with id, title, description, value, status; a reserved lot
  carries `reservedMarket` (the article of the French public procurement code, a local field) and a lot with a
  social clause `insertionHours` (local field). Each lot is also an item (`items[].relatedLot`); CPV codes are
  the tender's `items[].classification` (scheme `CPV`).
- **Documents**: `biddingDocuments` with an absolute download URL, format (media type) and publication date.
- **Parties**: the buyer, with role `buyer` and the tender's contact point; `buyer` references it.
- **Values**: amounts in euros excluding VAT (`currency` `EUR`). Dates: ISO 8601 with the time zone offset.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from django.utils import timezone

from tenders.models import BuyerOrganisation, Lot, Procedure, Tender, TenderDocument, TenderStatus

OCDS_VERSION = "1.1"
EXTENSIONS = [
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
]
PAGINATION_EXTENSION = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_pagination_extension/master/extension.json"
)
LICENSE = "https://www.etalab.gouv.fr/licence-ouverte-open-licence/"

TENDER_STATUS = {
    TenderStatus.PUBLISHED: "active",
    TenderStatus.CLOSED: "active",
    TenderStatus.AWARDED: "complete",
    TenderStatus.CANCELLED: "cancelled",
    TenderStatus.UNSUCCESSFUL: "unsuccessful",
}

PROCUREMENT_METHOD = {
    Procedure.OPEN: "open",
    Procedure.RESTRICTED: "selective",
    Procedure.NEGOTIATED: "limited",
    Procedure.ADAPTED: "open",
}


def ocds_prefix() -> str:
    return getattr(settings, "OCDS_PREFIX", "ocds-ess2024-")


def ocid(tender: Tender) -> str:
    return f"{ocds_prefix()}{tender.pk}"


def package_queryset() -> QuerySet[Tender]:
    """Published tenders with everything a release needs, in a fixed number of queries."""
    return (
        Tender.objects.published()
        .select_related("buyer")
        .defer("search_vector")
        .prefetch_related(
            Prefetch("lots", queryset=Lot.objects.order_by("number")),
            Prefetch("documents", queryset=TenderDocument.objects.order_by("title", "pk")),
        )
        .order_by("pk")
    )


def _date(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _value(amount: Decimal | None) -> dict | None:
    return {"amount": float(amount), "currency": "EUR"} if amount is not None else None


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def buyer_party_id(buyer: BuyerOrganisation) -> str:
    return f"{ocds_prefix()}buyer-{buyer.pk}"


def _buyer_party(tender: Tender) -> dict:
    buyer = tender.buyer
    party = {"id": buyer_party_id(buyer), "name": buyer.name, "roles": ["buyer"]}
    if buyer.siret:
        party["identifier"] = {"id": buyer.siret, "legalName": buyer.name}
    contact = {key: value for key, value in (("name", tender.contact_name), ("email", tender.contact_email)) if value}
    if tender.official_url:
        contact["url"] = tender.official_url
    if contact:
        party["contactPoint"] = contact
    return party


def _lot(tender: Tender, lot: Lot, status: str) -> dict:
    data = {"id": str(lot.number), "title": lot.title, "status": status}
    if lot.description:
        data["description"] = lot.description
    if lot.estimated_value is not None:
        data["value"] = _value(lot.estimated_value)
    if lot.reserved:
        data["reservedMarket"] = lot.reserved
    if lot.insertion_hours:
        data["insertionHours"] = lot.insertion_hours
    return data


def _document(tender: Tender, document: TenderDocument) -> dict:
    url = reverse("tenders:document", kwargs={"slug": tender.slug, "pk": document.pk})
    data = {
        "id": str(document.pk),
        "documentType": "biddingDocuments",
        "title": document.title,
        "url": _absolute(url),
        "datePublished": _date(document.uploaded_at),
        "language": "fr",
    }
    if document.content_type:
        data["format"] = document.content_type
    return data


def last_change(tender: Tender):
    return max(moment for moment in (tender.updated_at, tender.status_changed_at, tender.published_at) if moment)


def release(tender: Tender) -> dict:
    status = TENDER_STATUS[tender.status]
    lots = list(tender.lots.all())
    documents = list(tender.documents.all())
    items = [{"id": f"cpv-{code}", "classification": {"scheme": "CPV", "id": code}} for code in tender.cpv_codes or []]
    items += [
        {
            "id": f"lot-{lot.number}",
            "description": lot.title,
            "relatedLot": str(lot.number),
            **({"classification": {"scheme": "CPV", "id": tender.cpv_codes[0]}} if tender.cpv_codes else {}),
        }
        for lot in lots
    ]
    tender_data = {
        "id": tender.reference,
        "title": tender.title,
        "description": tender.description,
        "status": status,
        "procurementMethod": PROCUREMENT_METHOD[tender.procedure],
        "procurementMethodDetails": str(Procedure(tender.procedure).label),
        "tenderPeriod": {"startDate": _date(tender.published_at), "endDate": _date(tender.bid_deadline)},
    }
    if tender.estimated_value is not None:
        tender_data["value"] = _value(tender.estimated_value)
    if tender.questions_deadline:
        tender_data["enquiryPeriod"] = {
            "startDate": _date(tender.published_at),
            "endDate": _date(tender.questions_deadline),
        }
    if items:
        tender_data["items"] = items
    if documents:
        tender_data["documents"] = [_document(tender, document) for document in documents]
    if lots:
        tender_data["lots"] = [_lot(tender, lot, status) for lot in lots]
    identifier = ocid(tender)
    changed = last_change(tender)
    return {
        "ocid": identifier,
        "id": f"{identifier}-{timezone.localtime(changed):%Y%m%dT%H%M%S%f}",
        "date": _date(changed),
        "tag": ["tenderCancellation"] if tender.status == TenderStatus.CANCELLED else ["tender"],
        "initiationType": "tender",
        "language": "fr",
        "parties": [_buyer_party(tender)],
        "buyer": {"id": buyer_party_id(tender.buyer), "name": tender.buyer.name},
        "tender": tender_data,
    }


def release_package(
    tenders: Iterable[Tender], *, uri: str, next_uri: str | None = None, prev_uri: str | None = None
) -> dict:
    """The package envelope around one release per tender. `publishedDate` is the date of the latest change."""
    tenders = list(tenders)
    releases = [release(tender) for tender in tenders]
    latest = max((last_change(tender) for tender in tenders), default=None) or timezone.now()
    package = {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": list(EXTENSIONS),
        "publishedDate": _date(latest),
        "publisher": {"name": "ESS 2024 — Les Canaux", "uri": settings.SITE_URL},
        "license": LICENSE,
        "releases": releases,
    }
    if next_uri or prev_uri:
        package["extensions"].append(PAGINATION_EXTENSION)
        package["links"] = {key: value for key, value in (("next", next_uri), ("prev", prev_uri)) if value}
    return package
