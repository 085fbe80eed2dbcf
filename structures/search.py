"""Search helpers shared by the directory of structures and the tender list (and the saved searches built on it).

How a search ranks (`ranked_search`), all in PostgreSQL and in the list page's one main query:

- **What matches**: the stored, GIN-indexed `search_vector` (name or title, description, references), *or* a topic
  (and, for tenders, a lot) whose name matches, *or* a name or title close to the typed text by trigrams
  (`pg_trgm`, "recylerie" finds "Recyclerie") when no text matches the words. Each is an uncorrelated `IN (…)`
  subquery PostgreSQL runs once;
  the candidates are then checked against the whole weighted document (so "déchets -amiante" still excludes).
- **The query** (`search_query`): web-style (`"espaces verts"`, `-amiante`), French stemming on unaccented words
  (the `fr_unaccent` configuration of structures' migration 0001: "Déchets" = "dechet"), and the last word also
  matched as a prefix ("ressourc" finds "ressourcerie") for people still typing.
- **How it ranks**: `ts_rank_cd` (cover density) over the weighted document — name or title first, then topics
  (and lot titles), then description, then references — plus a bonus for a name very close to the text by
  trigrams (the blended signal: a name that is the text itself ranks first). Ties fall back to the caller's order.

The weighted document is the stored generated column (name or title labelled A, description B, references C:
structures/models.py and tenders/models.py) with the topic names (and lot titles) appended at query time under
the fourth label, D; `RANK_WEIGHTS` then gives each label its weight, topics above the description. Re-parsing
the descriptions at query time to relabel them would cost ~0.1 ms a row (unaccent and French stemming), seconds
on a broad search of the 50,000-structure benchmark; appending the short topic names costs little.
"""

import re

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorField,
    TrigramWordSimilarity,
)
from django.db.models import Exists, Expression, F, Func, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.utils.translation import get_language

from structures.models import SEARCH_CONFIG, Area, Structure, Topic

# Longer searches are refused with a message by ess2024.middleware (SEARCH_MAX_LENGTH); this cut is a safety net
# for callers that build a query from stored text (saved searches), so that no query costs seconds.
SEARCH_MAX_LENGTH = 200

# ts_rank_cd weights, in PostgreSQL's order of labels {D, C, B, A}, i.e. {topics and lots (appended at query time),
# references, description, name or title} (see the module docstring): name > topics and lots > description.
RANK_WEIGHTS = [0.6, 0.05, 0.2, 1.0]
# A name or title whose words are this close to the text (pg_trgm word_similarity, 0 to 1) earns a bonus, up to 1
# for an exact word; 0.6 is also pg_trgm's default threshold for the `%>` operator that decides the match.
TRIGRAM_FLOOR = 0.5
TRIGRAM_MIN_LENGTH = 4  # shorter texts share trigrams with too many names

_OPERATORS = re.compile(r'"|(?:^|\s)-')  # websearch syntax: a quoted phrase, an excluded word
# The last word typed, when it is a plain word (not negated with "-", not inside quotes): matched as a prefix too.
_LAST_WORD = re.compile(r"(?:^|[\s'’])([^\W_]{3,})$")


def _clean(text: str) -> str:
    return text[:SEARCH_MAX_LENGTH].replace("\x00", "").strip()


def search_query(text: str) -> SearchQuery:
    """French, accent- and case-insensitive web-style query: "déchets" finds "déchet", "Déchets" and "dechets";
    "déchets -amiante" and "\\"espaces verts\\"" work as on a search engine; "ressourc" finds "ressourcerie"."""
    text = _clean(text)
    query = SearchQuery(text, config=SEARCH_CONFIG, search_type="websearch")
    match = _LAST_WORD.search(text)
    if match and text.count('"') % 2 == 0:
        prefix = SearchQuery(f"{match.group(1)}:*", config=SEARCH_CONFIG, search_type="raw")
        head = text[: match.start(1)].strip()
        if head:
            prefix = SearchQuery(head, config=SEARCH_CONFIG, search_type="websearch") & prefix
        query = query | prefix
    return query


