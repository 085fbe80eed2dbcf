"""Writes on API tokens: issue (the key is returned once, never stored), revoke, note a use.

Callers: the admin (`api/admin.py`) for issuing and revoking, the authentication class for `token_touch`.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from api.models import ApiToken

KEY_PREFIX = "ess_"
# A use is written at most this often per token: no write on every request.
TOUCH_EVERY = datetime.timedelta(minutes=5)


class ApiTokenError(Exception):
    """A French message for the person who tried."""


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def token_issue(*, token: ApiToken, by) -> str:
    """Save `token` (organisation and name set, not saved yet) with a fresh key; return the key, shown only once."""
    if token.pk is not None:
        raise ApiTokenError(_("Ce jeton existe déjà : sa clé ne peut plus être affichée. Créez-en un nouveau."))
    key = new_key()
    token.key_hash = key_digest(key)
    token.prefix = key[: len(KEY_PREFIX) + 6]
    token.created_by = by if getattr(by, "is_authenticated", False) else None
    token.save()
    return key


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Refuse the token from now on (401). Revoking twice is an error the admin shows."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise ApiTokenError(_("Ce jeton est déjà révoqué."))
    token.revoked_at = timezone.now()
    token.revoked_by = by if getattr(by, "is_authenticated", False) else None
    token.save(update_fields=["revoked_at", "revoked_by"])
    return token


def token_for_key(key: str) -> ApiToken | None:
    """The active token holding `key`, with its organisation, or None (unknown or revoked)."""
    if not key or len(key) > 200:
        return None
    return ApiToken.objects.active().select_related("organisation").filter(key_hash=key_digest(key)).first()


def token_touch(*, token: ApiToken) -> None:
    """Record that the token was used now, unless that was recorded less than TOUCH_EVERY ago."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
