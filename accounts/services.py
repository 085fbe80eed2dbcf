"""Account services: what a person can do with their own account (GDPR access and erasure).

Other apps plug in through settings:
- PERSONAL_DATA_PROVIDERS: callables (user) -> dict, whose results are merged into the downloaded JSON;
- ACCOUNT_DELETION_CHECKS: callables (user) -> str | None, returning a French message when the account cannot be
  deleted yet (for instance: the user is the only administrator of a structure).
"""

from django.conf import settings
from django.db import transaction
from django.db.models import ProtectedError, RestrictedError
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import User


class AccountDeletionRefused(Exception):
    """The account cannot be deleted yet; `messages` say why and what to do first (in French)."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__(" ".join(messages))


def account_personal_data(user: User) -> dict:
    """accounts' own share of a user's personal data: the account and its email addresses."""
    from allauth.account.models import EmailAddress

    return {
        "compte": {
            "adresse_email": user.email,
            "prenom": user.first_name,
            "nom": user.last_name,
            "date_inscription": user.date_joined.isoformat(),
            "derniere_connexion": user.last_login.isoformat() if user.last_login else None,
            "actif": user.is_active,
            "equipe_les_canaux": user.is_platform_staff,
            "groupes": sorted(user.groups.values_list("name", flat=True)),
        },
        "adresses_email": [
            {"adresse": address.email, "verifiee": address.verified, "principale": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("-primary", "email")
        ],
    }


def user_personal_data(*, user: User) -> dict:
    """Everything the platform holds about `user`, as JSON-able data (GDPR right of access, art. 15 and 20)."""
    data = {"exporte_le": timezone.now().isoformat(), "plateforme": "ESS 2024"}
    for dotted in settings.PERSONAL_DATA_PROVIDERS:
        data.update(import_string(dotted)(user))
    return data


def user_deletion_problems(*, user: User) -> list[str]:
    """Why `user`'s account cannot be deleted right now (empty list: it can)."""
    problems = []
    for dotted in settings.ACCOUNT_DELETION_CHECKS:
        message = import_string(dotted)(user)
        if message:
            problems.append(str(message))
    return problems


@transaction.atomic
def user_delete(*, user: User) -> None:
    """Delete `user`'s account and what hangs on it (GDPR right to erasure).

    Raises AccountDeletionRefused when a check in ACCOUNT_DELETION_CHECKS objects. Rows other apps keep (an award,
    a structure) must not cascade from the user: their foreign keys use SET_NULL or PROTECT, and their deletion
    check explains what to do first.
    """
    locked = User.objects.select_for_update().get(pk=user.pk)
    problems = user_deletion_problems(user=locked)
    if problems:
        raise AccountDeletionRefused(problems)
    try:
        locked.delete()
    except (ProtectedError, RestrictedError) as error:
        # A row another app must keep still points at the user and no check explained it: refuse, never half-delete.
        raise AccountDeletionRefused(
            [
                _(
                    "Votre compte est encore lié à des informations qui doivent être conservées. "
                    "Écrivez à l'équipe des Canaux : elle supprimera votre compte avec vous."
                )
            ]
        ) from error
