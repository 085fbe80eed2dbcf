"""Rate limits: one for anonymous callers (by IP address), one per token. Counts live in Django's cache, which is
Redis in production (`REDIS_URL`), so every gunicorn worker shares them; a refused request gets 429 with
`Retry-After` (seconds).

The rates are read from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` (scopes `anon` and `token`) at each request,
not once at import as DRF's `SimpleRateThrottle.THROTTLE_RATES` does: a settings change (or a test's
`override_settings`) applies at once.
"""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from api.authentication import token_of


class _RatesFromSettings(SimpleRateThrottle):
    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class AnonymousRateThrottle(_RatesFromSettings):
    """Requests without a token, counted per client IP address."""

    scope = "anon"

    def get_cache_key(self, request, view):
        if token_of(request) is not None:
            return None  # the token's own limit applies
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenRateThrottle(_RatesFromSettings):
    """Requests with a token, counted per token (whatever the address)."""

    scope = "token"

    def get_cache_key(self, request, view):
        token = token_of(request)
        if token is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": token.pk}
