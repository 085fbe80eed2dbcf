"""Personal links are secrets: find them in an email and mask them ("[lien personnel masqué]").

A password-reset link, an email-confirmation link, an invitation, a one-click unsubscribe link: whoever reads one
can act as its recipient. The outbox keeps such an email's real body only until it leaves (or finally fails); the
admin only ever shows the masked form, and nothing here is logged.

A link counts as personal when any of these holds, so that a new kind of email is covered without a list to keep:

- its path resolves to one of our views taking a key-like argument (``token``, ``key``, ``uidb36``, ``code``...),
  whatever its name (allauth's reset and confirmation pages, the unsubscribe link, structure invitations);
- a path segment or a query value looks like a signed value or a random key: Django's ``signing`` output
  (``value:timestamp:signature``, also ``%3A``-encoded), or a run of 16+ letters and digits mixing both;
- a query parameter is named like a key (``token``, ``key``, ``code``, ``signature``...).

Values the sender knows to be secret but that are not links (a login code) are masked by passing them as
``extra``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.translation import gettext

# Absolute links (emails only carry absolute ones: SITE_URL + path). Stops at blanks, quotes and brackets, so it
# finds links in text, in HTML attributes and in "<...>" header values alike.
URL_RE = re.compile(r"""https?://[^\s<>"'`()\[\]{}]+""", re.IGNORECASE)
# URL keyword arguments and query parameters that carry a key.
KEY_NAMES = frozenset({"token", "key", "uidb36", "uidb64", "uid", "code", "signature", "sig", "secret", "hash"})
SIGNED_RE = re.compile(r"[A-Za-z0-9_\-]+:[A-Za-z0-9_\-]+")
RANDOM_RUN_RE = re.compile(r"[A-Za-z0-9_]{16,}")
# Extra secret values shorter than this are not masked on their own (a one-character "code" would mask every "a").
MIN_EXTRA_LENGTH = 4


def mask() -> str:
    return gettext("[lien personnel masqué]")


def _looks_random(value: str) -> bool:
    value = unquote(value)
    if ":" in value and len(value) >= 10 and SIGNED_RE.search(value):
        return True
    for run in RANDOM_RUN_RE.findall(value):
        if any(c.isdigit() for c in run) and any(c.isalpha() for c in run):
            return True
    return False


@lru_cache(maxsize=4096)
def _route_takes_a_key(path: str) -> bool:
    """Does `path` resolve to one of our views taking a key-like argument (in any of the site's languages)?"""
    languages = [code for code, _name in settings.LANGUAGES]
    for language in languages:
        try:
            with translation.override(language):
                match = resolve(path)
        except Resolver404:
            continue
        return any(name in KEY_NAMES for name in match.kwargs)
    return False


@lru_cache(maxsize=4096)
def is_personal_link(url: str) -> bool:
    """Cached: an email carries the same site links over and over (only its personal ones differ)."""
    return _is_personal_link(url)


def _is_personal_link(url: str) -> bool:
    parts = urlsplit(url.replace("&amp;", "&"))
    if any(_looks_random(segment) for segment in parts.path.split("/") if segment):
        return True
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name.lower() in KEY_NAMES or _looks_random(value):
            return True
    if parts.fragment and _looks_random(parts.fragment):
        return True
    return _route_takes_a_key(parts.path or "/")


def _clean_extra(extra: Iterable[str]) -> list[str]:
    values = {str(value) for value in extra if value and len(str(value)) >= MIN_EXTRA_LENGTH}
    return sorted(values, key=len, reverse=True)  # the longest first: a key inside its link goes with the link


def redact(text: str, *, extra: Iterable[str] = ()) -> str:
    """`text` with every personal link, and every `extra` value, replaced by "[lien personnel masqué]"."""
    if not text:
        return text
    replacement = None
    for value in _clean_extra(extra):
        if value in text:
            replacement = replacement or mask()
            text = text.replace(value, replacement)

    def masked(match: re.Match) -> str:
        nonlocal replacement
        if not is_personal_link(match.group(0)):
            return match.group(0)
        replacement = replacement or mask()
        return replacement

    return URL_RE.sub(masked, text)


def redact_headers(headers: Mapping[str, str], *, extra: Iterable[str] = ()) -> dict[str, str]:
    extra = list(extra)
    return {name: redact(str(value), extra=extra) for name, value in (headers or {}).items()}


def contains_secret(*texts: str, extra: Iterable[str] = ()) -> bool:
    """Whether any of `texts` holds a personal link or one of the `extra` values."""
    extra = _clean_extra(extra)
    for text in texts:
        if not text:
            continue
        if any(value in text for value in extra):
            return True
        if any(is_personal_link(match.group(0)) for match in URL_RE.finditer(text)):
            return True
    return False
