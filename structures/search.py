"""Search helpers shared by the directory of structures and the tender list (and the saved searches built on it)."""

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F, Q, QuerySet

from structures.models import SEARCH_CONFIG, Area

# Longer searches are refused with a message by ess2024.middleware (SEARCH_MAX_LENGTH); this cut is a safety net
# for callers that build a query from stored text (saved searches), so that no query costs seconds.
SEARCH_MAX_LENGTH = 200


def search_query(text: str) -> SearchQuery:
    """French, accent- and case-insensitive web-style query: "déchets" finds "déchet", "Déchets" and "dechets";
    "déchets -amiante" and "\\"espaces verts\\"" work as on a search engine."""
    return SearchQuery(text[:SEARCH_MAX_LENGTH].replace("\x00", ""), config=SEARCH_CONFIG, search_type="websearch")


def full_text(queryset: QuerySet, text: str) -> QuerySet:
    """Rows whose generated `search_vector` matches `text`, annotated with their `rank` (a blank text: all rows)."""
    text = text.strip()
    if not text:
        return queryset
    query = search_query(text)
    return queryset.filter(search_vector=query).annotate(rank=SearchRank(F("search_vector"), query))


def covering_areas(chosen: list[Area]) -> QuerySet:
    """The chosen areas, their sub-areas and their ancestors.

    A structure working in one arrondissement works "in Paris"; one working in all of Paris or all of France also
    works in the 11th arrondissement. Areas are at most three levels deep (France > department > arrondissement).
    """
    pks = [area.pk for area in chosen]
    return Area.objects.filter(
        Q(pk__in=pks)
        | Q(parent__in=pks)
        | Q(parent__parent__in=pks)
        | Q(children__in=pks)
        | Q(children__children__in=pks)
    ).values("pk")
