"""Demo buyer organisations and their buyer users."""

from __future__ import annotations

from allauth.account.models import EmailAddress

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from tenders.models import BuyerOrganisation
from tenders.services.buyers import buyer_attach

from .reference import BUYERS


def _buyer_user(email: str, first_name: str, last_name: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, "is_staff": True}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _organisations() -> list[tuple[BuyerOrganisation, User, tuple]]:
    result = []
    for index, spec in enumerate(BUYERS):
        slug, name, kind, _prefix, _places, signed_on, (email, first, last) = spec
        organisation, _ = BuyerOrganisation.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "siret": _siret(index),
                "charter_signatory": signed_on is not None,
                "charter_signed_on": signed_on,
            },
        )
        user = _buyer_user(email, first, last)
        buyer_attach(organisation=organisation, user=user)
        result.append((organisation, user, spec))
    return result


def _siret(index: int) -> str:
    from structures.validators import make_siret

    return make_siret(900_000 + index)