def names_text(queryset: QuerySet, field: str) -> Expression:
    """The values of `field` in `queryset` (correlated with OuterRef), as one space-separated text."""
    return Func(
        ArraySubquery(queryset.values(field)), Value(" "), function="array_to_string", output_field=TextField()
    )


def localized_name() -> Expression:
    """`LocalizedName.localized_name` in SQL, for the active language: the English name on English pages when
    there is one, the French name otherwise."""
    if (get_language() or "").startswith("en"):
        return Coalesce(NullIf(F("name_en"), Value("")), F("name"))
    return F("name")


def names_array(queryset: QuerySet) -> ArraySubquery:
    """The localized names of `queryset`'s rows (correlated with OuterRef), in its order, as one array column: a
    list page shows a card's topics and areas without a query per relation (the names are read with the page)."""
    return ArraySubquery(queryset.annotate(label=localized_name()).values("label"))


def matching_topics(query: SearchQuery) -> QuerySet:
    return Topic.objects.annotate(found=SearchVector("name", config=SEARCH_CONFIG)).filter(found=query).values("pk")


def ranked_search(
    queryset: QuerySet,
    text: str,
    *,
    title: str,
    secondary: list[Expression],
    also_matching: list[QuerySet],
) -> QuerySet:
    """Rows of `queryset` matching `text`, annotated with their `rank` (see the module docstring).

    `title` is the field labelled A in the stored `search_vector`; `secondary` are text expressions (topic names,
    lot titles) appended under label D; `also_matching` are querysets of primary keys matched through them (an
    uncorrelated subquery each, so the stored vector's GIN index still serves).
    """
    text = _clean(text)
    query = search_query(text)
    model = queryset.model
    candidates = Q(pk__in=model.objects.filter(search_vector=query).values("pk"))
    for ids in also_matching:
        candidates |= Q(pk__in=ids)
    # Plain words: every candidate matches as it is. With "-exclusions" or "quoted phrases", the candidates are
    # checked against the whole weighted document instead ("déchets -ressourcerie" leaves out a ressourcerie found
    # through its topic) — a check that costs a vector a row.
    operators = bool(_OPERATORS.search(text))
    if len(text) >= TRIGRAM_MIN_LENGTH and not operators:
        # The fallback for a typo ("recylerie"): names close by trigrams, when no text anywhere matches the words
        # (an uncorrelated EXISTS, evaluated once; otherwise the trigram scan, ~3 µs a row, is skipped).
        similar = model.objects.filter(**{f"{title}__trigram_word_similar": text}).values("pk")
        candidates |= Q(pk__in=similar) & ~Exists(model.objects.filter(search_vector=query))
    document = CombinedExpression(
        F("search_vector"),
        "||",
        SearchVector(*secondary, weight="D", config=SEARCH_CONFIG),
        output_field=SearchVectorField(),
    )
    bonus = Greatest(TrigramWordSimilarity(text, title) - Value(TRIGRAM_FLOOR), Value(0.0)) * Value(2.0)
    queryset = queryset.filter(candidates).alias(search_document=document)
    if operators:
        queryset = queryset.filter(search_document=query)
    rank = SearchRank(F("search_document"), query, weights=RANK_WEIGHTS, cover_density=True) + bonus
    return queryset.annotate(rank=rank)


def full_text(queryset: QuerySet, text: str) -> QuerySet:
    """Structures matching `text`, annotated with their `rank` (a blank text: all rows)."""
    if not _clean(text):
        return queryset
    query = search_query(text)
    links = Structure.topics.through.objects
    return ranked_search(
        queryset,
        text,
        title="name",
        secondary=[names_text(Topic.objects.filter(structures=OuterRef("pk")), "name")],
        also_matching=[links.filter(topic__in=matching_topics(query)).values("structure_id")],
    )


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
