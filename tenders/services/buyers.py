"""Buyer organisations' people: staff invite buyer users by email.

An invited buyer gets an account (created if needed, `is_staff` so that the admin panel opens), a membership of
the organisation, the `Acheteurs` group (its permissions open the tender pages of the admin; tenders/admin.py
scopes them to the organisation) and an email with a link to choose a password — allauth's password-reset link,
valid `PASSWORD_RESET_TIMEOUT` seconds (3 days by default); after that, "Mot de passe oublié" sends a new one.
"""

from __future__ import annotations

from allauth.account.forms import default_token_generator
from allauth.account.models import EmailAddress
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from outbox.services import queue_email
from tenders.models import BuyerMembership, BuyerOrganisation
from tenders.perms import BUYERS_GROUP


class BuyerInvitationError(Exception):
    """The invitation cannot be made (the person already buys for another organisation). French message."""


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def password_set_url(user) -> str:
    """An absolute link to allauth's "choose a new password" page for `user` (single use, time-limited)."""
    key = f"{user_pk_to_url_str(user)}-{default_token_generator.make_token(user)}"
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
    return _absolute(path.replace("UID-KEY", key))


@transaction.atomic
def buyer_attach(*, organisation: BuyerOrganisation, user) -> BuyerMembership:
    """Make `user` a buyer of `organisation` (no email). Refuses a user who buys for another organisation."""
    membership = BuyerMembership.objects.select_for_update().filter(user=user).first()
    if membership is not None and membership.organisation_id != organisation.pk:
        raise BuyerInvitationError(
            _(
                "%(email)s est déjà acheteur pour « %(organisation)s » : une personne n'achète que pour une "
                "organisation."
            )
            % {"email": user.email, "organisation": membership.organisation.name}
        )
    if membership is None:
        membership = BuyerMembership.objects.create(organisation=organisation, user=user)
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=BUYERS_GROUP))
    return membership


@transaction.atomic
def buyer_invite(*, organisation: BuyerOrganisation, email: str, by) -> BuyerMembership:
    """Invite `email` to buy for `organisation`: account, membership, group, and an invitation email.

    Inviting again the same person re-sends the invitation (with a fresh link when no password was chosen yet).
    """
    User = get_user_model()
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            {"email": _("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.")}
        ) from None
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, is_staff=True)
    if not user.is_active:
        raise BuyerInvitationError(_("Le compte %(email)s est désactivé : réactivez-le d'abord.") % {"email": email})
    membership = buyer_attach(organisation=organisation, user=user)
    # Staff vouch for this address, and only its owner can use the link below: allauth may treat it as verified.
    address, _created = EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    has_password = user.has_usable_password()
    with translation.override(settings.LANGUAGE_CODE):
        login_url = _absolute(reverse("account_login"))
        admin_url = _absolute(reverse("admin:index"))
        reset_url = _absolute(reverse("account_reset_password"))
    queue_email(
        to=user.email,
        template="tenders/emails/buyer_invitation",
        context={
            "organisation_name": organisation.name,
            "inviter_name": str(by) if by is not None else "",
            "has_password": has_password,
            "set_password_url": "" if has_password else password_set_url(user),
            "login_url": login_url,
            "admin_url": admin_url,
            "reset_url": reset_url,
            "link_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        },
        kind="buyer_invitation",
        sensitive=not has_password,  # the "choose a password" link: masked in the admin, removed once sent
    )
    return membership


def personal_data(user) -> dict:
    """The buyer side of a user's personal data (settings.PERSONAL_DATA_PROVIDERS): organisation, tenders written,
    answers given. Empty for someone who never bought."""
    from tenders.models import Question, Tender

    membership = BuyerMembership.objects.filter(user=user).select_related("organisation").first()
    tenders = Tender.objects.filter(created_by=user).select_related("buyer").order_by("created_at")
    answers = Question.objects.filter(answered_by=user).select_related("tender").order_by("answered_at")
    if membership is None and not tenders.exists() and not answers.exists():
        return {}
    return {
        "acheteur": {
            "organisation": membership.organisation.name if membership else None,
            "depuis": membership.created_at.isoformat() if membership else None,
            "appels_d_offres_rediges": [
                {
                    "reference": t.reference,
                    "titre": t.title,
                    "acheteur": t.buyer.name,
                    "cree_le": t.created_at.isoformat(),
                }
                for t in tenders
            ],
            "reponses_aux_questions": [
                {
                    "appel_d_offres": q.tender.title,
                    "reponse": q.answer,
                    "date": q.answered_at.isoformat() if q.answered_at else None,
                }
                for q in answers
            ],
        }
    }
