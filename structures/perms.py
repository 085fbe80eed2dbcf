"""Who may do what with a structure. Small functions, tested directly (tests/structures/test_perms.py).

Views do not rely on these alone: they fetch through user-scoped querysets (`Structure.objects.for_member(user)`,
`administered_by(user)`) so that someone else's structure is a 404. Services call these to refuse an action
whatever the entry point (view, admin, command).

- Any member of a structure edits its profile; its administrators also manage the team and archive it.
- Les Canaux staff (`user.is_platform_staff`) verify structures and may act on any team (join requests of
  structures without an administrator, for instance). Buyers, although `is_staff`, have no say on structures.
"""

from __future__ import annotations

from structures.models import Membership, Structure


def _role(user, structure: Structure) -> str | None:
    if not getattr(user, "is_authenticated", False) or not user.is_active or structure.pk is None:
        return None
    return structure.memberships.filter(user=user).values_list("role", flat=True).first()


def is_member(user, structure: Structure) -> bool:
    return _role(user, structure) is not None


def can_verify(user) -> bool:
    """Verify or reject structures (staff only)."""
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_platform_staff)


def can_edit(user, structure: Structure) -> bool:
    """Edit the public profile: members of the structure (any role) and staff."""
    return can_verify(user) or is_member(user, structure)


def can_manage_members(user, structure: Structure) -> bool:
    """Invite, change roles, remove members, answer join requests, archive: the structure's admins and staff."""
    return can_verify(user) or _role(user, structure) == Membership.Role.ADMIN
