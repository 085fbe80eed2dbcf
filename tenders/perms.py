"""Who may do what with tenders in the buyers' admin panel: small pure functions, tested directly.

A buyer user belongs to one organisation (BuyerMembership) and manages that organisation's tenders only. Les
Canaux staff (`user.is_platform_staff`) manage every tender. Querysets are scoped by
`Tender.objects.for_buyer(user)`; these functions answer for one object already fetched.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist

from tenders.models import TenderStatus

BUYERS_GROUP = "Acheteurs"

# What a buyer may still edit (texts, dates, lots, documents): a closed, awarded or cancelled tender is history.
EDITABLE_STATUSES = frozenset({TenderStatus.DRAFT, TenderStatus.PUBLISHED})


def is_platform_staff(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_platform_staff)


def buyer_organisation_id(user) -> int | None:
    """The id of the organisation the user buys for, or None (anonymous, not a buyer)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    try:
        return user.buyer_membership.organisation_id
    except ObjectDoesNotExist:
        return None


def is_buyer(user) -> bool:
    return buyer_organisation_id(user) is not None


def can_manage_tender(user, tender) -> bool:
    """See it in the admin, run its actions, answer its questions: staff, or a member of its buyer."""
    if is_platform_staff(user):
        return True
    organisation_id = buyer_organisation_id(user)
    return organisation_id is not None and tender.buyer_id == organisation_id


def can_edit_tender(user, tender) -> bool:
    """Change its texts, dates, lots and documents: while it is a draft or published."""
    return can_manage_tender(user, tender) and tender.status in EDITABLE_STATUSES


def can_delete_tender(user, tender) -> bool:
    """Only a draft can be deleted; anything the public saw is cancelled instead."""
    return can_manage_tender(user, tender) and tender.status == TenderStatus.DRAFT


def can_choose_buyer(user) -> bool:
    """Staff pick the buyer of a tender; a buyer's tenders always belong to their own organisation."""
    return is_platform_staff(user)
