"""Rate limits: 429 with Retry-After, counted in Redis (shared by every worker), per IP without a token, per token
with one. The rates are read at each request (api/throttling.py), so override_settings applies at once."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from tests.api.conftest import issue

LIST = "/api/v1/charte/"

pytestmark = pytest.mark.usefixtures("reference_data")


def rates(anon: str, token: str) -> dict:
    return {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": anon, "token": token}}


@pytest.fixture
def redis_cache():
    """The production cache: Redis (tests otherwise use a per-process memory cache)."""
    assert settings.REDIS_URL, "REDIS_URL must point at a real Redis"
    backend = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": settings.REDIS_URL}}
    with override_settings(CACHES=backend):
        cache.clear()
        yield cache
        cache.clear()


def test_anonymous_callers_get_429_with_retry_after(client_api, redis_cache):
    with override_settings(REST_FRAMEWORK=rates("2/min", "100/min")):
        assert [client_api.get(LIST).status_code for _ in range(2)] == [200, 200]
        response = client_api.get(LIST)
        assert response.status_code == 429
        assert 0 < int(response["Retry-After"]) <= 60
        assert "Trop de requêtes" in response.json()["detail"]
        # The count is in Redis: what another gunicorn worker would read.
        assert redis_cache._cache.get_client().keys("*throttle_anon_*")
        # Another address has its own count.
        assert client_api.get(LIST, REMOTE_ADDR="192.0.2.8").status_code == 200


def test_a_forged_forwarded_for_header_does_not_escape_the_limit(client_api, redis_cache):
    with override_settings(REST_FRAMEWORK=rates("1/min", "100/min")):
        assert client_api.get(LIST, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
        assert client_api.get(LIST, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 429


def test_each_token_has_its_own_count(client_api, buyer, redis_cache):
    _token, key = issue(buyer.organisation, "Premier")
    _other, other_key = issue(buyer.organisation, "Second")
    with override_settings(REST_FRAMEWORK=rates("1/min", "3/min")):
        codes = [client_api.get(LIST, HTTP_AUTHORIZATION=f"Token {key}").status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        assert client_api.get(LIST, HTTP_AUTHORIZATION=f"Token {other_key}").status_code == 200
        # The anonymous count is apart from the tokens'.
        assert client_api.get(LIST).status_code == 200
        assert client_api.get(LIST).status_code == 429


def test_the_default_rates_let_a_normal_client_through(client_api):
    assert all(client_api.get(LIST).status_code == 200 for _ in range(5))
