"""The tender list's filters (`/appels-d-offres/`), also used by the Atom feed and by saved searches.

`TenderFilter(data=request.GET, queryset=Tender.objects.published(), request=request)` is all a caller needs;
`request` may be None (saved searches replayed by a task): the "eligible for my structure" filter then needs the
structure passed explicitly (`structure=`), otherwise it is left out.

Every filter on a many-to-many relation is an `EXISTS` subquery rather than a join, so no `DISTINCT` is needed and
the page query stays one row per tender. Status defaults to "open" (published and the bid deadline not passed);
the sort defaults to the closest deadline, or to relevance when a full-text search is given.
"""

import datetime

import django_filters
from django import forms
from django.contrib.postgres.search import SearchVector
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ess2024.fragment_cache import ReferenceMultipleChoiceFilter
from structures.models import SEARCH_CONFIG, Area, ReservedMarket, Structure, Topic
from structures.search import covering_areas, matching_topics, names_text, ranked_search, search_query
from tenders.models import BuyerOrganisation, Lot, Tender, TenderStatus

# Status filter values (not the model's statuses: "open" and "closed" also depend on the deadline).
STATUS_OPEN = "open"
STATUS_CLOSED = "closed"
STATUS_AWARDED = "awarded"
STATUS_ENDED = "ended"
STATUS_ALL = "all"
STATUS_CHOICES = [
    (STATUS_OPEN, _("Ouverts")),
    (STATUS_CLOSED, _("Clos")),
    (STATUS_AWARDED, _("Attribués")),
    (STATUS_ENDED, _("Annulés ou infructueux")),
    (STATUS_ALL, _("Tous")),
]

SORT_DEADLINE = "deadline"
SORT_NEWEST = "newest"
SORT_VALUE = "value"
SORT_RELEVANCE = "relevance"
SORT_CHOICES = [
    (SORT_DEADLINE, _("Date limite la plus proche")),
    (SORT_NEWEST, _("Les plus récents")),
    (SORT_VALUE, _("Montant le plus élevé")),
    (SORT_RELEVANCE, _("Pertinence (avec une recherche)")),
]

DEADLINE_WINDOW_CHOICES = [
    ("7", _("Dans les 7 jours")),
    ("30", _("Dans les 30 jours")),
    ("90", _("Dans les 3 mois")),
]


def eligible_condition(structure: Structure) -> Q:
    """Tenders the structure may bid on: at least one lot it may bid on and that serves one of its topics.

    A lot is open to the structure when it is not reserved, or reserved for a market the structure is eligible for
    (`eligible_l2113_12/13/15`). A tender without lots counts as one unreserved lot over the tender's topics.
    A structure that has not chosen any topic is matched on the reservation rule alone.
    """
    markets = [ReservedMarket.NONE.value, *structure.reserved_markets]
    topic_ids = list(structure.topics.values_list("pk", flat=True))
    lots = Lot.objects.filter(tender=OuterRef("pk"), reserved__in=markets)
    tender_topics = Tender.topics.through.objects.filter(tender_id=OuterRef("pk"))
    if topic_ids:
        lots = lots.filter(topic_id__in=topic_ids)
        tender_topics = tender_topics.filter(topic_id__in=topic_ids)
    without_lots = ~Exists(Lot.objects.filter(tender=OuterRef("pk")))
    return Q(Exists(lots)) | (without_lots & Q(Exists(tender_topics)))


def status_condition(value: str) -> Q:
    now = timezone.now()
    if value == STATUS_OPEN:
        return Q(status=TenderStatus.PUBLISHED, bid_deadline__gt=now)
    if value == STATUS_CLOSED:
        # Closed by the buyer or by the beat task, or past its deadline and about to be closed by it.
        return Q(status=TenderStatus.CLOSED) | Q(status=TenderStatus.PUBLISHED, bid_deadline__lte=now)
    if value == STATUS_AWARDED:
        return Q(status=TenderStatus.AWARDED)
    if value == STATUS_ENDED:
        return Q(status__in=[TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL])
    return Q()


def tender_search(queryset: QuerySet, text: str) -> QuerySet:
    """Tenders matching `text`, annotated with their `rank` (structures.search): the title first, then the
    tender's topics and the lots' titles, then the description, then the reference ("restauration" finds a tender
    on the topic "Restauration durable" whatever its title). A lot's topic finds its tender too, without weighing
    in the rank (one correlated subquery less a row)."""
    if not text.strip():
        return queryset
    query = search_query(text)
    topics = matching_topics(query)
    lot_titles = Lot.objects.annotate(found=SearchVector("title", config=SEARCH_CONFIG)).filter(found=query)
    return ranked_search(
        queryset,
        text,
        title="title",
        secondary=[
            names_text(Topic.objects.filter(tenders=OuterRef("pk")), "name"),
            names_text(Lot.objects.filter(tender=OuterRef("pk")).order_by("number"), "title"),
        ],
        also_matching=[
            Tender.topics.through.objects.filter(topic__in=topics).values("tender_id"),
            Lot.objects.filter(topic__in=topics).values("tender_id"),
            lot_titles.values("tender_id"),
        ],
    )


class TenderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Rechercher"),
        method="filter_search",
        help_text=_("Des mots du titre, des thématiques, des lots ou de la description."),
    )
    topic = ReferenceMultipleChoiceFilter(
        label=_("Thématiques"),
        queryset=Topic.objects.filter(is_active=True).only("pk", "slug", "name", "name_en"),
        to_field_name="slug",
        method="filter_topic",
        widget=forms.CheckboxSelectMultiple,
    )
    place = ReferenceMultipleChoiceFilter(
        label=_("Lieu d'exécution"),
        queryset=Area.objects.only("pk", "code", "name", "name_en"),
        to_field_name="code",
        method="filter_place",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Un département comprend ses arrondissements."),
    )
    buyer = ReferenceMultipleChoiceFilter(
        label=_("Acheteur"),
        queryset=BuyerOrganisation.objects.only("pk", "slug", "name"),
        to_field_name="slug",
        method="filter_buyer",
        widget=forms.CheckboxSelectMultiple,
    )
    status = django_filters.ChoiceFilter(
        label=_("Statut"), choices=STATUS_CHOICES, method="filter_status", empty_label=None
    )
    deadline = django_filters.ChoiceFilter(
        label=_("Date limite"),
        choices=DEADLINE_WINDOW_CHOICES,
        method="filter_deadline_window",
        empty_label=_("Peu importe"),
    )
    deadline_after = django_filters.DateFilter(
        label=_("Date limite à partir du"),
        field_name="bid_deadline",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    deadline_before = django_filters.DateFilter(
        label=_("Date limite jusqu'au"),
        field_name="bid_deadline",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    value_min = django_filters.NumberFilter(
        label=_("Montant minimum (€ HT)"),
        field_name="estimated_value",
        lookup_expr="gte",
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1000", "min": "0"}),
    )
    value_max = django_filters.NumberFilter(
        label=_("Montant maximum (€ HT)"),
        field_name="estimated_value",
        lookup_expr="lte",
        min_value=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "step": "1000", "min": "0"}),
    )
    reserved = django_filters.BooleanFilter(
        label=_("Avec un lot réservé (marchés réservés)"),
        method="filter_reserved",
        widget=forms.CheckboxInput,
    )
    eligible = django_filters.BooleanFilter(
        label=_("Ceux auxquels ma structure peut répondre"),
        method="filter_eligible",
        widget=forms.CheckboxInput,
        help_text=_("Un lot ouvert à votre structure (réservé ou non) dans l'une de ses thématiques."),
    )
    sort = django_filters.ChoiceFilter(label=_("Trier par"), choices=SORT_CHOICES, method="filter_noop")

    class Meta:
        model = Tender
        fields = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None, structure=None):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("status"):
            data["status"] = STATUS_OPEN
        super().__init__(data, queryset, request=request, prefix=prefix)
        if structure is None and request is not None and getattr(request, "user", None) is not None:
            structure = Structure.objects.for_member(request.user).active().order_by("name").first()
        self.structure = structure
        if structure is None:
            del self.filters["eligible"]

    # Filters ---------------------------------------------------------------------------------------------------

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return tender_search(queryset, value)

    def filter_topic(self, queryset, name, value):
        if not value:
            return queryset
        links = Tender.topics.through.objects.filter(tender_id=OuterRef("pk"), topic__in=value)
        return queryset.filter(Exists(links))

    def filter_place(self, queryset, name, value):
        if not value:
            return queryset
        # The chosen areas, their sub-areas (a department's arrondissements) and their ancestors (a tender for
        # the whole department or the whole country is performed in the chosen arrondissement too).
        links = Tender.places.through.objects.filter(tender_id=OuterRef("pk"), area__in=covering_areas(value))
        return queryset.filter(Exists(links))

    def filter_buyer(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(buyer__in=value)

    def filter_status(self, queryset, name, value):
        return queryset.filter(status_condition(value or STATUS_OPEN))

    def filter_deadline_window(self, queryset, name, value):
        if not value:
            return queryset
        now = timezone.now()
        return queryset.filter(bid_deadline__gt=now, bid_deadline__lte=now + datetime.timedelta(days=int(value)))

    def filter_reserved(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(Exists(Lot.objects.filter(tender=OuterRef("pk")).exclude(reserved="")))

    def filter_eligible(self, queryset, name, value):
        if not value or self.structure is None:
            return queryset
        return queryset.filter(eligible_condition(self.structure))

    def filter_noop(self, queryset, name, value):
        return queryset  # sorting happens in filter_queryset, after every filter (the search adds the rank)

    # Sorting ---------------------------------------------------------------------------------------------------

    @property
    def searching(self) -> bool:
        return bool(self.form.is_valid() and (self.form.cleaned_data.get("q") or "").strip())

    @property
    def current_sort(self) -> str:
        chosen = self.form.cleaned_data.get("sort") if self.form.is_valid() else ""
        if chosen == SORT_RELEVANCE and not self.searching:
            chosen = ""
        return chosen or (SORT_RELEVANCE if self.searching else SORT_DEADLINE)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        status = self.form.cleaned_data.get("status")
        if not status:  # an invalid status in the URL: back to the default rather than everything
            status = STATUS_OPEN
            queryset = queryset.filter(status_condition(status))
        sort = self.current_sort
        if sort == SORT_RELEVANCE:
            return queryset.order_by("-rank", "bid_deadline", "pk")
        if sort == SORT_NEWEST:
            return queryset.order_by(F("published_at").desc(nulls_last=True), "-pk")
        if sort == SORT_VALUE:
            return queryset.order_by(F("estimated_value").desc(nulls_last=True), "bid_deadline", "pk")
        if status == STATUS_OPEN:
            return queryset.order_by("bid_deadline", "pk")
        # Past deadlines: the most recent first.
        return queryset.order_by("-bid_deadline", "-pk")
