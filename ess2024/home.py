"""What the home page shows: the charter's two targets, the measured shares and the period they cover."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import Max, Min
from django.utils import formats, translation
from django.utils.translation import gettext as _

from charter.selectors import Figures, aggregates, without_hours
from tenders.models import Award

CHARTER_VALUE_TARGET = Decimal("25")
CHARTER_HOURS_TARGET = Decimal("10")


def day_text(day: datetime.date) -> str:
    """ "1er janvier 2022", "30 novembre 2026" in French ("January 1, 2022" style in another language)."""
    text = formats.date_format(day, "j F Y")
    if day.day == 1 and translation.get_language() in (None, "fr"):
        text = text.replace("1 ", "1er ", 1)
    return text


def period_text(first: datetime.date | None, last: datetime.date | None, *, hours: bool = False) -> str:
    """Which awards a share is measured on, by their award dates: "Calculé sur les marchés attribués du 1er janvier
    2022 au 30 novembre 2026." Empty without awards."""
    if first is None or last is None:
        return ""
    if first == last:
        if hours:
            return _("Calculé sur les heures des marchés attribués le %(day)s.") % {"day": day_text(first)}
        return _("Calculé sur les marchés attribués le %(day)s.") % {"day": day_text(first)}
    dates = {"start": day_text(first), "end": day_text(last)}
    if hours:
        return _("Calculé sur les heures des marchés attribués du %(start)s au %(end)s.") % dates
    return _("Calculé sur les marchés attribués du %(start)s au %(end)s.") % dates


def context() -> dict:
    # One query: the measured shares (charter.selectors.Figures: .value / .hours are Share objects, .value in percent
    # or None without data, .met, .gap in points) and the first and last award dates they cover. The hours share
    # leaves out the awards without hours ("heures non renseignées"), so its period is that of the others.
    with_hours = ~without_hours()
    row = (
        Award.objects.filter(is_active=True)
        .order_by()
        .aggregate(
            **aggregates(),
            first_awarded_on=Min("awarded_on"),
            hours_first_awarded_on=Min("awarded_on", filter=with_hours),
            hours_last_awarded_on=Max("awarded_on", filter=with_hours),
        )
    )
    return {
        "value_target": CHARTER_VALUE_TARGET,
        "hours_target": CHARTER_HOURS_TARGET,
        "charter_figures": Figures.from_row(row),
        "value_period": period_text(row["first_awarded_on"], row["last_awarded_on"]),
        "hours_period": period_text(row["hours_first_awarded_on"], row["hours_last_awarded_on"], hours=True),
    }
