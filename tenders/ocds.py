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
- **Awards and contracts** (issue 12): each active award is an `award` (value, supplier, `relatedLots`) and a
  `contract` (value, `dateSigned` the award date, `workedHours`); the winner is a `supplier` party (its SIRET as
  identifier when it is on the platform). Fields OCDS lacks are declared in the project's own extension
  (`charter/ocds_extension/`, served at `/charte/ocds/extension.json` and listed in `extensions`).
- **Awards made outside the platform** (imported from the buyer's DECP, `charter.imports`): each active imported
  award is a release of its own, after the tenders' (`package_queryset`): ocid `settings.OCDS_PREFIX` + `decp-` + the
  buyer's SIRET (or `acheteur<id>` without one) + `-` + the DECP `id` (a DECP id is unique per buyer only), tag
  `award` + `contract`, no `tender`; the buyer party, one award (title, CPV as an item, place of performance in its
  description, the holders of a groupement as its suppliers) and its contract with the hours, like the others.
- **Amendments** ("avis rectificatifs", `TenderAmendment`): `tender.amendments`, oldest first, each with `id` (its
  number on this tender: "1", "2"…), `date`, `rationale` (the buyer's note) and `description` (what changed, in
  French: "Date limite de remise des offres : 18 décembre 2026 à 12:00 (au lieu de 5 janvier 2027 à 12:00)").
  The release of an amended tender is tagged `tenderAmendment`, and its date is the latest amendment's if later.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import OuterRef, Prefetch, QuerySet
from django.db.models.functions import JSONObject
from django.urls import reverse
from django.utils import timezone

from tenders.models import (
    Award,
    AwardSource,
    BuyerOrganisation,
    Lot,
    Procedure,
    Tender,
    TenderAmendment,
    TenderDocument,
    TenderStatus,
)

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


def tenders_queryset() -> QuerySet[Tender]:
    """Published tenders with everything a release needs, in a fixed number of queries."""
    return (
        Tender.objects.published()
        .select_related("buyer")
        .defer("search_vector")
        .prefetch_related(
            Prefetch("lots", queryset=Lot.objects.order_by("number")),
            Prefetch("documents", queryset=TenderDocument.objects.order_by("title", "pk")),
            # Active awards only (issue 12): one per lot, or one for a tender without lots.
            Prefetch(
                "awards",
                queryset=Award.objects.filter(is_active=True).select_related("winner", "lot").order_by("pk"),
                to_attr="ocds_awards",
            ),
        )
        # The amendments ride along in the same query (no extra query per page): [{created_at, note, changes}].
        .annotate(
            ocds_amendments=ArraySubquery(
                TenderAmendment.objects.filter(tender=OuterRef("pk"))
                .order_by("created_at", "pk")
                .values(json=JSONObject(created_at="created_at", note="note", changes="changes"))
            )
        )
        .order_by("pk")
    )


def imported_awards_queryset() -> QuerySet[Award]:
    """Active awards imported from DECP (no tender on the platform), each published as a release of its own."""
    return (
        Award.objects.filter(source=AwardSource.IMPORT, tender__isnull=True, is_active=True)
        .select_related("buyer", "winner")
        .prefetch_related("co_contractors")
        .order_by("pk")
    )


class PackageItems:
    """What the package publishes, in a fixed order: the published tenders (by id), then the imported awards (by id).

    A sequence for `Paginator` (`count()` and slicing): both counts in one query, each page in a fixed number of
    queries. `get(**lookups)` reads one tender with everything its release needs (`tenders_queryset()`).
    """

    def __init__(self):
        self.tenders = tenders_queryset()
        self.imported = imported_awards_queryset()
        self._counts: tuple[int, int] | None = None

    def counts(self) -> tuple[int, int]:
        """(published tenders, imported awards), in one query."""
        if self._counts is None:
            tender_sql, tender_params = Tender.objects.published().order_by().values("pk").query.sql_with_params()
            award_sql, award_params = (
                Award.objects.filter(source=AwardSource.IMPORT, tender__isnull=True, is_active=True)
                .order_by()
                .values("pk")
                .query.sql_with_params()
            )
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT (SELECT COUNT(*) FROM ({tender_sql}) t), (SELECT COUNT(*) FROM ({award_sql}) a)",  # noqa: S608 — the ORM's own SQL, values passed as parameters
                    (*tender_params, *award_params),
                )
                tenders, awards = cursor.fetchone()
            self._counts = (tenders, awards)
        return self._counts

    def count(self) -> int:
        return sum(self.counts())

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index):
        if not isinstance(index, slice):
            items = self[index : index + 1]
            if not items:
                raise IndexError(index)
            return items[0]
        start, stop = index.start or 0, index.stop if index.stop is not None else self.count()
        tender_count = self.counts()[0]
        items: list = list(self.tenders[start : min(stop, tender_count)]) if start < tender_count else []
        if stop > tender_count:
            items += list(self.imported[max(start - tender_count, 0) : stop - tender_count])
        return items

    def get(self, **lookups) -> Tender:
        return self.tenders.get(**lookups)


