"""Helpers shared by the structures services: row lock, absolute links, who receives the emails."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from accounts.models import STAFF_GROUP, User
from outbox.services import queue_email
from structures.models import (
    Membership,
    Structure,
)


def _lock(structure: Structure) -> Structure:
    return Structure.objects.select_for_update(of=("self",)).get(pk=structure.pk)


def _absolute_url(viewname: str, *args: Any) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return settings.SITE_URL + reverse(viewname, args=args)


def _admins(structure: Structure) -> list[User]:
    return list(
        User.objects.filter(
            structure_memberships__structure=structure,
            structure_memberships__role=Membership.Role.ADMIN,
            is_active=True,
        ).order_by("pk")
    )


def _staff_recipients() -> list[User]:
    return list(User.objects.filter(groups__name=STAFF_GROUP, is_active=True).order_by("pk"))


def _members(structure: Structure) -> list[User]:
    return list(
        User.objects.filter(structure_memberships__structure=structure, is_active=True).order_by("pk").distinct()
    )


def _email_members(*, structure: Structure, template: str, kind: str, context: dict[str, Any]) -> int:
    """Staff decisions (verified, refused, a detail asked for) reach every member of the team, not only admins."""
    members = _members(structure)
    for member in members:
        queue_email(
            to=member.email,
            template=template,
            kind=kind,
            context={"structure": structure, "recipient": member, **context},
        )
    return len(members)


def _authored(structure: Structure, by: User) -> Structure:
    """Make the history row of the next save() name `by` as its author (django-simple-history reads this)."""
    structure._history_user = by
    return structure
