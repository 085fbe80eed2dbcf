"""/sante/: the database, the Redis cache and the Celery broker, each reachable or named as the one that is not.

Everything is real: the test PostgreSQL, the Redis that `make test` provides (REDIS_URL), and for a failure a port of
127.0.0.1 that nothing listens on.
"""

from __future__ import annotations

import socket
import time

import pytest
from django.conf import settings
from django.test import override_settings

from ess2024.health import probe

URL = "/sante/"


def closed_port() -> int:
    """A port of 127.0.0.1 nothing listens on: bound by the system, then released."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url():
    assert settings.REDIS_URL, "REDIS_URL must point at a real Redis (make test starts one)"
    return settings.REDIS_URL


def redis_cache(url: str) -> dict:
    return {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}}


@pytest.fixture
def production_like(redis_url):
    """Cache and broker on the real Redis, as in production (the test settings keep both in-process)."""
    with override_settings(CACHES=redis_cache(redis_url), CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL=redis_url):
        yield


def test_all_reachable_is_200_with_each_check_ok_in_one_query(client, db, production_like, django_assert_num_queries):
    with django_assert_num_queries(1):
        response = client.get(URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok", "broker": "ok"}}
    # No session, no CSRF or language cookie, not cached by a proxy.
    assert not response.cookies
    assert "Set-Cookie" not in response.headers
    assert "no-store" in response["Cache-Control"]


def test_in_process_cache_and_eager_tasks_are_skipped_not_failed(client, db):
    response = client.get(URL)  # the test settings: in-memory cache, Celery in-process

    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "cache": "skipped", "broker": "skipped"}


def test_broker_on_a_closed_port_is_503_naming_the_broker(client, db, production_like):
    started = time.perf_counter()
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0"):
        response = client.get(URL)

    assert response.status_code == 503
    assert response.json() == {"status": "error", "checks": {"database": "ok", "cache": "ok", "broker": "error"}}
    assert time.perf_counter() - started < 5  # a short timeout, not kombu's default retries
    assert "Set-Cookie" not in response.headers


def test_cache_on_a_closed_port_is_503_naming_the_cache(client, db, production_like):
    with override_settings(CACHES=redis_cache(f"redis://127.0.0.1:{closed_port()}/0")):
        response = client.get(URL)

    assert response.status_code == 503
    body = response.json()
    assert body["checks"] == {"database": "ok", "cache": "error", "broker": "ok"}
    # Says which check failed, nothing about why (no host, port or exception text).
    assert "127.0.0.1" not in response.content.decode()
    assert "Error" not in response.content.decode()


def test_database_on_a_closed_port_is_503_naming_the_database(client, transactional_db, monkeypatch):
    from django.db import connection

    connection.close()
    monkeypatch.setitem(connection.settings_dict, "PORT", str(closed_port()))
    try:
        response = client.get(URL)
    finally:
        connection.close()
        monkeypatch.undo()

    assert response.status_code == 503  # not a 500: ATOMIC_REQUESTS does not open the connection first
    assert response.json()["checks"]["database"] == "error"


def test_behind_the_ssl_redirect_the_proxy_header_is_served_and_plain_http_is_redirected(client, db):
    with override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["ess2024.example.org"]):
        plain = client.get(URL, headers={"host": "ess2024.example.org"})
        proxied = client.get(URL, headers={"host": "ess2024.example.org", "x-forwarded-proto": "https"})
        other_host = client.get(URL, headers={"host": "127.0.0.1", "x-forwarded-proto": "https"})

    assert plain.status_code == 301
    assert proxied.status_code == 200
    assert other_host.status_code == 400  # ALLOWED_HOSTS applies: the probe sends an allowed Host


def test_only_safe_methods(client, db):
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_the_healthcheck_probe_exits_0_on_a_served_site_and_1_when_nothing_answers(live_server, monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", ".example.org,localhost")
    port = int(live_server.url.rsplit(":", 1)[1])

    assert probe(port) == 0
    assert probe(closed_port()) == 1


def test_docker_healthchecks_use_the_endpoint_and_services_wait_for_what_they_need():
    import yaml

    root = settings.BASE_DIR
    dockerfile = (root / "Dockerfile").read_text()
    assert "HEALTHCHECK" in dockerfile and '"ess2024.health"' in dockerfile
    services = yaml.safe_load((root / "docker-compose.yml").read_text())["services"]

    assert "ess2024.health" in services["web"]["healthcheck"]["test"]
    assert "inspect ping" in " ".join(services["worker"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert "ping" in services["redis"]["healthcheck"]["test"]
    for name in ("web", "worker", "beat"):
        needs = services[name]["depends_on"]
        assert needs["postgres"]["condition"] == "service_healthy"
        assert needs["redis"]["condition"] == "service_healthy"
        assert needs["migrate"]["condition"] == "service_completed_successfully"
    assert services["beat"]["depends_on"]["worker"]["condition"] == "service_healthy"
    # The image's HEALTHCHECK is for web: the other containers of the same image replace or disable it.
    assert services["beat"]["healthcheck"] == {"disable": True}
    assert services["migrate"]["healthcheck"] == {"disable": True}
