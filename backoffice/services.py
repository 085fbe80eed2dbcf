"""Staff decisions taken from the back office. Verification and refusal live in structures.services (they are
the structures app's rules); asking for a detail is the back office's own: a ClarificationRequest row and an email
to the members, the structure staying pending.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from backoffice.models import ClarificationRequest
from structures import perms
from structures.models import Structure, VerificationStatus
from structures.services.common import _absolute_url, _email_members, _lock
from structures.services.errors import NotAllowed, StructureError

CLARIFICATION_MAX_LENGTH = 2000


@transaction.atomic
def structure_request_clarification(*, structure: Structure, by: User, message: str) -> ClarificationRequest:
    """Ask the members of a pending structure for a detail; they get `message` by email and see it in their space."""
    if not perms.can_verify(by):
        raise NotAllowed()
    message = (message or "").strip()
    if not message:
        raise StructureError(
            _("Écrivez la précision demandée : elle est envoyée aux membres de la structure."), code="message_required"
        )
    if len(message) > CLARIFICATION_MAX_LENGTH:
        raise StructureError(
            _("Le message compte %(count)d caractères : la limite est de %(max)d.")
            % {"count": len(message), "max": CLARIFICATION_MAX_LENGTH},
            code="message_too_long",
        )
    locked = _lock(structure)
    if locked.verification_status != VerificationStatus.PENDING:
        raise StructureError(
            _("« %(name)s » n'est plus en attente de vérification.") % {"name": locked.name}, code="not_pending"
        )
    request = ClarificationRequest.objects.create(structure=locked, message=message, asked_by=by)
    _email_members(
        structure=locked,
        template="backoffice/emails/clarification",
        kind="structure_clarification",
        context={"message": message, "space_url": _absolute_url("structures_space:detail", locked.slug)},
    )
    return request
