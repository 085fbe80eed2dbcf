"""Invitations: a signed link valid 7 days, bound to the address it was sent to, used once."""

from __future__ import annotations

from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from outbox.services import queue_email
from structures import perms
from structures.models import (
    Invitation,
    Membership,
    Structure,
)
from structures.services.common import _absolute_url, _lock
from structures.services.errors import NotAllowed, StructureError

INVITATION_VALIDITY = timedelta(days=7)
INVITATION_SALT = "structures.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=INVITATION_SALT, compress=False)


@transaction.atomic
def invitation_create(*, structure: Structure, email: str, role: str, by: User) -> Invitation:
    """An administrator invites someone by email (a signed link valid 7 days). A previous pending one is replaced."""
    if not perms.can_manage_members(by, structure):
        raise NotAllowed(_("Seuls les administrateurs de la structure peuvent inviter des personnes."))
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise StructureError(
            _("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr."), code="email"
        ) from None
    if role not in Membership.Role.values:
        raise StructureError(_("Choisissez le rôle de la personne invitée."), code="role")
    locked = _lock(structure)
    if locked.archived_at is not None:
        raise StructureError(_("Cette structure est archivée : elle ne peut plus inviter."), code="archived")
    member_emails = Q(user__email__iexact=email) | Q(user__emailaddress__email__iexact=email)
    if locked.memberships.filter(member_emails).exists():
        raise StructureError(_("%(email)s fait déjà partie de l'équipe.") % {"email": email}, code="already_member")
    now = timezone.now()
    locked.invitations.filter(email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    invitation = Invitation.objects.create(
        structure=locked, email=email, role=role, invited_by=by, expires_at=now + INVITATION_VALIDITY
    )
    queue_email(
        to=email,
        template="structures/emails/invitation",
        kind="structure_invitation",
        sensitive=True,  # the link is the invitation: masked in the admin, removed once sent
        dedupe_key=f"structures.invitation.{invitation.pk}",
        context={
            "structure": locked,
            "invited_by": str(by),
            "role": invitation.get_role_display(),
            "expires_at": invitation.expires_at,
            "accept_url": _absolute_url("structures_space:invitation", invitation_token(invitation)),
        },
    )
    return invitation


def invitation_from_token(token: str, *, lock: bool = False) -> Invitation:
    """The invitation a link points at, if it can still be used; otherwise a StructureError saying why."""
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_VALIDITY)
    except signing.SignatureExpired:
        raise StructureError(
            _("Cette invitation a expiré (elle était valable 7 jours). Demandez à la structure de vous réinviter."),
            code="expired",
        ) from None
    except signing.BadSignature:
        raise StructureError(
            _("Ce lien d'invitation n'est pas valide : vérifiez qu'il a été copié en entier."), code="bad_token"
        ) from None
    queryset = Invitation.objects.select_related("structure")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(pk=pk).first()
    if invitation is None or invitation.revoked_at is not None:
        raise StructureError(
            _("Cette invitation a été annulée. Demandez à la structure de vous réinviter si besoin."), code="revoked"
        )
    if invitation.accepted_at is not None:
        raise StructureError(_("Cette invitation a déjà été utilisée."), code="used")
    if invitation.expires_at <= timezone.now():
        raise StructureError(
            _("Cette invitation a expiré (elle était valable 7 jours). Demandez à la structure de vous réinviter."),
            code="expired",
        )
    if invitation.structure.archived_at is not None:
        raise StructureError(_("Cette structure a été archivée : l'invitation n'est plus valable."), code="archived")
    return invitation


def _user_owns_address(user: User, email: str) -> bool:
    if user.email.lower() == email.lower():
        return True
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    """The invited person joins the team with the role they were invited with. The link then stops working."""
    invitation = invitation_from_token(token, lock=True)
    if not _user_owns_address(user, invitation.email):
        raise StructureError(
            _(
                "Cette invitation a été envoyée à %(email)s. Connectez-vous avec cette adresse, ou ajoutez-la "
                "à votre compte (« Mes adresses e-mail ») et confirmez-la."
            )
            % {"email": invitation.email},
            code="wrong_email",
        )
    structure = _lock(invitation.structure)
    if structure.memberships.filter(user=user).exists():
        raise StructureError(
            _("Vous faites déjà partie de l'équipe de « %(name)s ».") % {"name": structure.name}, code="already_member"
        )
    membership = Membership.objects.create(structure=structure, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, by: User) -> Invitation:
    if not perms.can_manage_members(by, invitation.structure):
        raise NotAllowed()
    locked = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if locked.accepted_at is not None:
        raise StructureError(_("Cette invitation a déjà été acceptée."), code="used")
    if locked.revoked_at is None:
        locked.revoked_at = timezone.now()
        locked.save(update_fields=["revoked_at"])
    return locked
