"""The public list pages (issue 13): where a request's time goes, rendered and from the cache, beside the page
without database (`/accessibilite/`) measured in the same run.

Figures, per page (tenders, tenders_search, tenders_filtered, structures, charter, meetups, feed):
- `lists.<page>.server_ms`: a request as visitors get it (the filter panel and results from the cache);
- `lists.<page>.render_ms`: the same request with an empty cache (what the first visitor after a write pays);
- `lists.<page>.queries`: the queries of that rendering (target ≤ 8, the same for 10 and 100 rows: tests/perf);
- `lists.<page>.ratio`: `/accessibilite/`'s server time ÷ the page's (issue 13's target under gunicorn: ≥ 0.4);
and `lists.reference.server_ms` (`/accessibilite/`). The profile of one rendering of each page (cProfile, top
entries by cumulative time) is printed: it is how the template includes per card and per checkbox were found.

Data: the demo (seeded once, idempotent) plus whatever the other benchmarks left in the database (the 100,000
awards of bench_charter, the 50,000 structures of bench_structures): the cold figures grow with them, the cached
ones do not.
"""

import cProfile
import io
import pstats

from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import figure, timer

PAGES = {
    "tenders": "/appels-d-offres/",
    "tenders_search": "/appels-d-offres/?q=restauration",
    "tenders_filtered": "/appels-d-offres/?topic=restauration-durable&status=all&sort=newest",
    "structures": "/structures/",
    "charter": "/charte/",
    "meetups": "/rencontres/",
    "feed": "/appels-d-offres/flux.atom",
}
REFERENCE = "/accessibilite/"
PROFILE_LINES = 12


def _seed_demo() -> None:
    from django.core.management import call_command

    from meetups.models import Meetup
    from tenders.models import Tender

    if not (Tender.objects.published().exists() and Meetup.objects.exists()):
        call_command("seed_demo", verbosity=0)


def _queries(fn) -> int:
    """The SQL queries of `fn()`, without the transaction's BEGIN and COMMIT (ATOMIC_REQUESTS)."""
    with CaptureQueriesContext(connection) as captured:
        fn()
    return sum(1 for query in captured.captured_queries if query["sql"] not in ("BEGIN", "COMMIT"))


def _profile(fn) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    out = io.StringIO()
    # Cumulative time, the project's code and the template engine's first: where a rendering goes.
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(
        r"work/main/(?!\.venv)|template/(base|loader_tags|defaulttags)|db/models/sql/compiler", PROFILE_LINES
    )
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls")), 0)
    return "\n".join(lines[start:])


def run() -> list[dict]:
    _seed_demo()
    client = Client()

    def get(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    def cold(url):
        fetch = get(url)

        def fetch_cold():
            cache.clear()
            fetch()

        return fetch_cold

    figures = []
    reference_ms = timer(get(REFERENCE), repeat=30)
    figures.append(figure("lists.reference.server_ms", reference_ms, "ms"))
    for name, url in PAGES.items():
        queries = _queries(cold(url))
        render_ms = timer(cold(url), repeat=7, warmup=1)
        server_ms = timer(get(url), repeat=30)
        figures += [
            figure(f"lists.{name}.server_ms", server_ms, "ms"),
            figure(f"lists.{name}.render_ms", render_ms, "ms"),
            figure(f"lists.{name}.queries", queries, "queries"),
            figure(f"lists.{name}.ratio", reference_ms / server_ms, "x"),
        ]
        print(f"\n--- {name} ({url}): one rendering with an empty cache (cProfile, cumulative time)")
        print(_profile(cold(url)))
    return figures
