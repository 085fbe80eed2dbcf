"""Search quality on the demo data (issue 15, item 2): a small judged set, query → the results that must come in the
top 5, for the structures directory and the tender list.

Each judgment names its expected results by a rule on the data (a topic, a word of the name or title) rather than
by a list of names, so that it still holds when the demo is reseeded with other names. When more than five results
are expected, the five first must all be among them; otherwise all of them must be in the five first.
`bench/bench_search.py` reports the share of expected results found (`search.judged.top5_share`) with the same set.
"""

from dataclasses import dataclass

import pytest
from django.db.models import Q
from django.http import QueryDict

WASTE = "gestion-et-valorisation-des-dechets"
TOP = 5


@dataclass(frozen=True)
class Judgment:
    query: str
    expected: Q
    why: str


STRUCTURE_JUDGMENTS = [
    Judgment("déchets", Q(topics__slug=WASTE), "the structures carrying the waste topic before the urban farms"),
    Judgment("dechet", Q(topics__slug=WASTE), "without the accent, singular"),
    Judgment("ressourcerie", Q(name__icontains="ressourcerie"), "a word of the name"),
    Judgment("ressourc", Q(name__icontains="ressourcerie"), "a prefix, while typing"),
    Judgment("recylerie", Q(name__icontains="recyclerie"), "a typo (trigrams)"),
    Judgment("Jardins de Belleville", Q(name="Les Jardins de Belleville"), "a name"),
    Judgment("restauration", Q(topics__slug="restauration-durable"), "a topic's name"),
]

TENDER_JUDGMENTS = [
    Judgment("restauration", Q(title__startswith="Repas biologiques"), "the topic « Restauration durable »"),
    Judgment("déchets", Q(title__icontains="déchets"), "a word of the title"),
    Judgment("biodechets", Q(title__icontains="biodéchets"), "without the accent"),
    Judgment("recylerie", Q(title__icontains="recyclerie"), "a typo (trigrams)"),
    Judgment("photovoltaique", Q(title__icontains="photovoltaïques"), "singular, without the accent"),
    Judgment("velo cargo", Q(title__icontains="vélo-cargo"), "two words of a compound"),
]


def structure_top(query: str, *, queryset=None) -> list[int]:
    from structures.filters import directory_queryset

    data = QueryDict(mutable=True)
    data.update({"q": query, "sort": "relevance"})
    _filterset, _display, _sort, ordered = directory_queryset(data, queryset=queryset)
    return list(ordered.values_list("pk", flat=True)[:TOP])


def tender_top(query: str, *, queryset=None) -> list[int]:
    from tenders.filters import TenderFilter
    from tenders.views import list_queryset

    data = QueryDict(mutable=True)
    data.update({"q": query, "status": "all", "sort": "relevance"})
    filterset = TenderFilter(data, queryset=queryset if queryset is not None else list_queryset())
    return list(filterset.qs.values_list("pk", flat=True)[:TOP])


def score(judgment: Judgment, top: list[int], expected: set[int]) -> tuple[int, int]:
    """(expected results found in the top 5, expected results that could be there)."""
    wanted = min(TOP, len(expected))
    return len(set(top) & expected), wanted


def judge(*, structures=None, tenders=None) -> list[dict]:
    """Every judgment with its score; `structures` and `tenders` restrict the lists (the bench leaves its own rows
    out)."""
    from structures.visibility import directory_structures
    from tenders.models import Tender

    listed = structures if structures is not None else directory_structures()
    published = tenders if tenders is not None else Tender.objects.published()
    results = []
    for kind, judgments, top_of, base in (
        ("structures", STRUCTURE_JUDGMENTS, structure_top, listed),
        ("tenders", TENDER_JUDGMENTS, tender_top, published),
    ):
        for judgment in judgments:
            expected = set(base.filter(judgment.expected).values_list("pk", flat=True))
            if kind == "structures":
                top = top_of(judgment.query, queryset=structures)
            else:
                top = top_of(judgment.query, queryset=None if tenders is None else _tender_list(tenders))
            found, wanted = score(judgment, top, expected)
            results.append(
                {"kind": kind, "query": judgment.query, "why": judgment.why, "found": found, "wanted": wanted}
            )
    return results


def _tender_list(tenders):
    from tenders.views import list_queryset

    return list_queryset().filter(pk__in=tenders.values("pk"))


def top5_share(results: list[dict]) -> float:
    wanted = sum(result["wanted"] for result in results)
    return sum(result["found"] for result in results) / wanted if wanted else 0.0


@pytest.fixture
def demo(db):
    from accounts import demo as accounts_demo
    from structures import demo as structures_demo
    from tenders import demo as tenders_demo

    accounts_demo.seed()
    structures_demo.seed()
    tenders_demo.seed()


def test_every_judged_result_comes_in_the_top_5(demo):
    results = judge()
    for result in results:
        assert result["wanted"] > 0, f"the demo holds nothing for {result}"
    missed = [result for result in results if result["found"] < result["wanted"]]
    assert not missed, missed
    assert top5_share(results) == 1.0


def test_relevance_lists_the_structures_of_the_waste_topic_first(client, demo):
    from structures.models import Structure

    response = client.get("/structures/", {"q": "déchets", "sort": "relevance", "per_page": 100})
    assert response.status_code == 200
    listed = [structure.slug for structure in response.context["page_obj"].object_list]
    waste = set(Structure.objects.filter(topics__slug=WASTE).values_list("slug", flat=True))
    carrying = [slug in waste for slug in listed]
    assert sum(carrying) >= 3
    # Every structure of the topic first, then the others (urban farms that mention waste in their description).
    assert carrying == sorted(carrying, reverse=True), listed
    assert not all(carrying), "the description still counts: others follow"
    ressourceries = [slug for slug in listed if "ressourcerie" in slug]
    assert ressourceries and all(listed.index(slug) < sum(carrying) for slug in ressourceries)


def test_restauration_finds_a_tender_by_its_topic(client, demo):
    response = client.get("/appels-d-offres/", {"q": "restauration", "status": "all"})
    titles = [tender.title for tender in response.context["page_obj"].object_list]
    assert any(title.startswith("Repas biologiques") for title in titles), titles


def test_prefix_negation_and_quotes(client, demo):
    """The last word is a prefix; "-word" still excludes and quoted phrases stay phrases."""
    from structures.models import Structure

    def names(query):
        response = client.get("/structures/", {"q": query, "per_page": 100})
        return [structure.name for structure in response.context["page_obj"].object_list]

    assert any("Ressourcerie" in name for name in names("ressou"))
    assert not any("Ressourcerie" in name for name in names("déchets -ressourcerie"))
    phrase = names('"Jardins de Belleville"')
    assert phrase[0] == "Les Jardins de Belleville"
    assert Structure.objects.filter(name__icontains="jardin").count() > len(phrase)


def test_search_pages_keep_their_query_bounds(client, demo, django_assert_max_num_queries):
    # The bounds of tests/structures/test_directory.py and tests/tenders/test_list.py: the search adds no query.
    with django_assert_max_num_queries(18):
        response = client.get("/structures/", {"q": "déchets", "sort": "relevance", "per_page": 100})
    assert response.status_code == 200
    with django_assert_max_num_queries(16):
        response = client.get("/appels-d-offres/", {"q": "restauration", "status": "all"})
    assert response.status_code == 200
