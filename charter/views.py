"""The public charter page (`/charte/`) and its per-buyer CSV export (`/charte/export.csv`)."""

import csv
import io

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from charter import charts, selectors

# Excel (French locale) opens a semicolon-separated UTF-8 file with a BOM without asking anything.
CSV_DELIMITER = ";"
BOM = "\ufeff"


def _sort(request) -> str:
    sort = request.GET.get("tri", selectors.DEFAULT_BUYER_SORT)
    return sort if sort in selectors.BUYER_SORTS else selectors.DEFAULT_BUYER_SORT


@require_GET
def index(request):
    """How far both targets are met: overall, over time, per buyer and per winner category."""
    sort = _sort(request)
    overview = selectors.overview(buyer_sort=sort)
    context = {
        "overview": overview,
        "figures": overview.figures,
        "value_target": selectors.VALUE_TARGET,
        "hours_target": selectors.HOURS_TARGET,
        "timeline": charts.cumulative_shares(overview.quarters),
        "timeline_narrow": charts.cumulative_shares(overview.quarters, charts.NARROW),
        "sort": sort,
        "sorts": [
            ("nom", _("nom")),
            ("montant", _("montant attribué")),
            ("valeur", _("part ESS/TPE/PME")),
            ("heures", _("part des heures d'insertion")),
        ],
    }
    return render(request, "charter/index.html", context)


# A cell starting with one of these is a formula for a spreadsheet: prefixed with an apostrophe it stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_STARTS) else value


def _decimal(value) -> str:
    """French decimal comma, as Excel in French expects it; empty without data."""
    return "" if value is None else str(value).replace(".", ",")


def _met(share: selectors.Share) -> str:
    if share.met is None:
        return _("pas encore de données")
    return _("oui") if share.met else _("non")


@require_GET
def export_csv(request):
    """The per-buyer table as a CSV file (public figures, like the page)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(
        [
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
        ]
    )
    for row in selectors.by_buyer(sort=_sort(request)):
        buyer, figures = row.buyer, row.figures
        writer.writerow(
            [
                _text(buyer.name),
                _("oui") if buyer.charter_signatory else _("non"),
                buyer.charter_signed_on.strftime("%d/%m/%Y") if buyer.charter_signed_on else "",
                figures.award_count,
                _decimal(figures.awarded_amount),
                _decimal(figures.counted_amount),
                _decimal(figures.value.value),
                _met(figures.value),
                figures.total_hours,
                figures.insertion_hours,
                _decimal(figures.hours.value),
                _met(figures.hours),
            ]
        )
    response = HttpResponse(BOM + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    filename = f"charte-sociale-ess2024-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
