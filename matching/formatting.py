"""How dates and links read in the alerts: "12 mars 2026 à 12 h 00 (dans 9 jours)", absolute URLs from SITE_URL."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

PARIS = ZoneInfo("Europe/Paris")


def deadline_text(deadline: datetime.datetime, *, now: datetime.datetime | None = None) -> str:
    """ "12 mars 2026 à 12 h 00 (dans 9 jours)" in Europe/Paris time, in the active language."""
    local = timezone.localtime(deadline, PARIS)
    today = timezone.localtime(now or timezone.now(), PARIS).date()
    day = formats.date_format(local, "j F Y")
    if local.day == 1 and translation.get_language() in (None, "fr"):
        day = day.replace("1 ", "1er ", 1)
    hour = formats.time_format(local, "TIME_FORMAT")  # "12 h 00" (ess2024/formats), "12:00" in English
    days = (local.date() - today).days
    if days < 0:
        remaining = _("date dépassée")
    elif days == 0:
        remaining = _("aujourd'hui")
    elif days == 1:
        remaining = _("demain")
    else:
        remaining = ngettext("dans %(days)d jour", "dans %(days)d jours", days) % {"days": days}
    return _("%(day)s à %(hour)s (%(remaining)s)") % {"day": day, "hour": hour, "remaining": remaining}


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def tender_path(tender) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        try:
            return reverse("tenders:detail", kwargs={"slug": tender.slug})
        except NoReverseMatch:  # the tender page is not wired yet
            return f"/appels-d-offres/{tender.slug}/"


def tender_url(tender) -> str:
    return absolute(tender_path(tender))


def site_url(name: str, **kwargs) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return absolute(reverse(name, kwargs=kwargs or None))