def package_queryset() -> PackageItems:
    """What the package view paginates: the published tenders, then the imported awards (see PackageItems)."""
    return PackageItems()


def _date(moment) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def _value(amount: Decimal | None) -> dict | None:
    return {"amount": float(amount), "currency": "EUR"} if amount is not None else None


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def buyer_party_id(buyer: BuyerOrganisation) -> str:
    return f"{ocds_prefix()}buyer-{buyer.pk}"


def _organisation_party(buyer: BuyerOrganisation) -> dict:
    party = {"id": buyer_party_id(buyer), "name": buyer.name, "roles": ["buyer"]}
    if buyer.siret:
        party["identifier"] = {"id": buyer.siret, "legalName": buyer.name}
    return party


def _buyer_party(tender: Tender) -> dict:
    party = _organisation_party(tender.buyer)
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


def _amendments(tender: Tender) -> list[TenderAmendment]:
    """Oldest first (annotated by `tenders_queryset`; read here for a tender fetched otherwise)."""
    rows = getattr(tender, "ocds_amendments", None)
    if rows is None:
        return list(tender.amendments.order_by("created_at", "pk"))
    return [
        TenderAmendment(
            tender_id=tender.pk,
            created_at=datetime.datetime.fromisoformat(row["created_at"]),
            note=row["note"],
            changes=row["changes"],
        )
        for row in rows
    ]


def _amendment(number: int, amendment: TenderAmendment) -> dict:
    lines = []
    for name, change in (amendment.changes or {}).items():
        if name == "description":
            lines.append(f"{change.get('label', name)} : modifiée.")
        else:
            label, after, before = change.get("label", name), change.get("after", ""), change.get("before", "")
            lines.append(f"{label} : {after} (au lieu de {before})")
    data = {"id": str(number), "date": _date(amendment.created_at), "rationale": amendment.note}
    if lines:
        data["description"] = " ; ".join(lines)
    return data


def _structure_party(structure) -> dict:
    return {
        "id": f"{ocds_prefix()}structure-{structure.pk}",
        "name": structure.name,
        "identifier": {"id": structure.siret, "legalName": structure.name},
        "roles": ["supplier"],
    }


def _supplier_party(award: Award) -> dict:
    if award.winner_id:
        return _structure_party(award.winner)
    return {"id": f"{ocds_prefix()}supplier-{award.pk}", "name": award.winner_name, "roles": ["supplier"]}


def _award_and_contract(award: Award, identifier: str, suppliers: list[dict]) -> tuple[dict, dict]:
    """The OCDS `award` and `contract` of one of our awards (see `_awards` for the fields of the extension)."""
    award_id = f"{identifier}-award-{award.pk}"
    signed = _date(timezone.make_aware(datetime.datetime.combine(award.awarded_on, datetime.time())))
    data = {
        "id": award_id,
        "status": "active",
        "date": signed,
        "value": _value(award.amount),
        "suppliers": [{"id": party["id"], "name": party["name"]} for party in suppliers],
        "charterCategory": award.winner_category,
        "essShareValue": _value(award.ess_share_amount),
        "source": award.source,
    }
    if award.winner_category_reason:
        data["charterCategoryReason"] = award.winner_category_reason
    contract = {
        "id": f"{identifier}-contract-{award.pk}",
        "awardID": award_id,
        "status": "active",
        "value": _value(award.amount),
        "dateSigned": signed,
    }
    hours = {
        "plannedTotal": award.total_hours_planned or None,
        "plannedInsertion": award.insertion_hours_planned if award.total_hours_planned else None,
        "achievedTotal": award.total_hours_achieved,
        "achievedInsertion": award.insertion_hours_achieved,
    }
    hours = {key: value for key, value in hours.items() if value is not None}
    if hours:
        contract["workedHours"] = hours
    return data, contract


