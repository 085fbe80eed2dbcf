"""The public directory of structures: the list with its filters, a structure's page, and the CSV export.

The list and the export share `structures.filters.directory_queryset`, so the export is exactly the list a buyer is
looking at. The staff import pages live in `structures.views_imports`.
"""

import re

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.templatetags.ess_ui import active_filter_chips
from ess2024 import fragment_cache
from structures import exports
from structures.filters import SORT_NAME, SORT_RELEVANCE, directory_queryset
from structures.models import Area, Category, LegalForm, Sector, Structure, Topic
from structures.search import names_array
from structures.visibility import can_export, can_import, can_see_contact

# What a card shows; anything else stays in the database (a description can be long, contacts are not public).
CARD_FIELDS = (
    "pk",
    "name",
    "slug",
    "legal_form",
    "category",
    "headcount",
    "city",
    "postcode",
    "description",
    "verification_status",
    "verified_at",
    "created_at",
)

LEGAL_FORM_HINTS = {
    LegalForm.ASSOCIATION: _("Association loi 1901 : à but non lucratif, gouvernée par ses membres."),
    LegalForm.SCOP: _("Les salariés détiennent la majorité du capital et des voix."),
    LegalForm.SCIC: _("Salariés, usagers, bénévoles et collectivités peuvent en être associés."),
    LegalForm.CAE: _("Des entrepreneurs salariés y développent leur propre activité."),
    LegalForm.MUTUAL: _("Une société de personnes à but non lucratif, gérée par ses adhérents."),
    LegalForm.FOUNDATION: _("Des biens affectés à une œuvre d'intérêt général."),
    LegalForm.ESUS: _(
        "Entreprise solidaire d'utilité sociale : une société commerciale agréée par l'État pour son utilité sociale."
    ),
    LegalForm.EI: _("Une structure d'insertion (SIAE) qui emploie des personnes éloignées de l'emploi."),
    LegalForm.ETTI: _(
        "Une structure d'insertion (SIAE) qui met à disposition des intérimaires en parcours d'insertion."
    ),
    LegalForm.ACI: _(
        "Une structure d'insertion (SIAE), souvent associative, pour des personnes très éloignées de l'emploi."
    ),
    LegalForm.AI: _(
        "Une structure d'insertion (SIAE) qui met des salariés en insertion à disposition d'autres employeurs."
    ),
    LegalForm.EITI: _("Une structure d'insertion (SIAE) qui accompagne des travailleurs indépendants."),
    LegalForm.EA: _("Au moins 55 % de ses salariés sont des travailleurs handicapés."),
    LegalForm.ESAT: _("Un établissement médico-social où travaillent des personnes handicapées."),
    LegalForm.TPE: _("Moins de 10 salariés et au plus 2 M€ de chiffre d'affaires."),
    LegalForm.PME: _("Moins de 250 salariés et au plus 50 M€ de chiffre d'affaires."),
}

CATEGORY_HINTS = {
    Category.ESS: _("économie sociale et solidaire"),
    Category.SIAE: _("structure d'insertion par l'activité économique"),
    Category.DISABILITY: _("entreprise adaptée ou établissement et service d'accompagnement par le travail"),
    Category.SME: _("très petite, petite ou moyenne entreprise"),
}

_ACRONYM = re.compile(r"^(?P<short>[A-Z]{2,5}) \((?P<long>.+)\)$")


def legal_form_parts(legal_form: str) -> dict:
    """{"short": "SCOP", "long": "société coopérative et participative", "hint": "..."} for a legal form value.

    "short" is the acronym when the label has one (shown in an <abbr> with "long" as its title), else the label.
    """
    label = str(LegalForm(legal_form).label) if legal_form in LegalForm.values else legal_form
    match = _ACRONYM.match(label)
    parts = {"short": label, "long": "", "hint": LEGAL_FORM_HINTS.get(legal_form, "")}
    if match:
        parts.update(short=match["short"], long=match["long"])
    return parts


