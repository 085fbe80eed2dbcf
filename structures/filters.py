"""The directory's filters (`/structures/`), shared by the page and its CSV export (`/structures/export.csv`).

`StructureFilter(data=request.GET, queryset=directory_structures())` filters (verified structures only, see
structures.visibility); `DirectoryDisplayForm` reads the sort order and the page size, which are not filters (they
get no "active filter" chip). `directory_queryset()` applies both and is what the page, the export and the
benchmark call, so they always agree.

Every filter on a many-to-many relation is an `EXISTS` subquery rather than a join: no `DISTINCT`, one row per
structure. Topics and sectors are named by slug and areas by code in the URL, so a filtered list is a readable,
shareable link (`/structures/?topics=restauration-durable&areas=93&q=traiteur`).
"""

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ess2024.fragment_cache import ReferenceMultipleChoiceFilter, load_references
from geo.filters import GeoFilterSet
from structures.categories import category_choices
from structures.models import (
    Area,
    Headcount,
    LegalForm,
    ReservedMarket,
    Sector,
    Structure,
    Topic,
)
from structures.search import covering_areas, full_text
from structures.visibility import directory_structures

SORT_RELEVANCE = "relevance"
SORT_NAME = "name"
SORT_NEWEST = "newest"
SORT_VERIFIED = "verified"
SORT_CHOICES = [
    (SORT_RELEVANCE, _("Pertinence (avec une recherche)")),
    (SORT_NAME, _("Nom (A à Z)")),
    (SORT_NEWEST, _("Inscription la plus récente")),
    (SORT_VERIFIED, _("Vérification la plus récente")),
]

PAGE_SIZES = [10, 20, 50, 100]
DEFAULT_PAGE_SIZE = 20

RESERVED_CHOICES = [(m.value, m.label) for m in ReservedMarket if m.value]
RESERVED_FIELDS = {
    ReservedMarket.L2113_12.value: "eligible_l2113_12",
    ReservedMarket.L2113_13.value: "eligible_l2113_13",
    ReservedMarket.L2113_15.value: "eligible_l2113_15",
}


