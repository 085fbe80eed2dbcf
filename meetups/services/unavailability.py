"""The slots a participant (a buyer, or a registered structure) cannot attend."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetups import perms
from meetups.models import (
    Meetup,
    Registration,
    RegistrationStatus,
    Unavailability,
)
from meetups.services.common import _lock_meetup
from meetups.services.errors import MeetupError, NotAllowed
from meetups.services.schedule import meetup_slots
from tenders.models import BuyerOrganisation


@transaction.atomic
def unavailability_set(
    *,
    meetup: Meetup,
    slots: Iterable[datetime.datetime],
    buyer: BuyerOrganisation | None = None,
    registration: Registration | None = None,
    by,
) -> list[datetime.datetime]:
    """Replace the slots a participant (a buyer, or a registered structure) cannot attend."""
    if (buyer is None) == (registration is None):
        raise ValueError("unavailability_set: give exactly one of buyer, registration")
    if buyer is not None and not perms.can_act_for_buyer(by, buyer.pk):
        raise NotAllowed()
    if registration is not None and not perms.can_act_for_structure(by, registration.structure):
        raise NotAllowed()
    meetup = _lock_meetup(meetup)
    if meetup.starts_at <= timezone.now() and not perms.can_organise(by):
        raise MeetupError(_("La rencontre a commencé : les indisponibilités ne peuvent plus changer."), code="started")
    if buyer is not None and not meetup.buyers.filter(pk=buyer.pk).exists():
        raise MeetupError(_("Votre organisation ne tient pas de table à cette rencontre."), code="buyer_absent")
    if registration is not None and (
        registration.meetup_id != meetup.pk or registration.status == RegistrationStatus.CANCELLED
    ):
        raise MeetupError(_("Cette inscription n'est pas active pour cette rencontre."), code="cancelled")
    valid = set(meetup_slots(meetup))
    chosen = sorted(set(slots))
    if not set(chosen) <= valid:
        raise MeetupError(_("Choisissez des créneaux de la rencontre."), code="bad_slot")
    if len(chosen) >= len(valid) > 0:
        raise MeetupError(
            _("Vous ne pouvez pas être indisponible sur tous les créneaux : annulez plutôt votre participation."),
            code="all_slots",
        )
    who = {"buyer": buyer} if buyer is not None else {"registration": registration}
    Unavailability.objects.filter(meetup=meetup, **who).delete()
    Unavailability.objects.bulk_create([Unavailability(meetup=meetup, starts_at=slot, **who) for slot in chosen])
    return chosen
