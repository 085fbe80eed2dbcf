"""The open API's tender list at 20,000 tenders (the tenders bench's data): server time and queries, page sizes
10 and 100.

Figures, each beside its reference measured in the same run:
- `api.tenders.list.server_ms` / `.queries` — GET /api/v1/appels-d-offres/?status=all&page_size=10 (every published
  tender, newest first, with buyer, topics, places and lots), median; `api.tenders.list.100.server_ms` /
  `.100.queries` the same with page_size=100: the query count must not change with the page size;
- `api.tenders.list.filtered_server_ms` — with the list's filters (a topic and a French full-text search), 100 a page;
- `api.tenders.list.next_page_server_ms` — the page after the first 100 (following the `next` cursor);
- references: `api.tenders.reference.orm_100_ms` (the same 100-row page's queries through the ORM alone, without
  the request and the serialisation), `api.tenders.reference.html_list_server_ms` and `.html_filtered_server_ms`
  (the HTML list, 20 a page, with and without the same filters: served from the fragment cache while no tender
  changes, so a lower bound rather than a like-for-like) and `api.reference.select1_ms` (a `SELECT 1` round trip).
"""

from django.conf import settings
from django.db import connection
from django.test import override_settings
from rest_framework.test import APIClient

from bench.common import count_queries, figure, timer

URL = "/api/v1/appels-d-offres/?status=all&page_size={size}"


def run() -> list[dict]:
    # The rate limits are for clients, not for this loop (hundreds of requests a minute).
    unlimited = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": None, "token": None}}
    with override_settings(REST_FRAMEWORK=unlimited):
        return _measure()


def _measure() -> list[dict]:
    from bench.bench_tenders import SEARCH, WASTE, _ensure_tenders

    count = _ensure_tenders()
    print(f"  {count} appels d'offres de mesure", flush=True)
    client = APIClient()

    def get(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            return response

        return fetch

    figures = []
    results = {}
    for size in (10, 100):
        response, queries = count_queries(get(URL.format(size=size)))
        assert len(response.json()["results"]) == size
        results[size] = response
        ms = timer(get(URL.format(size=size)), repeat=15)
        suffix = "" if size == 10 else f".{size}"
        figures += [
            figure(f"api.tenders.list{suffix}.server_ms", ms, "ms"),
            figure(f"api.tenders.list{suffix}.queries", queries, "queries"),
        ]
    next_url = results[100].json()["next"]
    filtered = f"/api/v1/appels-d-offres/?status=all&page_size=100&topic={WASTE}&q={SEARCH}"

    def select1():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    html_list = "/appels-d-offres/?status=all"

    def orm_page():
        from api.views import published_tenders

        return list(published_tenders().order_by("-published_at", "-pk")[:101])

    html_filtered = f"/appels-d-offres/?status=all&topic={WASTE}&q={SEARCH}"
    return [
        *figures,
        figure("api.tenders.list.filtered_server_ms", timer(get(filtered), repeat=15), "ms"),
        figure("api.tenders.list.next_page_server_ms", timer(get(next_url), repeat=15), "ms"),
        figure("api.tenders.reference.html_list_server_ms", timer(get(html_list), repeat=15), "ms"),
        figure("api.tenders.reference.html_filtered_server_ms", timer(get(html_filtered), repeat=15), "ms"),
        figure("api.tenders.reference.orm_100_ms", timer(orm_page, repeat=15), "ms"),
        figure("api.reference.select1_ms", timer(select1, repeat=50), "ms"),
    ]
