"""The day itself: staff check participants in, then record who never came to their meetings."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetups import perms
from meetups.models import (
    CheckIn,
    Meeting,
    Meetup,
    MeetupStatus,
    NoShow,
    Registration,
    RegistrationStatus,
)
from meetups.services.common import _lock_meetup
from meetups.services.errors import MeetupError, NotAllowed
from tenders.models import BuyerOrganisation


@transaction.atomic
def check_in(
    *, meetup: Meetup, buyer: BuyerOrganisation | None = None, registration: Registration | None = None, by
) -> CheckIn:
    """Staff mark a participant present (twice is harmless: the first arrival is kept)."""
    if not perms.can_organise(by):
        raise NotAllowed()
    if (buyer is None) == (registration is None):
        raise ValueError("check_in: give exactly one of buyer, registration")
    meetup = _lock_meetup(meetup)
    if meetup.status != MeetupStatus.PUBLISHED:
        raise MeetupError(_("Cette rencontre n'est pas publiée."), code="not_published")
    if buyer is not None and not meetup.buyers.filter(pk=buyer.pk).exists():
        raise MeetupError(_("Cet acheteur ne tient pas de table à cette rencontre."), code="buyer_absent")
    if registration is not None and (
        registration.meetup_id != meetup.pk or registration.status != RegistrationStatus.CONFIRMED
    ):
        raise MeetupError(
            _("Cette structure n'a pas d'inscription confirmée à cette rencontre."), code="not_confirmed"
        )
    who = {"buyer": buyer} if buyer is not None else {"registration": registration}
    arrival, _created = CheckIn.objects.get_or_create(meetup=meetup, **who, defaults={"checked_in_by": by})
    return arrival


@transaction.atomic
def check_in_undo(*, meetup: Meetup, buyer: BuyerOrganisation | None = None, registration=None, by) -> None:
    if not perms.can_organise(by):
        raise NotAllowed()
    if (buyer is None) == (registration is None):  # neither would match, and delete, every buyer's check-in
        raise ValueError("check_in_undo: give exactly one of buyer, registration")
    who = {"buyer": buyer} if buyer is not None else {"registration": registration}
    CheckIn.objects.filter(meetup=meetup, **who).delete()


@transaction.atomic
def no_shows_record(*, meetup: Meetup, by) -> int:
    """Once the meet-up has started, record on each meeting which side never checked in. Re-running it after late
    arrivals corrects the record. Returns the number of meetings with an absence."""
    if not perms.can_organise(by):
        raise NotAllowed()
    meetup = _lock_meetup(meetup)
    if meetup.starts_at > timezone.now():
        raise MeetupError(_("La rencontre n'a pas commencé : personne n'est encore absent."), code="not_started")
    buyers_in = set(CheckIn.objects.filter(meetup=meetup, buyer__isnull=False).values_list("buyer_id", flat=True))
    structures_in = set(
        CheckIn.objects.filter(meetup=meetup, registration__isnull=False).values_list(
            "registration__structure_id", flat=True
        )
    )
    meetings = list(Meeting.objects.filter(meetup=meetup).only("pk", "buyer_id", "structure_id", "no_show"))
    changed, absent = [], 0
    for meeting in meetings:
        buyer_absent = meeting.buyer_id not in buyers_in
        structure_absent = meeting.structure_id not in structures_in
        value = (
            NoShow.BOTH
            if buyer_absent and structure_absent
            else NoShow.BUYER
            if buyer_absent
            else NoShow.STRUCTURE
            if structure_absent
            else ""
        )
        absent += bool(value)
        if meeting.no_show != value:
            meeting.no_show = value
            changed.append(meeting)
    Meeting.objects.bulk_update(changed, ["no_show"])
    return absent
