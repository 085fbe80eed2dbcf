"""Staff decisions on a structure (verify, reject) and the life of a structure (review, archive, restore)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from structures import perms
from structures.models import (
    Structure,
    VerificationStatus,
)
from structures.services.common import _absolute_url, _authored, _email_members, _lock
from structures.services.errors import NotAllowed, StructureError


@transaction.atomic
def structure_verify(*, structure: Structure, by: User) -> Structure:
    """Staff mark a structure as verified; its members get an email."""
    if not perms.can_verify(by):
        raise NotAllowed()
    locked = _authored(_lock(structure), by)
    if locked.is_verified:
        raise StructureError(_("« %(name)s » est déjà vérifiée.") % {"name": locked.name}, code="already_verified")
    locked.verification_status = VerificationStatus.VERIFIED
    locked.rejection_reason = ""
    locked.verified_at = timezone.now()
    locked.verified_by = by
    locked.save(update_fields=["verification_status", "rejection_reason", "verified_at", "verified_by", "updated_at"])
    _email_members(
        structure=locked,
        template="structures/emails/verified",
        kind="structure_verified",
        context={
            "space_url": _absolute_url("structures_space:detail", locked.slug),
            "public_url": _absolute_url("structures:detail", locked.slug),
        },
    )
    return locked


@transaction.atomic
def structure_reject(*, structure: Structure, by: User, reason: str) -> Structure:
    """Staff refuse a structure (a reason is required and sent to its members)."""
    if not perms.can_verify(by):
        raise NotAllowed()
    reason = (reason or "").strip()
    if not reason:
        raise StructureError(
            _("Indiquez le motif du refus : il est envoyé aux membres de la structure."),
            code="reason_required",
        )
    locked = _authored(_lock(structure), by)
    if locked.verification_status == VerificationStatus.REJECTED:
        raise StructureError(_("« %(name)s » est déjà refusée.") % {"name": locked.name}, code="already_rejected")
    locked.verification_status = VerificationStatus.REJECTED
    locked.rejection_reason = reason
    locked.verified_at = None
    locked.verified_by = by
    locked.save(update_fields=["verification_status", "rejection_reason", "verified_at", "verified_by", "updated_at"])
    _email_members(
        structure=locked,
        template="structures/emails/rejected",
        kind="structure_rejected",
        context={"reason": reason, "space_url": _absolute_url("structures_space:detail", locked.slug)},
    )
    return locked


@transaction.atomic
def structure_request_review(*, structure: Structure, by: User) -> Structure:
    """After a refusal, the structure's administrators fix the profile and ask staff to look again."""
    if not perms.can_manage_members(by, structure):
        raise NotAllowed()
    locked = _authored(_lock(structure), by)
    if locked.verification_status != VerificationStatus.REJECTED:
        raise StructureError(_("Cette structure n'a pas été refusée."), code="not_rejected")
    locked.verification_status = VerificationStatus.PENDING
    locked.save(update_fields=["verification_status", "updated_at"])
    return locked


@transaction.atomic
def structure_archive(*, structure: Structure, by: User) -> Structure:
    """Hide a structure from the directory and from matching; its history (members, awards…) is kept."""
    if not perms.can_manage_members(by, structure):
        raise NotAllowed()
    locked = _authored(_lock(structure), by)
    if locked.archived_at is not None:
        raise StructureError(_("Cette structure est déjà archivée."), code="already_archived")
    locked.archived_at = timezone.now()
    locked.save(update_fields=["archived_at", "updated_at"])
    return locked


@transaction.atomic
def structure_restore(*, structure: Structure, by: User) -> Structure:
    """Staff bring an archived structure back into the directory."""
    if not perms.can_verify(by):
        raise NotAllowed()
    locked = _authored(_lock(structure), by)
    if locked.archived_at is None:
        raise StructureError(_("Cette structure n'est pas archivée."), code="not_archived")
    locked.archived_at = None
    locked.save(update_fields=["archived_at", "updated_at"])
    return locked
