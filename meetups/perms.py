"""Who may do what with meet-ups: small pure functions, tested directly.

Structure members act for their own structures; Les Canaux staff (`user.is_platform_staff`) organise everything.
Views fetch through user-scoped querysets (`Registration.objects.for_member(user)`), so another structure's
registration is a 404; these functions answer for one object already fetched (services re-check them).
"""

from __future__ import annotations

from structures.models import Membership
from tenders.perms import buyer_organisation_id, is_platform_staff

__all__ = ["buyer_organisation_id", "can_act_for_buyer", "can_act_for_structure", "can_organise", "is_platform_staff"]


def can_organise(user) -> bool:
    """Build schedules, manage registrations of any structure: Les Canaux staff."""
    return is_platform_staff(user)


def can_act_for_structure(user, structure) -> bool:
    """Register, state wishes, cancel for `structure`: any of its members, or staff."""
    if is_platform_staff(user):
        return True
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return Membership.objects.filter(structure=structure, user=user).exists()


def can_act_for_buyer(user, buyer_id: int | None) -> bool:
    """Request structures, answer requests, mark unavailable slots for a buyer: its members, or staff."""
    if is_platform_staff(user):
        return True
    return buyer_id is not None and buyer_organisation_id(user) == buyer_id
