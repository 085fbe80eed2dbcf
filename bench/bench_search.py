"""Search quality and search time of the structures directory and the tender list (issue 15, item 2).

Figures:
- `search.judged.top5_share` — the share of the judged results (tests/test_search_judged.py: query → the results
  that must come in the top 5) that do come in the top 5, on the demo data (target 1.0); beside it
  `search.judged.queries` (how many judged queries) and `search.judged.misses` (judged queries not fully served);
- `search.structures.ms` — GET /structures/?q=déchets (ranked, weighted, with topics and trigrams), median; beside
  `search.structures.unfiltered_ms` (the plain list) and `search.structures.typo_ms` (`?q=recylerie`);
- `search.tenders.ms` — GET /appels-d-offres/?q=restauration&status=all, median; beside
  `search.tenders.unfiltered_ms` (`?status=all`, no search);
- `search.structures.sql_ms` — the directory's main query alone for "déchets" (the 20 first by relevance) and its
  count, beside `search.structures.stored_only_sql_ms`: the same with the search before issue 15 (the stored
  vector alone, `ts_rank`, no topics, no trigrams), i.e. what the better ranking costs.

The demo data is seeded once (the seeders are idempotent). The judged share leaves out the rows other benchmarks
create (slugs "bench-…"), which would otherwise crowd the top 5; the timings run on everything the database holds
(the 50,000 structures and 20,000 tenders of bench_structures and bench_tenders when they have run).
"""

from django.db import transaction
from django.test import Client

from bench.common import figure, timer


def _seed_demo() -> None:
    from accounts import demo as accounts_demo
    from structures import demo as structures_demo
    from tenders import demo as tenders_demo

    with transaction.atomic():
        accounts_demo.seed()
        structures_demo.seed()
        tenders_demo.seed()


def _sql_ms(queryset) -> float:
    def run():
        list(queryset[:20].values_list("pk", flat=True))
        queryset.count()

    return timer(run)


def _stored_only(text: str):
    """The directory's search before issue 15: the stored vector alone, ranked by ts_rank."""
    from django.contrib.postgres.search import SearchRank
    from django.db.models import F

    from structures.search import SearchQuery
    from structures.visibility import directory_structures

    query = SearchQuery(text, config="fr_unaccent", search_type="websearch")
    return (
        directory_structures()
        .filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query))
        .order_by("-rank", "name", "pk")
    )


def run() -> list[dict]:
    from structures.visibility import directory_structures
    from tenders.models import Tender
    from tests.test_search_judged import judge, top5_share

    _seed_demo()
    results = judge(
        structures=directory_structures().exclude(slug__startswith="bench-"),
        tenders=Tender.objects.published().exclude(slug__startswith="bench-"),
    )
    misses = [result for result in results if result["found"] < result["wanted"]]
    for result in misses:
        print(f"  manqué : {result}", flush=True)

    from django.http import QueryDict

    from structures.filters import directory_queryset

    data = QueryDict(mutable=True)
    data.update({"q": "déchets"})
    searched = directory_queryset(data)[3]
    sql_ms, stored_only_ms = _sql_ms(searched), _sql_ms(_stored_only("déchets"))

    client = Client()

    def get(url: str):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    return [
        figure("search.judged.top5_share", top5_share(results), "share"),
        figure("search.judged.queries", len(results), "queries"),
        figure("search.judged.misses", len(misses), "queries"),
        figure("search.structures.ms", timer(get("/structures/?q=d%C3%A9chets")), "ms"),
        figure("search.structures.typo_ms", timer(get("/structures/?q=recylerie")), "ms"),
        figure("search.structures.unfiltered_ms", timer(get("/structures/")), "ms"),
        figure("search.tenders.ms", timer(get("/appels-d-offres/?q=restauration&status=all")), "ms"),
        figure("search.tenders.unfiltered_ms", timer(get("/appels-d-offres/?status=all")), "ms"),
        figure("search.structures.sql_ms", sql_ms, "ms"),
        figure("search.structures.stored_only_sql_ms", stored_only_ms, "ms"),
    ]
