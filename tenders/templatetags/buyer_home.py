"""`{% buyer_home_for user as home %}`: the buyer's home (tenders.panels.buyer_home) for the admin index, or None."""

from django import template

from tenders.panels import buyer_home, buyer_organisation_of
from tenders.perms import buyer_organisation_id, is_platform_staff

register = template.Library()


@register.simple_tag
def buyer_home_for(user):
    if is_platform_staff(user):
        return None
    organisation = buyer_organisation_of(user)
    if organisation is None:
        return None
    return {"organisation": organisation, **buyer_home(organisation.pk)}


@register.simple_tag
def is_staff_member(user):
    return is_platform_staff(user)


@register.simple_tag
def is_buyer_only(user):
    """A buyer who is not Les Canaux staff (their admin index is their home)."""
    return not is_platform_staff(user) and buyer_organisation_id(user) is not None
