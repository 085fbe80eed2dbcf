"""The health endpoint `/sante/`: is this web process able to serve? (issue 13)

    GET /sante/  →  200 {"status": "ok",    "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}
                 →  503 {"status": "error", "checks": {"database": "ok", "cache": "ok", "broker": "error"}}

Three checks, each with a short timeout: the database answers `SELECT 1` (one query, through Django's own
connection, the one the pages use), the Redis cache answers PING, the Celery broker accepts a connection. A check
that does not apply says "skipped": the in-memory cache of `make run`, or the broker when Celery runs tasks
in-process (CELERY_TASK_ALWAYS_EAGER). Nothing else is said: no version, no host, no error text (the error goes to
the log), no session, no cookie, no write, not cached by anyone.

Callers: the Dockerfile's HEALTHCHECK and docker-compose run `python -m ess2024.health`, which requests the page
over plain HTTP from inside the container. Behind SECURE_SSL_REDIRECT that would be a 301, so the probe sends
`X-Forwarded-Proto: https`, exactly what the TLS-terminating proxy sends (SECURE_PROXY_SSL_HEADER): the production
settings stay untouched and no path is exempted from HTTPS. Its Host is the first entry of ALLOWED_HOSTS. A load
balancer probing the web processes directly must send the same header (or use HTTPS).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

logger = logging.getLogger(__name__)

# Seconds each check may take; three checks stay under the 5 s of the Docker HEALTHCHECK.
TIMEOUT = 1.5
OK, ERROR, SKIPPED = "ok", "error", "skipped"


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return OK


def _ping_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT, socket_timeout=TIMEOUT)
    try:
        client.ping()
    finally:
        client.close()


def check_cache() -> str:
    config = settings.CACHES["default"]
    if "redis" not in config["BACKEND"].lower():
        return SKIPPED  # an in-process cache (make run, tests): nothing to reach
    locations = config["LOCATION"]
    for url in re.split("[;,]", locations) if isinstance(locations, str) else locations:  # as Django reads it
        _ping_redis(url)
    return OK


def check_broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return SKIPPED  # tasks run in-process: no broker is used
    from kombu import Connection

    with Connection(
        settings.CELERY_BROKER_URL,
        connect_timeout=TIMEOUT,
        transport_options={"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT},
    ) as broker:
        broker.ensure_connection(max_retries=1, timeout=TIMEOUT)
    return OK


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


@never_cache
@require_safe
@transaction.non_atomic_requests  # ATOMIC_REQUESTS would open the connection before the view: a 500, not a 503
def health(request):
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            results[name] = check()
        except Exception:
            logger.exception("Health check %r failed after %.2f s", name, time.perf_counter() - started)
            results[name] = ERROR
    healthy = ERROR not in results.values()
    return JsonResponse({"status": OK if healthy else ERROR, "checks": results}, status=200 if healthy else 503)


def probe(port: int = 8000) -> int:
    """`python -m ess2024.health [PORT]`: 0 when http://127.0.0.1:PORT/sante/ answers 200, else 1 (HEALTHCHECK)."""
    import http.client

    hosts = [h.strip() for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h.lstrip(".") for h in hosts if h != "*"), "localhost")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=8)
    try:
        conn.request("GET", "/sante/", headers={"Host": host, "X-Forwarded-Proto": "https"})
        response = conn.getresponse()
        body = response.read(2000).decode("utf-8", "replace")
    except OSError as error:
        print(f"/sante/ injoignable : {error}", file=sys.stderr)
        return 1
    finally:
        conn.close()
    print(response.status, body)
    return 0 if response.status == 200 else 1


if __name__ == "__main__":
    sys.exit(probe(int(sys.argv[1]) if len(sys.argv) > 1 else 8000))
