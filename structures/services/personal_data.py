"""structures' share of settings.PERSONAL_DATA_PROVIDERS and ACCOUNT_DELETION_CHECKS."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from accounts.models import User
from structures.models import (
    Invitation,
    JoinRequest,
    Membership,
    Structure,
    StructureDraft,
)


def personal_data(user: User) -> dict:
    """structures' share of a user's personal data: teams, join requests, invitations sent and received."""
    memberships = Membership.objects.filter(user=user).select_related("structure").order_by("created_at")
    join_requests = JoinRequest.objects.filter(user=user).select_related("structure").order_by("created_at")
    received = Invitation.objects.filter(Q(email__iexact=user.email) | Q(accepted_by=user)).select_related("structure")
    sent = Invitation.objects.filter(invited_by=user).select_related("structure").order_by("created_at")
    draft = StructureDraft.objects.filter(user=user).first()
    return {
        "structures": [
            {
                "structure": m.structure.name,
                "siret": m.structure.siret,
                "role": m.get_role_display(),
                "depuis": m.created_at.isoformat(),
            }
            for m in memberships
        ],
        "demandes_pour_rejoindre_une_structure": [
            {
                "structure": r.structure.name,
                "message": r.message,
                "statut": r.get_status_display(),
                "date": r.created_at.isoformat(),
            }
            for r in join_requests
        ],
        "invitations_recues": [
            {
                "structure": i.structure.name,
                "adresse": i.email,
                "date": i.created_at.isoformat(),
                "acceptee_le": i.accepted_at.isoformat() if i.accepted_at else None,
            }
            for i in received.order_by("created_at")
        ],
        "invitations_envoyees": [
            {"structure": i.structure.name, "adresse": i.email, "date": i.created_at.isoformat()} for i in sent
        ],
        # The sign-up wizard's unfinished draft: what the person typed, step by step (contact name, email…).
        "inscription_en_cours": (
            {"etapes": draft.data, "modifiee_le": draft.updated_at.isoformat()} if draft is not None else None
        ),
    }


def account_deletion_check(user: User) -> str | None:
    """Refuse to delete the only administrator of a structure that has other members (they would be stranded)."""
    administered = list(Structure.objects.administered_by(user).values_list("pk", flat=True))
    if not administered:
        return None
    stranded = (
        Structure.objects.filter(pk__in=administered)
        .annotate(
            admins=Count("memberships", filter=Q(memberships__role=Membership.Role.ADMIN)),
            members=Count("memberships"),
        )
        .filter(admins=1, members__gt=1)
        .order_by("name")
    )
    names = [s.name for s in stranded]
    if not names:
        return None
    return _(
        "Vous êtes la seule personne administratrice de %(names)s, qui compte d'autres membres. Nommez d'abord "
        "une autre personne administratrice (page « Équipe » de la structure), puis supprimez votre compte."
    ) % {"names": ", ".join(f"« {name} »" for name in names)}
