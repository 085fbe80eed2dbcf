"""The structures interested in a tender, for its buyer: a page in the admin, and its CSV and XLSX exports.

`/admin/tenders/tender/<id>/interesses/` (`admin:tenders_tender_interested`) and `…/interesses/export.csv|xlsx`
(`admin:tenders_tender_interested_export`). Scoped like the rest of the tender admin: another organisation's
tender is a 404. A buyer sees the contact person and email of a structure because the structure said
"Intéressé" (the person who answered, else the structure's public contact).

The rows are read in a fixed number of queries whatever the number of interests: the interests with their
structure and person, then the match score and reasons of all these structures in one matching query (the same
computation as the tender page's "Pourquoi cet appel d'offres vous correspond", for a set of structures).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext

from structures.models import ReservedMarket, Structure
from tenders.models import Interest, Tender

# What a row needs of a structure (the rest, such as its description or search vector, is never read here).
STRUCTURE_FIELDS = (
    "name",
    "slug",
    "siret",
    "city",
    "legal_form",
    "category",
    "eligible_l2113_12",
    "eligible_l2113_13",
    "eligible_l2113_15",
    "contact_name",
    "contact_email",
    "contact_phone",
)
PAGE_SIZE = 100  # rows on the page; the exports hold them all
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class InterestedRow:
    structure: Structure
    answered_at: object
    category: str
    eligibility: list[str]
    score: int | None
    reasons: list[str] = field(default_factory=list)
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    profile_path: str = ""


def _matches(tender: Tender, structure_ids: list[int]) -> dict[int, tuple[int, list[str]]]:
    """{structure id: (score, reasons)} for the structures that match `tender`, in one matching query."""
    from matching.services import MATCH_FIELDS, TenderSide  # the matching app ranks; tenders only shows

    if not structure_ids:
        return {}
    side = TenderSide.load(tender)
    rows = side.queryset(Structure.objects.filter(pk__in=structure_ids)).values("pk", "turnover", *MATCH_FIELDS)
    result = {}
    for row in rows:
        match = side.match(row)
        result[row["pk"]] = (match.score, match.reasons)
    return result


def interested_rows(tender: Tender) -> list[InterestedRow]:
    """The structures that said "Intéressé", best match first, with what the buyer needs to contact them."""
    interests = list(
        Interest.objects.filter(tender=tender, answer=Interest.Answer.INTERESTED)
        .select_related("structure", "user")
        .only(
            "pk",
            "tender_id",
            "structure_id",
            "user_id",
            "updated_at",
            *(f"structure__{name}" for name in STRUCTURE_FIELDS),
            *(f"user__{name}" for name in ("email", "first_name", "last_name", "is_active")),
        )
        .order_by("-updated_at", "pk")
    )
    matches = _matches(tender, [interest.structure_id for interest in interests])
    labels = dict(ReservedMarket.choices)
    rows = []
    for interest in interests:
        structure = interest.structure
        person = interest.user if interest.user is not None and interest.user.is_active else None
        score, reasons = matches.get(structure.pk, (None, []))
        rows.append(
            InterestedRow(
                structure=structure,
                answered_at=interest.updated_at,
                category=str(structure.get_category_display()),
                eligibility=[str(labels[kind]) for kind in structure.reserved_markets],
                score=score,
                reasons=reasons,
                contact_name=(person.get_full_name() if person else "") or structure.contact_name,
                contact_email=person.email if person else structure.contact_email,
                contact_phone=structure.contact_phone,
                profile_path=reverse("structures:detail", kwargs={"slug": structure.slug}),
            )
        )
    rows.sort(key=lambda row: (-(row.score if row.score is not None else -1), row.structure.name.lower()))
    return rows


def _headers() -> list[str]:
    return [
        gettext("Structure"),
        gettext("SIRET"),
        gettext("Catégorie"),
        gettext("Marchés réservés accessibles"),
        gettext("Score de correspondance (sur 100)"),
        gettext("Pourquoi elle correspond"),
        gettext("Contact"),
        gettext("E-mail"),
        gettext("Téléphone"),
        gettext("Commune"),
        gettext("Intéressée depuis le"),
        gettext("Fiche publique"),
    ]


def _values(row: InterestedRow, site_url: str) -> list:
    return [
        row.structure.name,
        row.structure.siret,
        row.category,
        ", ".join(row.eligibility) or gettext("Aucun"),
        row.score if row.score is not None else "",
        " ".join(row.reasons),
        row.contact_name,
        row.contact_email,
        row.contact_phone,
        row.structure.city,
        date_format(timezone.localtime(row.answered_at), "d/m/Y"),
        site_url + row.profile_path,
    ]


def _filename(tender: Tender, extension: str) -> str:
    return f"structures-interessees-{slugify(tender.reference or tender.title)[:60] or tender.pk}.{extension}"


def export_csv(tender: Tender, rows: list[InterestedRow], site_url: str) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")  # what a French spreadsheet opens without asking
    writer.writerow(_headers())
    for row in rows:
        writer.writerow([_csv_safe(value) for value in _values(row, site_url)])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(tender, "csv")}"'
    return response


def _csv_safe(value):
    """No formula injection: a cell a spreadsheet would evaluate (=, +, -, @) is prefixed with a quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_xlsx(tender: Tender, rows: list[InterestedRow], site_url: str) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Structures intéressées")[:31]
    sheet.append(_headers())
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_csv_safe(value) for value in _values(row, site_url)])
    for column, width in zip("ABCDEFGHIJKL", (36, 16, 24, 40, 14, 80, 26, 32, 16, 20, 14, 50), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(tender, "xlsx")}"'
    return response


class InterestedStructuresMixin:
    """TenderAdmin's page of interested structures (needs `_managed_tender` and `_action_page`)."""

    def interested_view(self, request, object_id):
        tender = self._managed_tender(request, object_id, act=False)
        rows = interested_rows(tender)
        page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
        return self._action_page(
            request,
            tender,
            "tenders/admin/interested.html",
            gettext("Structures intéressées"),
            rows=page.object_list,
            page_obj=page,
            total=len(rows),
            csv_url=reverse("admin:tenders_tender_interested_export", args=[tender.pk, "csv"]),
            xlsx_url=reverse("admin:tenders_tender_interested_export", args=[tender.pk, "xlsx"]),
        )

    def interested_export_view(self, request, object_id, fmt):
        tender = self._managed_tender(request, object_id, act=False)
        exporter = {"csv": export_csv, "xlsx": export_xlsx}.get(fmt)
        if exporter is None:
            raise Http404(gettext("Cet élément n'existe pas."))
        return exporter(tender, interested_rows(tender), settings.SITE_URL)
