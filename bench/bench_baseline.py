"""Baseline: the home page's server time, beside the cost of one database round trip measured in the same run."""

from django.db import connection
from django.test import Client

from bench.common import count_queries, figure, timer


def run() -> list[dict]:
    client = Client()

    def home():
        response = client.get("/")
        assert response.status_code == 200, response.status_code

    def round_trip():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    _, queries = count_queries(home)
    return [
        figure("baseline.home.server_ms", timer(home, repeat=30), "ms"),
        figure("baseline.home.queries", queries, "queries"),
        figure("baseline.db.select1_ms", timer(round_trip, repeat=50), "ms"),
    ]
