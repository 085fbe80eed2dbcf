"""Helpers shared by the meet-up services: the row lock on the meet-up, who receives the emails."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from meetups.models import (
    Meetup,
)
from structures.models import Membership
from tenders.models import BuyerMembership


def _lock_meetup(meetup: Meetup) -> Meetup:
    return Meetup.objects.select_for_update(of=("self",)).get(pk=meetup.pk)


def _structure_admin_emails(structure_id: int) -> list[str]:
    emails = Membership.objects.filter(
        structure_id=structure_id, role=Membership.Role.ADMIN, user__is_active=True
    ).values_list("user__email", flat=True)
    return sorted(set(emails))


def _buyer_member_emails(buyer_ids: Iterable[int]) -> dict[int, list[str]]:
    """Active members' addresses of each buyer organisation."""
    emails: dict[int, set[str]] = defaultdict(set)
    for buyer_id, email in BuyerMembership.objects.filter(
        organisation_id__in=list(buyer_ids), user__is_active=True
    ).values_list("organisation_id", "user__email"):
        if email:
            emails[buyer_id].add(email)
    return {buyer_id: sorted(addresses) for buyer_id, addresses in emails.items()}
