"""The charter's figures and the awards behind them as files: CSV (Excel in French opens it as is) and XLSX.

Public fields only, the same as the pages show. Awards are read with `values_list(...).iterator()` in chunks, and
the XLSX workbook is written in openpyxl's write-only mode, so a file of 100,000 awards never holds the rows as
model instances. A text cell that a spreadsheet would take for a formula is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from charter import selectors
from structures.categories import CATEGORY_LABELS
from tenders.models import Award, AwardSource, BuyerOrganisation

CSV_DELIMITER = ";"
BOM = "\ufeff"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    return "'" + value if value and value.startswith(_FORMULA_STARTS) else value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return str(value).replace(".", ",")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def _met(share: selectors.Share) -> str:
    if share.met is None:
        return _("pas encore de données")
    return _("oui") if share.met else _("non")


# --- Figures per buyer --------------------------------------------------------------------------------------------


def buyer_headers() -> list[str]:
    return [
        _("Acheteur"),
        _("Signataire de la charte"),
        _("Charte signée le"),
        _("Nombre d'attributions"),
        _("Montant attribué (€ HT)"),
        _("Montant ESS/TPE/PME (€ HT)"),
        _("Part ESS/TPE/PME (%)"),
        _("Objectif 25 % atteint"),
        _("Heures travaillées"),
        _("Heures d'insertion"),
        _("Part des heures d'insertion (%)"),
        _("Objectif 10 % atteint"),
        _("Attributions sans heures renseignées"),
    ]


def buyer_rows(rows: Iterable[selectors.BuyerRow]) -> Iterator[list]:
    for row in rows:
        buyer, figures = row.buyer, row.figures
        yield [
            safe_text(buyer.name),
            _("oui") if buyer.charter_signatory else _("non"),
            buyer.charter_signed_on,
            figures.award_count,
            figures.awarded_amount,
            figures.counted_amount,
            figures.value.value,
            _met(figures.value),
            figures.total_hours,
            figures.insertion_hours,
            figures.hours.value,
            _met(figures.hours),
            figures.no_hours_count,
        ]


def buyers_xlsx(rows: Iterable[selectors.BuyerRow]) -> HttpResponse:
    return _xlsx_response(
        _("Acheteurs"), buyer_headers(), buyer_rows(rows), f"charte-sociale-ess2024-{timezone.localdate():%Y-%m-%d}"
    )


# --- The awards behind the figures ---------------------------------------------------------------------------------

AWARD_FIELDS = [
    "buyer_name",
    "award_title",
    "reference",
    "lot__number",
    "winner__name",
    "winner_name",
    "winner__siret",
    "winner_category",
    "winner_category_reason",
    "amount",
    "ess_share_amount",
    "awarded_on",
    "total_hours_planned",
    "insertion_hours_planned",
    "total_hours_achieved",
    "insertion_hours_achieved",
    "source",
]


def award_headers() -> list[str]:
    return [
        _("Acheteur"),
        _("Appel d'offres"),
        _("Référence"),
        _("Lot"),
        _("Titulaire"),
        _("SIRET du titulaire"),
        _("Catégorie du titulaire"),
        _("Motif de la catégorie"),
        _("Compte en entier pour l'objectif 1"),
        _("Montant (€ HT)"),
        _("Part ESS/TPE/PME déclarée (€ HT)"),
        _("Attribué le"),
        _("Heures travaillées prévues"),
        _("Heures d'insertion prévues"),
        _("Heures travaillées réalisées"),
        _("Heures d'insertion réalisées"),
        _("Heures renseignées"),
        _("Origine"),
    ]


def award_rows(buyer: BuyerOrganisation | None = None) -> Iterator[list]:
    awards = Award.objects.filter(is_active=True).annotate(
        buyer_name=Coalesce("tender__buyer__name", "buyer__name"),
        award_title=Coalesce(NullIf("title", Value("")), "tender__title"),
        reference=Coalesce("tender__reference", "external_id"),
    )
    if buyer is not None:
        awards = awards.filter(selectors.of_buyer(buyer))
    sources = dict(AwardSource.choices)
    yes, no = _("oui"), _("non")
    labels = {key: str(label) for key, label in CATEGORY_LABELS.items()}
    for row in awards.order_by("-awarded_on", "pk").values_list(*AWARD_FIELDS).iterator(chunk_size=5000):
        (
            buyer_name,
            title,
            reference,
            lot,
            winner,
            winner_name,
            siret,
            category,
            reason,
            amount,
            share,
            awarded_on,
            total_p,
            insertion_p,
            total_a,
            insertion_a,
            source,
        ) = row
        has_hours = total_p > 0 or bool(total_a)
        yield [
            safe_text(buyer_name),
            safe_text(title),
            safe_text(reference),
            lot,
            safe_text(winner or winner_name),
            siret or "",
            labels.get(category, category),
            safe_text(reason),
            yes if category in selectors.ESS_CATEGORIES else no,
            amount,
            share,
            awarded_on,
            total_p,
            insertion_p,
            total_a,
            insertion_a,
            yes if has_hours else _("non renseignées"),
            str(sources.get(source, source)),
        ]


def awards_file(*, buyer: BuyerOrganisation | None, fmt: str) -> HttpResponse | StreamingHttpResponse:
    name = f"attributions-{buyer.slug if buyer else 'ess2024'}-{timezone.localdate():%Y-%m-%d}"
    if fmt == "xlsx":
        return _xlsx_response(_("Attributions"), award_headers(), award_rows(buyer), name)
    return _csv_response(award_headers(), award_rows(buyer), name)


# --- Writers ------------------------------------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def _csv_response(headers: list[str], rows: Iterator[list], name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER, lineterminator="\r\n")

    def lines():
        yield BOM + writer.writerow(headers)
        for row in rows:
            yield writer.writerow([_csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


def _xlsx_response(title: str, headers: list[str], rows: Iterator[list], name: str) -> HttpResponse:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(title)[:31])
    sheet.append(headers)
    for row in rows:
        sheet.append([float(value) if isinstance(value, Decimal) else value for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response
