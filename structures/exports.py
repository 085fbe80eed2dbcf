"""The directory's CSV export, streamed row by row so that memory stays flat however many structures it holds.

One SQL query: the filtered queryset as `values_list`, with topics, sectors and areas gathered by array subqueries
(no N+1, and no join that would multiply rows), read through a server-side cursor (`iterator(chunk_size=…)`).
The file is UTF-8 with a BOM and `;` as separator, which is what Excel expects in French.
"""

import csv
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.db import transaction
from django.db.models import OuterRef, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from structures.categories import category_choices
from structures.models import (
    Headcount,
    LegalForm,
    ReservedMarket,
    Structure,
    Turnover,
    VerificationStatus,
)

CHUNK_SIZE = 2000
BOM = "\ufeff"
DELIMITER = ";"

RESERVED_LABELS = {market.value: market.label for market in ReservedMarket if market.value}
RESERVED_FIELDS = [
    (ReservedMarket.L2113_12.value, "eligible_l2113_12"),
    (ReservedMarket.L2113_13.value, "eligible_l2113_13"),
    (ReservedMarket.L2113_15.value, "eligible_l2113_15"),
]

HEADER = [
    _("SIRET"),
    _("Nom"),
    _("Forme juridique"),
    _("Catégorie"),
    _("Agrément ESUS"),
    _("Marchés réservés"),
    _("Thématiques"),
    _("Secteurs d'activité"),
    _("Zones d'intervention"),
    _("Effectif"),
    _("Chiffre d'affaires"),
    _("Personnes en insertion par an"),
    _("Heures d'insertion par an"),
    _("Adresse"),
    _("Code postal"),
    _("Commune"),
    _("Site web"),
    _("Nom du contact"),
    _("E-mail de contact"),
    _("Téléphone de contact"),
    _("Vérification"),
    _("Vérifiée le"),
    _("Fiche sur ESS 2024"),
]

FIELDS = [
    "siret",
    "name",
    "legal_form",
    "category",
    "esus_accredited",
    "eligible_l2113_12",
    "eligible_l2113_13",
    "eligible_l2113_15",
    "topic_names",
    "sector_names",
    "area_names",
    "headcount",
    "turnover",
    "insertion_people_per_year",
    "insertion_hours_per_year",
    "address",
    "postcode",
    "city",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "verification_status",
    "verified_at",
    "slug",
]

LIST_SEPARATOR = " | "
# A cell starting with one of these is a formula for Excel: prefixed with an apostrophe it stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write() returns the line: csv.writer then formats one row at a time."""

    def write(self, value: str) -> str:
        return value


def _names(relation, target: str) -> ArraySubquery:
    """The names of a structure's topics, sectors or areas as an array, in their display order."""
    links = relation.through.objects.filter(structure_id=OuterRef("pk"))
    return ArraySubquery(links.order_by(f"{target}__position", f"{target}__name").values(f"{target}__name"))


def export_queryset(queryset: QuerySet) -> QuerySet:
    """The rows of the export, as tuples in FIELDS order, for the (filtered, ordered) structure queryset."""
    return queryset.annotate(
        topic_names=_names(Structure.topics, "topic"),
        sector_names=_names(Structure.sectors, "sector"),
        area_names=_names(Structure.areas, "area"),
    ).values_list(*FIELDS)


def _text(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def format_row(row: tuple, *, labels: dict, site_url: str) -> list[str]:
    data = dict(zip(FIELDS, row, strict=True))
    markets = [market for market, field in RESERVED_FIELDS if data[field]]
    verified_at = data["verified_at"]
    return [
        data["siret"],
        _text(data["name"]),
        labels["legal_form"].get(data["legal_form"], data["legal_form"]),
        labels["category"].get(data["category"], data["category"]),
        labels["yes"] if data["esus_accredited"] else labels["no"],
        LIST_SEPARATOR.join(markets),
        LIST_SEPARATOR.join(data["topic_names"] or []),
        LIST_SEPARATOR.join(data["sector_names"] or []),
        LIST_SEPARATOR.join(data["area_names"] or []),
        labels["headcount"].get(data["headcount"], ""),
        labels["turnover"].get(data["turnover"], ""),
        "" if data["insertion_people_per_year"] is None else str(data["insertion_people_per_year"]),
        "" if data["insertion_hours_per_year"] is None else str(data["insertion_hours_per_year"]),
        _text(data["address"]),
        data["postcode"],
        _text(data["city"]),
        _text(data["website"]),
        _text(data["contact_name"]),
        _text(data["contact_email"]),
        _text(data["contact_phone"]),
        labels["status"].get(data["verification_status"], data["verification_status"]),
        timezone.localtime(verified_at).strftime("%d/%m/%Y") if verified_at else "",
        site_url + reverse("structures:detail", args=[data["slug"]]),
    ]


def _labels() -> dict:
    """Choice labels resolved once (in the active language), not once per row."""
    return {
        "legal_form": {key: str(label) for key, label in LegalForm.choices},
        "category": {key: str(label) for key, label in category_choices()},
        "headcount": {key: str(label) for key, label in Headcount.choices},
        "turnover": {key: str(label) for key, label in Turnover.choices},
        "status": {key: str(label) for key, label in VerificationStatus.choices},
        "yes": str(_("oui")),
        "no": str(_("non")),
    }


def iter_rows(queryset: QuerySet, *, chunk_size: int = CHUNK_SIZE) -> Iterator[list[str]]:
    """Formatted rows, read from a server-side cursor `chunk_size` rows at a time."""
    labels = _labels()
    site_url = settings.SITE_URL
    for row in export_queryset(queryset).iterator(chunk_size=chunk_size):
        yield format_row(row, labels=labels, site_url=site_url)


def stream_csv(queryset: QuerySet, *, chunk_size: int = CHUNK_SIZE) -> Iterable[str]:
    """The CSV file as a sequence of lines (BOM first), for a StreamingHttpResponse.

    It runs after the view has returned, outside the request's transaction: its own transaction keeps the
    server-side cursor a plain one (streamed by PostgreSQL) rather than a WITH HOLD cursor materialised at commit.
    """
    writer = csv.writer(_Echo(), delimiter=DELIMITER, lineterminator="\r\n")
    yield BOM + writer.writerow([str(title) for title in HEADER])
    with transaction.atomic():
        for row in iter_rows(queryset, chunk_size=chunk_size):
            yield writer.writerow(row)
