"""The public charter pages and their exports.

`/charte/`: both targets overall, over time, per buyer and per winner category; `/charte/<buyer-slug>/`: one
buyer's figures against its own targets, with the awards behind them. Exports: the per-buyer table
(`export.csv`, `export.xlsx`) and the awards behind the figures (`attributions.csv|xlsx`, all or one buyer's).
"""

import csv
import io
import json
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from charter import charts, exports, selectors
from ess2024 import fragment_cache
from tenders import perms as tender_perms
from tenders.models import BuyerOrganisation

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
    parts = fragment_cache.get_or_render(
        "charter.index",
        scopes=[fragment_cache.CHARTER],
        extra=[sort],
        render=lambda: {
            "body": fragment_cache.render_fragment("charter/index.html#body", _index_context(sort), request)
        },
    )
    return render(request, "charter/index.html", {"parts": parts})


def _index_context(sort: str) -> dict:
    overview = selectors.overview(buyer_sort=sort)
    return {
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


@require_GET
def buyer(request, slug):
    """One buyer: both figures against its own targets, the trend, by category and topic, the awards behind them."""
    organisation = get_object_or_404(BuyerOrganisation, slug=slug)
    data = selectors.buyer_page(buyer=organisation, page=request.GET.get("page"))
    context = {
        "data": data,
        "buyer": organisation,
        "figures": data.figures,
        "timeline": charts.cumulative_shares(data.quarters),
        "timeline_narrow": charts.cumulative_shares(data.quarters, charts.NARROW),
        "can_import": tender_perms.is_platform_staff(request.user)
        or tender_perms.buyer_organisation_id(request.user) == organisation.pk,
    }
    return render(request, "charter/buyer.html", context)


@require_GET
def export_xlsx(request):
    """The per-buyer table as an Excel workbook."""
    return exports.buyers_xlsx(selectors.by_buyer(sort=_sort(request)))


@require_GET
def awards_export(request, fmt, slug=None):
    """The awards behind the figures (public fields), all of them or one buyer's, as CSV or XLSX."""
    organisation = get_object_or_404(BuyerOrganisation, slug=slug) if slug else None
    return exports.awards_file(buyer=organisation, fmt=fmt)


EXTENSION_DIR = Path(__file__).resolve().parent / "ocds_extension"


def _extension_json(name: str) -> dict:
    return json.loads((EXTENSION_DIR / name).read_text(encoding="utf-8"))


@require_GET
def ocds_extension(request):
    """The project's OCDS extension (listed in the OCDS package's `extensions`): what each added field means."""
    data = _extension_json("extension.json")
    documentation = settings.SITE_URL + reverse("charter:index") + "#methode"
    data["documentationUrl"] = {"en": documentation, "fr": documentation}
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def ocds_release_schema(request):
    """The extension's release-schema.json patch (JSON Merge Patch on the OCDS 1.1 release schema)."""
    response = JsonResponse(_extension_json("release-schema.json"), json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    return response
