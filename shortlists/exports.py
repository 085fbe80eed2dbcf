"""A shortlist as CSV or XLSX, with the columns the user chose.

The rows are the directory export's (structures.exports: one query with topics, sectors and areas as arrays, choice
labels resolved once, spreadsheet formulas neutralised), narrowed to the chosen columns, plus the list's own note.
CSV: UTF-8 with a BOM and `;` as separator, as the directory export.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from shortlists.models import Shortlist
from structures import exports as directory
from structures.models import Structure

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    index: int | None  # position in the directory export's row; None: the list's note


# The directory export's columns (structures.exports.HEADER, same order), under stable keys for the URL.
_DIRECTORY_KEYS = [
    "siret",
    "name",
    "legal_form",
    "category",
    "esus",
    "reserved_markets",
    "topics",
    "sectors",
    "areas",
    "headcount",
    "turnover",
    "insertion_people",
    "insertion_hours",
    "address",
    "postcode",
    "city",
    "website",
    "contact_name",
    "contact_email",
    "contact_phone",
    "verification",
    "verified_at",
    "profile_url",
]
if len(_DIRECTORY_KEYS) != len(directory.HEADER):
    raise ImproperlyConfigured("structures.exports.HEADER changed: update shortlists.exports._DIRECTORY_KEYS")

# The order of the file's columns, and of the checkboxes: the most asked-for first.
_ORDER = [
    "name",
    "siret",
    "category",
    "legal_form",
    "topics",
    "areas",
    "city",
    "postcode",
    "address",
    "contact_name",
    "contact_email",
    "contact_phone",
    "website",
    "profile_url",
    "note",
    "esus",
    "reserved_markets",
    "sectors",
    "headcount",
    "turnover",
    "insertion_people",
    "insertion_hours",
    "verified_at",
]

_BY_KEY = {key: Column(key, directory.HEADER[index], index) for index, key in enumerate(_DIRECTORY_KEYS)}
_BY_KEY["note"] = Column("note", _("Note de la liste"), None)
COLUMNS: list[Column] = [_BY_KEY[key] for key in _ORDER]
DEFAULT_COLUMNS = ["name", "siret", "category", "topics", "city", "contact_email", "profile_url", "note"]
FORMATS = ("csv", "xlsx")


def column_choices() -> list[tuple[str, str]]:
    return [(column.key, column.label) for column in COLUMNS]


def _columns(keys: list[str]) -> list[Column]:
    wanted = set(keys)
    return [column for column in COLUMNS if column.key in wanted]


def rows(shortlist: Shortlist, keys: list[str]) -> tuple[list[str], list[list]]:
    """(header, rows) of the list with the chosen columns, structures by name. Two queries."""
    columns = _columns(keys)
    structures = Structure.objects.filter(shortlist_entries__shortlist=shortlist).order_by("name", "pk")
    notes = dict(shortlist.entries.values_list("structure__slug", "note"))
    labels = directory._labels()
    site_url = settings.SITE_URL
    slug_index = directory.FIELDS.index("slug")
    body = []
    for values in directory.export_queryset(structures):
        row = directory.format_row(values, labels=labels, site_url=site_url)
        note = directory._text(notes.get(values[slug_index], ""))
        body.append([note if column.index is None else row[column.index] for column in columns])
    return [str(column.label) for column in columns], body


def filename(shortlist: Shortlist, extension: str) -> str:
    stem = slugify(shortlist.name)[:60] or f"liste-{shortlist.pk}"
    return f"{stem}-{timezone.localdate():%Y-%m-%d}.{extension}"


def export_csv(shortlist: Shortlist, keys: list[str]) -> HttpResponse:
    header, body = rows(shortlist, keys)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=directory.DELIMITER, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(body)
    response = HttpResponse(directory.BOM + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename(shortlist, "csv")}"'
    response["Cache-Control"] = "private, no-store"
    return response


def export_xlsx(shortlist: Shortlist, keys: list[str]) -> HttpResponse:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    header, body = rows(shortlist, keys)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = gettext("Structures")
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in body:
        sheet.append(row)
    for number, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = max(14, min(50, len(title) + 4))
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename(shortlist, "xlsx")}"'
    response["Cache-Control"] = "private, no-store"
    return response