def _awards(tender: Tender, identifier: str) -> tuple[list[dict], list[dict], list[dict]]:
    """`awards`, `contracts` (with the hours) and the supplier parties of a tender's active awards.

    The fields OCDS does not have (charterCategory, charterCategoryReason, essShareValue, source, workedHours)
    are declared in the project's extension (charter/ocds_extension, served at /charte/ocds/extension.json).
    """
    rows = getattr(tender, "ocds_awards", None)
    if rows is None:
        rows = list(tender.awards.filter(is_active=True).select_related("winner", "lot").order_by("pk"))
    awards, contracts, parties = [], [], {}
    for award in rows:
        party = _supplier_party(award)
        parties.setdefault(party["id"], party)
        data, contract = _award_and_contract(award, identifier, [party])
        if award.lot_id:
            data["relatedLots"] = [str(award.lot.number)]
        awards.append(data)
        contracts.append(contract)
    return awards, contracts, list(parties.values())


def last_change(tender: Tender):
    amendments = _amendments(tender)
    moments = (
        tender.updated_at,
        tender.status_changed_at,
        tender.published_at,
        amendments[-1].created_at if amendments else None,
    )
    return max(moment for moment in moments if moment)


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
    amendments = _amendments(tender)
    if amendments:
        tender_data["amendments"] = [_amendment(number, a) for number, a in enumerate(amendments, start=1)]
    identifier = ocid(tender)
    changed = last_change(tender)
    awards, contracts, suppliers = _awards(tender, identifier)
    return {
        "ocid": identifier,
        "id": f"{identifier}-{timezone.localtime(changed):%Y%m%dT%H%M%S%f}",
        "date": _date(changed),
        "tag": (
            ["tenderCancellation"]
            if tender.status == TenderStatus.CANCELLED
            else ["tenderAmendment"]
            if amendments
            else ["tender"]
        )
        + (["award", "contract"] if awards else []),
        "initiationType": "tender",
        "language": "fr",
        "parties": [_buyer_party(tender), *suppliers],
        "buyer": {"id": buyer_party_id(tender.buyer), "name": tender.buyer.name},
        "tender": tender_data,
        **({"awards": awards, "contracts": contracts} if awards else {}),
    }


def imported_ocid(award: Award) -> str:
    """The prefix + "decp-" + the buyer's SIRET (or its id) + the DECP id: a DECP id is unique per buyer only."""
    buyer = award.buyer
    return f"{ocds_prefix()}decp-{buyer.siret or f'acheteur{buyer.pk}'}-{award.external_id}"


def imported_release(award: Award) -> dict:
    """The release of an award imported from DECP: no tender here, only the award and its contract."""
    identifier = imported_ocid(award)
    suppliers = [_supplier_party(award)]
    members = getattr(award, "_prefetched_objects_cache", {}).get("co_contractors")
    members = list(members if members is not None else award.co_contractors.all())
    suppliers += [_structure_party(member) for member in sorted(members, key=lambda m: m.pk)]
    suppliers = list({party["id"]: party for party in suppliers}.values())
    data, contract = _award_and_contract(award, identifier, suppliers)
    data["title"] = award.title
    if award.place:
        data["description"] = f"Lieu d'exécution : {award.place}"
    if award.cpv_code:
        data["items"] = [{"id": "1", "classification": {"scheme": "CPV", "id": award.cpv_code}}]
    contract["title"] = award.title
    return {
        "ocid": identifier,
        "id": f"{identifier}-{timezone.localtime(award.created_at):%Y%m%dT%H%M%S%f}",
        "date": _date(award.created_at),
        "tag": ["award", "contract"],
        "initiationType": "tender",
        "language": "fr",
        "parties": [_organisation_party(award.buyer), *suppliers],
        "buyer": {"id": buyer_party_id(award.buyer), "name": award.buyer.name},
        "awards": [data],
        "contracts": [contract],
    }


def release_package(
    items: Iterable[Tender | Award], *, uri: str, next_uri: str | None = None, prev_uri: str | None = None
) -> dict:
    """The package envelope around one release per tender, then per imported award (`package_queryset`).

    `publishedDate` is the date of the latest change.
    """
    items = list(items)
    releases = [release(item) if isinstance(item, Tender) else imported_release(item) for item in items]
    latest = (
        max(
            (last_change(item) if isinstance(item, Tender) else item.created_at for item in items),
            default=None,
        )
        or timezone.now()
    )
    package = {
        "uri": uri,
        "version": OCDS_VERSION,
        "extensions": [*EXTENSIONS, _absolute(reverse("charter:ocds_extension"))],
        "publishedDate": _date(latest),
        "publisher": {"name": "ESS 2024 — Les Canaux", "uri": settings.SITE_URL},
        "license": LICENSE,
        "releases": releases,
    }
    if next_uri or prev_uri:
        package["extensions"].append(PAGINATION_EXTENSION)
        package["links"] = {key: value for key, value in (("next", next_uri), ("prev", prev_uri)) if value}
    return package
