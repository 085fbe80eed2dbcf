"""Issue 13: every public list runs at most 8 queries, the same number for 10 rows as for 100, anonymous or signed
in; from the cache, none but the visitor's own (session, user, their structures or registrations)."""

import pytest
from django.core.cache import cache

from tests.perf.conftest import PAGES, count_queries, make_rows

pytestmark = pytest.mark.django_db

MAX_QUERIES = 8


def _counts(client) -> dict[str, tuple[int, int]]:
    """Per page: (queries rendering it, queries serving it again from the cache)."""
    counts = {}
    for name, url in PAGES.items():
        cache.clear()
        rendered, _ = count_queries(client, url)
        cached, _ = count_queries(client, url)
        counts[name] = (rendered, cached)
    return counts


@pytest.mark.parametrize("visitor", ["anonymous", "member"])
def test_at_most_8_queries_and_flat_between_10_and_100_rows(client, visitor, request):
    if visitor == "member":
        request.getfixturevalue("member")
    make_rows(10)
    small = _counts(client)
    make_rows(90, start=10)
    large = _counts(client)

    assert small == large  # flat in the number of rows
    for name, (rendered, cached) in large.items():
        assert rendered <= MAX_QUERIES, (name, rendered)
        assert cached < rendered, (name, rendered, cached)
    if visitor == "anonymous":
        # Nothing to read for an anonymous visitor but the page itself, and from the cache not even that.
        assert all(cached == 0 for _rendered, cached in large.values()), large


def test_the_lists_show_the_rows(client):
    """The counts above are of pages that do show their rows (a page that lost its rows would be cheap too)."""
    make_rows(12)
    for name, needle, expected in [
        ("tenders", "tender-card__facts", 12),
        ("tenders_filtered", "tender-card__facts", 12),
        ("structures", "structure-card__meta", 12),
        ("meetups", "meetup-card__date", 12),
        ("feed", "<entry>", 12),
        ("charter", 'class="charter-table__amount"', 3),  # three buyers
    ]:
        _queries, response = count_queries(client, PAGES[name])
        assert response.content.decode().count(needle) == expected, name
