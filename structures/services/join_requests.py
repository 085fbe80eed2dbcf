"""Asking to join a structure; its administrators (or staff, when it has none) decide."""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from outbox.services import queue_email
from structures import perms
from structures.models import (
    JoinRequest,
    Membership,
    Structure,
    VerificationStatus,
)
from structures.services.common import _absolute_url, _admins, _lock, _staff_recipients
from structures.services.errors import NotAllowed, StructureError
from structures.services.members import _admin_count


@transaction.atomic
def join_request_create(*, structure: Structure, user: User, message: str = "") -> JoinRequest:
    """Ask to join an existing structure; its administrators (or staff, when it has none) get an email."""
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed()
    if structure.archived_at is not None:
        raise StructureError(_("Cette structure a été archivée."), code="archived")
    if structure.verification_status == VerificationStatus.REJECTED:
        raise StructureError(_("Cette structure n'accepte pas de demande pour rejoindre son équipe."), code="rejected")
    if structure.memberships.filter(user=user).exists():
        raise StructureError(
            _("Vous faites déjà partie de l'équipe de « %(name)s ».") % {"name": structure.name}, code="already_member"
        )
    already = _(
        "Votre demande pour rejoindre « %(name)s » est déjà envoyée : ses administrateurs vont y répondre."
    ) % {"name": structure.name}
    if structure.join_requests.filter(user=user, status=JoinRequest.Status.PENDING).exists():
        raise StructureError(already, code="already_requested")
    try:
        with transaction.atomic():
            join_request = JoinRequest.objects.create(structure=structure, user=user, message=(message or "").strip())
    except IntegrityError:
        raise StructureError(already, code="already_requested") from None

    context = {
        "structure": structure,
        "requester": user,
        "message": join_request.message,
        "team_url": _absolute_url("structures_space:team", structure.slug),
    }
    admins = _admins(structure)
    if admins:
        for admin in admins:
            queue_email(
                to=admin.email,
                template="structures/emails/join_request",
                kind="structure_join_request",
                context={**context, "recipient": admin},
            )
    else:
        context["team_url"] = settings.SITE_URL + reverse(
            "admin:structures_joinrequest_change", args=[join_request.pk]
        )
        for staff in _staff_recipients():
            queue_email(
                to=staff.email,
                template="structures/emails/join_request",
                kind="structure_join_request",
                context={**context, "recipient": staff, "for_staff": True},
            )
    return join_request


def _decide(*, request: JoinRequest, by: User) -> tuple[JoinRequest, Structure]:
    if not perms.can_manage_members(by, request.structure):
        raise NotAllowed(_("Seuls les administrateurs de la structure, ou l'équipe des Canaux, peuvent répondre."))
    structure = _lock(request.structure)
    locked = JoinRequest.objects.select_for_update().get(pk=request.pk)
    if locked.status != JoinRequest.Status.PENDING:
        raise StructureError(_("Cette demande a déjà été traitée."), code="already_decided")
    locked.decided_by = by
    locked.decided_at = timezone.now()
    return locked, structure


@transaction.atomic
def join_request_accept(*, request: JoinRequest, by: User) -> Membership:
    """Accept: the person joins as a member (as administrator when the structure has none yet)."""
    locked, structure = _decide(request=request, by=by)
    role = Membership.Role.ADMIN if _admin_count(structure) == 0 else Membership.Role.MEMBER
    membership, _created = Membership.objects.get_or_create(
        structure=structure, user=locked.user, defaults={"role": role}
    )
    locked.status = JoinRequest.Status.ACCEPTED
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    queue_email(
        to=locked.user.email,
        template="structures/emails/join_request_accepted",
        kind="structure_join_accepted",
        context={
            "structure": structure,
            "role": membership.get_role_display(),
            "space_url": _absolute_url("structures_space:detail", structure.slug),
        },
    )
    return membership


@transaction.atomic
def join_request_refuse(*, request: JoinRequest, by: User) -> JoinRequest:
    locked, structure = _decide(request=request, by=by)
    locked.status = JoinRequest.Status.REFUSED
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    queue_email(
        to=locked.user.email,
        template="structures/emails/join_request_refused",
        kind="structure_join_refused",
        context={"structure": structure},
    )
    return locked
