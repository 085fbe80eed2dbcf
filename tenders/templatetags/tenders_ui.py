"""Template helpers for tender pages: `{% load tenders_ui %}`.

- `deadline|days_left` — "dans 9 jours", "demain", "aujourd'hui", "passée depuis 3 jours" (Europe/Paris dates);
- `amount|euros` — "150 000 €" (grouped digits, no cents unless there are some).
"""

from decimal import Decimal

from django import template
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from tenders.models import TenderStatus

register = template.Library()


@register.filter
def days_until(moment) -> int:
    """Calendar days between today and `moment`, both in the current time zone (Europe/Paris)."""
    return (timezone.localtime(moment).date() - timezone.localdate()).days


@register.filter
def days_left(moment) -> str:
    if moment is None:
        return ""
    days = days_until(moment)
    if moment <= timezone.now():
        if days == 0:
            return _("passée depuis aujourd'hui")
        return ngettext("passée depuis %(n)s jour", "passée depuis %(n)s jours", -days) % {"n": -days}
    if days == 0:
        return _("aujourd'hui")
    if days == 1:
        return _("demain")
    return ngettext("dans %(n)s jour", "dans %(n)s jours", days) % {"n": days}


@register.filter
def is_past(moment) -> bool:
    return moment is not None and moment <= timezone.now()


@register.filter
def euros(amount) -> str:
    if amount in (None, ""):
        return ""
    amount = Decimal(amount)
    places = 0 if amount == amount.to_integral_value() else 2
    # Translatable: English puts the sign first ("€150,000").
    # A real no-break space in the msgid (xgettext would keep a \u escape as literal text).
    amount_text = number_format(amount, places, use_l10n=True, force_grouping=True)
    return _("%(amount)s €") % {"amount": amount_text}


RESERVED_EXPLANATIONS = {
    "L2113-12": gettext_noop(
        "Ce lot est réservé aux entreprises adaptées (EA) et aux établissements et services d'accompagnement par "
        "le travail (ESAT), qui emploient des personnes en situation de handicap."
    ),
    "L2113-13": gettext_noop(
        "Ce lot est réservé aux structures d'insertion par l'activité économique (SIAE : entreprises d'insertion, "
        "ateliers et chantiers d'insertion, associations intermédiaires…)."
    ),
    "L2113-15": gettext_noop(
        "Ce lot est réservé aux entreprises de l'économie sociale et solidaire (associations, coopératives, "
        "mutuelles, fondations, entreprises agréées ESUS) pour certains services."
    ),
}


@register.filter
def reserved_explanation(code: str) -> str:
    text = RESERVED_EXPLANATIONS.get(code)
    return _(text) if text else ""


@register.filter
def public_status(tender) -> str:
    """The status a visitor understands: a published tender past its deadline is "Clos" even before the task runs."""
    if tender.status == TenderStatus.PUBLISHED and tender.bid_deadline <= timezone.now():
        return str(TenderStatus.CLOSED.label)
    if tender.status == TenderStatus.PUBLISHED:
        return _("Ouvert")
    return str(TenderStatus(tender.status).label)


@register.filter
def is_open(tender) -> bool:
    return tender.status == TenderStatus.PUBLISHED and tender.bid_deadline > timezone.now()


@register.filter
def has_reserved_lot(tender) -> bool:
    """Works on the list's annotated rows and on a plain tender (the lots are prefetched on the tender page)."""
    annotated = getattr(tender, "has_reserved_lot", None)
    if annotated is not None:
        return bool(annotated)
    return any(lot.reserved for lot in tender.lots.all())
