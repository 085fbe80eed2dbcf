"""How each person wants to hear about tenders: frequency, ignored topics, followed searches, one-click unsubscribe.

The unsubscribe link carries a signed token (`TimestampSigner`, its own salt) holding the user id: no login is
needed, it cannot be forged, and it expires after UNSUBSCRIBE_MAX_AGE. GET shows a confirmation page; a POST (the
page's button, or a mail client's RFC 8058 one-click `List-Unsubscribe=One-Click`) sets the frequency to "none".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.formatting import site_url
from matching.models import Frequency, NotificationPreference, SavedSearch
from structures.models import Area, Topic
from tenders.models import BuyerOrganisation

UNSUBSCRIBE_SALT = "matching.unsubscribe"
UNSUBSCRIBE_MAX_AGE = datetime.timedelta(days=90)

# Querystring parameters that do not change which tenders a search finds.
NOT_FILTERS = {"page", "sort", "per_page", "partial"}


class InvalidToken(Exception):
    """A tampered or malformed unsubscribe token."""


class ExpiredToken(Exception):
    """A genuine unsubscribe token older than UNSUBSCRIBE_MAX_AGE."""


def unsubscribe_token(user) -> str:
    return signing.TimestampSigner(salt=UNSUBSCRIBE_SALT).sign(str(user.pk))


def user_id_from_token(token: str, *, max_age: datetime.timedelta = UNSUBSCRIBE_MAX_AGE) -> int:
    signer = signing.TimestampSigner(salt=UNSUBSCRIBE_SALT)
    try:
        value = signer.unsign(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise ExpiredToken from error
    except signing.BadSignature as error:
        raise InvalidToken from error
    try:
        return int(value)
    except ValueError as error:
        raise InvalidToken from error


def unsubscribe_url(user) -> str:
    return site_url("matching:unsubscribe", token=unsubscribe_token(user))


def unsubscribe_headers(user_or_url) -> dict[str, str]:
    """RFC 2369 / RFC 8058 headers: mail clients show an "unsubscribe" button that POSTs to the link.

    Takes the user, or their unsubscribe URL when the caller already has it.
    """
    url = user_or_url if isinstance(user_or_url, str) else unsubscribe_url(user_or_url)
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def preference_for(user) -> NotificationPreference:
    """The user's preference (an unsaved default — immediate, no ignored topic — when they never chose)."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference or NotificationPreference(user=user, frequency=Frequency.IMMEDIATE)


@transaction.atomic
def set_preferences(*, user, frequency: str, ignored_topics: Iterable[Topic]) -> NotificationPreference:
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    preference.frequency = Frequency(frequency)
    preference.unsubscribed_at = timezone.now() if frequency == Frequency.NONE else None
    preference.save(update_fields=["frequency", "unsubscribed_at", "updated_at"])
    preference.ignored_topics.set(list(ignored_topics))
    return preference


@transaction.atomic
def unsubscribe(*, user) -> NotificationPreference:
    """Stop every tender email to this person (their choices of topics are kept for when they come back)."""
    preference, _created = NotificationPreference.objects.select_for_update().get_or_create(user=user)
    if preference.frequency != Frequency.NONE:
        preference.frequency = Frequency.NONE
        preference.unsubscribed_at = timezone.now()
        preference.save(update_fields=["frequency", "unsubscribed_at", "updated_at"])
    return preference


def normalise_querystring(querystring: str) -> str:
    """The filters of a tender list URL, in a stable order, without paging/sorting and empty values."""
    data = QueryDict(querystring.lstrip("?"), mutable=True)
    pairs = sorted(
        (key, value.strip()) for key in data if key not in NOT_FILTERS for value in data.getlist(key) if value.strip()
    )
    normalised = QueryDict(mutable=True)
    for key, value in pairs:
        normalised.appendlist(key, value)
    return normalised.urlencode()


def describe_querystring(querystring: str) -> str:
    """A short French label for a saved search: "Restauration durable · Paris (75) · « déchets »"."""
    data = QueryDict(querystring)
    parts: list[str] = []
    if data.getlist("topic"):
        parts += list(Topic.objects.filter(slug__in=data.getlist("topic")).values_list("name", flat=True))
    if data.getlist("place"):
        parts += list(Area.objects.filter(code__in=data.getlist("place")).values_list("name", flat=True))
    if data.getlist("buyer"):
        parts += list(BuyerOrganisation.objects.filter(slug__in=data.getlist("buyer")).values_list("name", flat=True))
    if data.get("q"):
        parts.append(f"«\u00a0{data['q']}\u00a0»")
    if data.get("reserved") in ("on", "true", "True", "1"):
        parts.append(_("Lots réservés"))
    if data.get("value_min") or data.get("value_max"):
        parts.append(" – ".join(filter(None, [data.get("value_min", ""), data.get("value_max", "")])) + "\u00a0€")
    label = " · ".join(parts) or _("Tous les appels d'offres ouverts")
    return label[:300]


class SavedSearchLimit(Exception):
    pass


MAX_SAVED_SEARCHES = getattr(settings, "MATCHING_MAX_SAVED_SEARCHES", 20)


@transaction.atomic
def save_search(*, user, querystring: str) -> tuple[SavedSearch, bool]:
    """Follow the tenders list filtered by `querystring`. Saving the same filters twice keeps one search."""
    normalised = normalise_querystring(querystring)
    existing = SavedSearch.objects.filter(user=user, querystring=normalised).first()
    if existing:
        return existing, False
    if SavedSearch.objects.filter(user=user).count() >= MAX_SAVED_SEARCHES:
        raise SavedSearchLimit
    search, created = SavedSearch.objects.get_or_create(
        user=user, querystring=normalised, defaults={"label": describe_querystring(normalised)}
    )
    return search, created


@transaction.atomic
def delete_search(*, search: SavedSearch) -> None:
    search.delete()