class StructureFilter(GeoFilterSet):  # + commune, departement, region, pres_de and rayon (geo/filters.py)
    q = django_filters.CharFilter(
        label=_("Rechercher"),
        method="filter_search",
        max_length=200,
        help_text=_("Des mots du nom, des thématiques ou de la description : « traiteur bio », « réemploi »."),
    )
    topics = ReferenceMultipleChoiceFilter(
        label=_("Thématiques"),
        queryset=Topic.objects.filter(is_active=True).only("pk", "slug", "name", "name_en"),
        to_field_name="slug",
        method="filter_topics",
        widget=forms.CheckboxSelectMultiple,
    )
    areas = ReferenceMultipleChoiceFilter(
        label=_("Zones d'intervention"),
        queryset=Area.objects.only("pk", "code", "name", "name_en", "kind"),
        to_field_name="code",
        method="filter_areas",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Un département comprend ses arrondissements ; « Toute la France » est toujours comprise."),
    )
    category = django_filters.MultipleChoiceFilter(
        label=_("Catégorie"),
        choices=category_choices,  # the one rule's categories (structures.categories), "Grande entreprise" included
        method="filter_category",
        widget=forms.CheckboxSelectMultiple,
    )
    reserved = django_filters.MultipleChoiceFilter(
        label=_("Marchés réservés"),
        choices=RESERVED_CHOICES,
        method="filter_reserved",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Les structures qui peuvent répondre à un lot réservé au titre de cet article."),
    )
    legal_form = django_filters.MultipleChoiceFilter(
        label=_("Forme juridique"),
        choices=LegalForm.choices,
        method="filter_legal_form",
        widget=forms.CheckboxSelectMultiple,
    )
    sectors = ReferenceMultipleChoiceFilter(
        label=_("Secteurs d'activité"),
        queryset=Sector.objects.only("pk", "slug", "name", "name_en"),
        to_field_name="slug",
        method="filter_sectors",
        widget=forms.CheckboxSelectMultiple,
    )
    headcount = django_filters.MultipleChoiceFilter(
        label=_("Effectif"),
        choices=Headcount.choices,
        method="filter_headcount",
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Structure
        fields = []

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return full_text(queryset, value)

    def filter_topics(self, queryset, name, value):
        if not value:
            return queryset
        links = Structure.topics.through.objects.filter(structure_id=OuterRef("pk"), topic__in=value)
        return queryset.filter(Exists(links))

    def filter_sectors(self, queryset, name, value):
        if not value:
            return queryset
        links = Structure.sectors.through.objects.filter(structure_id=OuterRef("pk"), sector__in=value)
        return queryset.filter(Exists(links))

    def filter_areas(self, queryset, name, value):
        if not value:
            return queryset
        links = Structure.areas.through.objects.filter(structure_id=OuterRef("pk"), area__in=covering_areas(value))
        return queryset.filter(Exists(links))

    def filter_category(self, queryset, name, value):
        # The generated column is the platform's one rule (structures.categories): ESS by legal form or ESUS, size.
        return queryset.filter(category__in=value) if value else queryset

    def filter_legal_form(self, queryset, name, value):
        return queryset.filter(legal_form__in=value) if value else queryset

    def filter_headcount(self, queryset, name, value):
        return queryset.filter(headcount__in=value) if value else queryset

    def filter_reserved(self, queryset, name, value):
        if not value:
            return queryset
        condition = Q()
        for market in value:
            condition |= Q(**{RESERVED_FIELDS[market]: True})
        return queryset.filter(condition)

    @property
    def searching(self) -> bool:
        self.form.is_valid()  # cleaned_data holds the valid fields even when another one is not
        return bool((self.form.cleaned_data.get("q") or "").strip())


class DirectoryDisplayForm(forms.Form):
    """How the list is shown: sort order and page size (invalid values fall back to the defaults)."""

    sort = forms.ChoiceField(label=_("Trier par"), choices=SORT_CHOICES, required=False)
    per_page = forms.TypedChoiceField(
        label=_("Structures par page"),
        choices=[(size, str(size)) for size in PAGE_SIZES],
        coerce=int,
        required=False,
    )

    def sort_for(self, *, searching: bool) -> str:
        chosen = self.cleaned_data.get("sort") if self.is_valid() else ""
        if chosen == SORT_RELEVANCE and not searching:
            chosen = ""
        return chosen or (SORT_RELEVANCE if searching else SORT_NAME)

    @property
    def page_size(self) -> int:
        return (self.cleaned_data.get("per_page") if self.is_valid() else None) or DEFAULT_PAGE_SIZE


def order(queryset: QuerySet, sort: str) -> QuerySet:
    if sort == SORT_RELEVANCE:
        return queryset.order_by("-rank", "name", "pk")
    if sort == SORT_NEWEST:
        return queryset.order_by("-created_at", "-pk")
    if sort == SORT_VERIFIED:
        return queryset.order_by(F("verified_at").desc(nulls_last=True), "name", "pk")
    return queryset.order_by("name", "pk")


def directory_queryset(data, *, queryset: QuerySet | None = None):
    """(filterset, display form, sort, filtered and ordered queryset) for the GET parameters `data`.

    Invalid filter values (an unknown topic slug, say) are ignored rather than emptying the list: the form keeps
    its errors for the page to show, and the valid filters still apply.
    """
    filterset = StructureFilter(data=data, queryset=queryset if queryset is not None else directory_structures())
    load_references(filterset.form)  # topics, areas and sectors in one query
    display = DirectoryDisplayForm(data=data)
    searching = filterset.searching
    sort = display.sort_for(searching=searching)
    if filterset.is_valid():
        qs = filterset.qs
    else:
        qs = _filter_valid_fields(filterset)
    return filterset, display, sort, order(qs, sort)


def _filter_valid_fields(filterset: StructureFilter) -> QuerySet:
    form = filterset.form
    qs = filterset.queryset
    for name, value in form.cleaned_data.items():
        if name in form.errors:
            continue
        qs = filterset.filters[name].filter(qs, value)
    return qs
