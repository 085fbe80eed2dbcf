"""Joining as a buyer: a public body asks for an account, Les Canaux staff approve or refuse it.

1. `access_request_create` (the public form `/appels-d-offres/acheteurs/demande-acces/`) stores the request and
   emails the requester (acknowledgement) and every Les Canaux staff member (with a link to the request's page in
   the admin, where the decision is one click).
2. `access_request_approve` finds the buyer organisation by SIRET (then by name) or creates it, and sends the
   existing buyer invitation (`tenders.services.buyers.buyer_invite`): that email is the requester's answer, with
   the link to choose a password.
3. `access_request_refuse` requires a reason and emails it to the requester.

A request is decided once: deciding it again is a `BuyerAccessError` with a French message.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import STAFF_GROUP
from outbox.services import queue_email
from structures.validators import clean_siret
from tenders.models import BuyerAccessRequest, BuyerMembership, BuyerOrganisation
from tenders.services.buyers import buyer_invite

MESSAGE_MAX_LENGTH = 3000


class BuyerAccessError(Exception):
    """The request cannot be decided (already decided…). The message is French, for the person deciding."""


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def _staff_recipients() -> list[str]:
    User = get_user_model()
    return list(
        User.objects.filter(groups__name=STAFF_GROUP, is_active=True).order_by("pk").values_list("email", flat=True)
    )


@transaction.atomic
def access_request_create(
    *,
    organisation_name: str,
    siret: str,
    full_name: str,
    role: str,
    email: str,
    charter_signatory: bool,
    message: str = "",
) -> BuyerAccessRequest:
    """Store a buyer account request; acknowledge it to the requester and tell Les Canaux staff."""
    errors: dict[str, str] = {}
    organisation_name = (organisation_name or "").strip()
    full_name = (full_name or "").strip()
    role = (role or "").strip()
    email = (email or "").strip().lower()
    message = (message or "").strip()
    if not organisation_name:
        errors["organisation_name"] = _("Indiquez le nom de votre organisation.")
    try:
        siret = clean_siret(siret)
    except ValidationError as error:
        errors["siret"] = error.messages[0]
    if not full_name:
        errors["full_name"] = _("Indiquez votre prénom et votre nom.")
    if not role:
        errors["role"] = _("Indiquez votre fonction, par exemple « Responsable des achats ».")
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = _("Saisissez une adresse e-mail valide, par exemple prenom.nom@ville.fr.")
    if len(message) > MESSAGE_MAX_LENGTH:
        errors["message"] = _("Votre message est trop long (%(max)s caractères au plus).") % {
            "max": MESSAGE_MAX_LENGTH
        }
    if not errors and BuyerMembership.objects.filter(user__email__iexact=email).exists():
        errors["email"] = _(
            "Cette adresse a déjà un accès acheteur : connectez-vous, ou utilisez « Mot de passe oublié »."
        )
    if (
        not errors
        and BuyerAccessRequest.objects.filter(email__iexact=email, status=BuyerAccessRequest.Status.PENDING).exists()
    ):
        errors["email"] = _("Une demande est déjà en cours pour cette adresse : l'équipe des Canaux va y répondre.")
    if errors:
        raise ValidationError(errors)

    access_request = BuyerAccessRequest.objects.create(
        organisation_name=organisation_name,
        siret=siret,
        full_name=full_name,
        role=role,
        email=email,
        charter_signatory=bool(charter_signatory),
        message=message,
    )
    queue_email(
        to=email,
        template="tenders/emails/buyer_access_received",
        context={"request": access_request},
        dedupe_key=f"tenders-buyer-access-received-{access_request.pk}",
        kind="buyer_access_received",
    )
    with translation.override(settings.LANGUAGE_CODE):
        review_url = _absolute(reverse("admin:tenders_buyeraccessrequest_change", args=[access_request.pk]))
    for address in _staff_recipients():
        queue_email(
            to=address,
            template="tenders/emails/buyer_access_staff",
            context={"request": access_request, "review_url": review_url},
            dedupe_key=f"tenders-buyer-access-staff-{access_request.pk}-{address}",
            kind="buyer_access_staff",
        )
    return access_request


def _lock_pending(access_request: BuyerAccessRequest) -> BuyerAccessRequest:
    locked = BuyerAccessRequest.objects.select_for_update().get(pk=access_request.pk)
    if locked.status != BuyerAccessRequest.Status.PENDING:
        raise BuyerAccessError(
            _("Cette demande a déjà été traitée (%(status)s).") % {"status": locked.get_status_display().lower()}
        )
    return locked


def _unique_slug(name: str) -> str:
    base = slugify(name)[:200] or "acheteur"
    slug, n = base, 2
    while BuyerOrganisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def organisation_for(access_request: BuyerAccessRequest) -> BuyerOrganisation | None:
    """The existing organisation this request is about: same SIRET, else same name (case-insensitive)."""
    return (
        BuyerOrganisation.objects.filter(siret=access_request.siret).first()
        or BuyerOrganisation.objects.filter(name__iexact=access_request.organisation_name).first()
    )


@transaction.atomic
def access_request_approve(
    *, access_request: BuyerAccessRequest, by, organisation: BuyerOrganisation | None = None
) -> BuyerAccessRequest:
    """Approve: reuse (or create) the buyer organisation and invite the requester (the invitation is the answer)."""
    access_request = _lock_pending(access_request)
    organisation = organisation or organisation_for(access_request)
    if organisation is None:
        organisation = BuyerOrganisation.objects.create(
            name=access_request.organisation_name,
            slug=_unique_slug(access_request.organisation_name),
            kind=BuyerOrganisation.Kind.PUBLIC_BODY,
            siret=access_request.siret,
            charter_signatory=access_request.charter_signatory,
        )
    user = get_user_model().objects.filter(email__iexact=access_request.email).first()
    if user is not None and user.is_active and not user.first_name and not user.last_name:
        first, _sep, last = access_request.full_name.partition(" ")
        user.first_name, user.last_name = first[:150], last[:150]
        user.save(update_fields=["first_name", "last_name"])
    buyer_invite(organisation=organisation, email=access_request.email, by=by)
    if user is None:  # created by the invitation: give it the requester's name
        user = get_user_model().objects.get(email__iexact=access_request.email)
        first, _sep, last = access_request.full_name.partition(" ")
        user.first_name, user.last_name = first[:150], last[:150]
        user.save(update_fields=["first_name", "last_name"])
    access_request.status = BuyerAccessRequest.Status.APPROVED
    access_request.organisation = organisation
    access_request.decided_by = by
    access_request.decided_at = timezone.now()
    access_request.save(update_fields=["status", "organisation", "decided_by", "decided_at"])
    return access_request


@transaction.atomic
def access_request_refuse(*, access_request: BuyerAccessRequest, by, reason: str) -> BuyerAccessRequest:
    """Refuse with a reason, which the requester receives by email."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Indiquez le motif du refus : il est envoyé à la personne.")})
    access_request = _lock_pending(access_request)
    access_request.status = BuyerAccessRequest.Status.REFUSED
    access_request.refusal_reason = reason
    access_request.decided_by = by
    access_request.decided_at = timezone.now()
    access_request.save(update_fields=["status", "refusal_reason", "decided_by", "decided_at"])
    with translation.override(settings.LANGUAGE_CODE):
        form_url = _absolute(reverse("tenders:buyer_access_request"))
    queue_email(
        to=access_request.email,
        template="tenders/emails/buyer_access_refused",
        context={"request": access_request, "reason": reason, "form_url": form_url},
        dedupe_key=f"tenders-buyer-access-refused-{access_request.pk}",
        kind="buyer_access_refused",
    )
    return access_request