def _directory_page_queryset(queryset):
    """A card's fields, and its topics' and areas' names in the active language as arrays: one query a page."""
    return queryset.only(*CARD_FIELDS).annotate(
        topic_names=names_array(Topic.objects.filter(structures=OuterRef("pk")).order_by("position", "name")),
        area_names=names_array(Area.objects.filter(structures=OuterRef("pk")).order_by("position", "code")),
    )


def _directory_parts(request) -> dict:
    """The search box, the filter panel and the results as HTML, for the cache (nothing about the visitor)."""
    filterset, display, sort, queryset = directory_queryset(request.GET)
    paginator = Paginator(_directory_page_queryset(queryset), display.page_size)
    page = paginator.get_page(request.GET.get("page"))
    context = {
        "filter": filterset,
        "form": filterset.form,
        "display": display,
        "sort": sort,
        "default_sort": SORT_RELEVANCE if filterset.searching else SORT_NAME,
        "searching": filterset.searching,
        "page_obj": page,
        "structures": page.object_list,
        "chips": active_filter_chips(filterset, request.GET),
        "arrondissement_chosen": any(code.startswith("751") for code in request.GET.getlist("areas")),
    }
    parts = {
        name: fragment_cache.render_fragment(f"structures/directory.html#{name}", context, request)
        for name in ("search", "panel", "results_head", "results_list")
    }
    parts.update(
        count=paginator.count,
        searching=filterset.searching,
        q=filterset.form.cleaned_data.get("q", "") if filterset.searching else "",
    )
    return parts


@require_GET
def index(request):
    """`/structures/`: every listed structure (not archived, not rejected), filtered, searched, sorted, paginated.

    The search box, the panel and the results come from the cache (ess2024/fragment_cache.py) while no structure,
    topic, sector or area changed; the export and import links are the visitor's."""
    parts = fragment_cache.get_or_render(
        "structures.directory",
        scopes=[fragment_cache.STRUCTURES, fragment_cache.REFERENCE],
        query=request.GET,
        render=lambda: _directory_parts(request),
    )
    export_query = request.GET.copy()
    for key in ("page", "per_page"):
        export_query.pop(key, None)
    context = {
        "parts": parts,
        "can_export": can_export(request.user),
        "can_import": can_import(request.user),
        "export_query": export_query.urlencode(),
    }
    return render(request, "structures/directory.html", context)


@require_GET
def detail(request, slug):
    """`/structures/<slug>/`: a structure's public profile; contacts for signed-in buyers and staff only.

    Archived and rejected structures are not public (404); Les Canaux staff still see them, with a notice.
    """
    user = request.user
    queryset = (
        Structure.objects.all() if user.is_authenticated and user.is_platform_staff else Structure.objects.listed()
    )
    structure = get_object_or_404(
        queryset.prefetch_related(
            Prefetch("topics", queryset=Topic.objects.only("pk", "name", "name_en", "slug")),
            Prefetch("sectors", queryset=Sector.objects.only("pk", "name", "name_en", "slug")),
            Prefetch("areas", queryset=Area.objects.only("pk", "name", "name_en", "code")),
        ).with_proofs(),  # references, labels, photos, offers: one query each (issue 14)
        slug=slug,
    )
    context = {
        "structure": structure,
        "legal_form": legal_form_parts(structure.legal_form),
        "category_hint": CATEGORY_HINTS.get(structure.category, ""),
        "show_contact": can_see_contact(user),
        "reserved_labels": [exports.RESERVED_LABELS[m] for m in structure.reserved_markets],
    }
    return render(request, "structures/detail.html", context)


@require_GET
@login_required
def export_csv(request):
    """`/structures/export.csv?<the list's filters>`: the filtered list as a CSV file, streamed (buyers and staff)."""
    if not can_export(request.user):
        raise Http404
    _filterset, _display, _sort, queryset = directory_queryset(request.GET)
    response = StreamingHttpResponse(exports.stream_csv(queryset), content_type="text/csv; charset=utf-8")
    filename = f"structures-ess2024-{timezone.localdate():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
