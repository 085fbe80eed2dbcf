"""The team: roles and removals; a structure always keeps at least one administrator."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from structures import perms
from structures.models import (
    Membership,
    Structure,
)
from structures.services.common import _lock
from structures.services.errors import NotAllowed, StructureError

LAST_ADMIN = gettext_lazy(
    "La structure doit garder au moins un administrateur : nommez d'abord une autre personne administratrice."
)


def _admin_count(structure: Structure) -> int:
    return structure.memberships.filter(role=Membership.Role.ADMIN).count()


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, by: User) -> Membership:
    if role not in Membership.Role.values:
        raise StructureError(_("Choisissez un rôle."), code="role")
    if not perms.can_manage_members(by, membership.structure):
        raise NotAllowed()
    structure = _lock(membership.structure)  # serialises changes of one team: the last-admin rule holds
    locked = Membership.objects.get(pk=membership.pk)
    if locked.role == role:
        return locked
    if locked.role == Membership.Role.ADMIN and _admin_count(structure) <= 1:
        raise StructureError(str(LAST_ADMIN), code="last_admin")
    locked.role = role
    locked.save(update_fields=["role"])
    return locked


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """An administrator removes someone, or a member leaves (by == membership.user)."""
    if by.pk != membership.user_id and not perms.can_manage_members(by, membership.structure):
        raise NotAllowed()
    structure = _lock(membership.structure)
    locked = Membership.objects.filter(pk=membership.pk).first()
    if locked is None:
        return
    if locked.role == Membership.Role.ADMIN and _admin_count(structure) <= 1:
        raise StructureError(str(LAST_ADMIN), code="last_admin")
    locked.delete()
