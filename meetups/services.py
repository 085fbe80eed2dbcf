"""Meet-up writes: registration with a waitlist, meeting wishes, cancellation with promotion, the schedule.

Every service takes keyword-only arguments, checks who acts (`by`), and runs in one transaction. Seats are counted
under a row lock on the meet-up (`SELECT ... FOR UPDATE`), so two people taking the last seat at the same moment
get one confirmed and one waitlisted registration. Emails go through the outbox inside the same transaction.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetups import perms
from meetups.models import (
    Meeting,
    MeetingRequest,
    Meetup,
    MeetupStatus,
    Registration,
    RegistrationStatus,
)
from outbox.services import queue_email
from structures.models import Membership, Structure, VerificationStatus
from tenders.models import BuyerOrganisation


class MeetupError(Exception):
    """A business rule said no. `message` is French and meant for the person acting."""

    def __init__(self, message, *, code: str = "invalid"):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code

    def __str__(self) -> str:
        return self.message


class NotAllowed(MeetupError):
    def __init__(self, message=None):
        super().__init__(message or _("Vous n'avez pas les droits nécessaires pour cette action."), code="forbidden")


class AlreadyRegistered(MeetupError):
    def __init__(self, registration: Registration):
        super().__init__(
            _("%(structure)s est déjà inscrite à cette rencontre.") % {"structure": registration.structure.name},
            code="already_registered",
        )
        self.registration = registration


def _lock_meetup(meetup: Meetup) -> Meetup:
    return Meetup.objects.select_for_update(of=("self",)).get(pk=meetup.pk)


def _structure_admin_emails(structure_id: int) -> list[str]:
    emails = Membership.objects.filter(
        structure_id=structure_id, role=Membership.Role.ADMIN, user__is_active=True
    ).values_list("user__email", flat=True)
    return sorted(set(emails))


def _urls(meetup: Meetup) -> dict[str, str]:
    return {
        "url": reverse("meetups:detail", kwargs={"slug": meetup.slug}),
        "agenda_url": reverse("meetups:agenda", kwargs={"slug": meetup.slug}),
    }


def _waitlist_rank(registration: Registration) -> int:
    """1 for the first in line."""
    return (
        Registration.objects.filter(
            meetup_id=registration.meetup_id,
            status=RegistrationStatus.WAITLISTED,
            position__lt=registration.position,
        ).count()
        + 1
    )


# --- Registration ----------------------------------------------------------------------------------------------


@transaction.atomic
def registration_create(*, meetup: Meetup, structure: Structure, by) -> Registration:
    """Register `structure`: confirmed while seats remain, else waitlisted at the end of the line.

    The seat count is read under a lock on the meet-up row, so concurrent registrations queue up here.
    """
    if not perms.can_act_for_structure(by, structure):
        raise NotAllowed()
    meetup = _lock_meetup(meetup)
    if meetup.status != MeetupStatus.PUBLISHED:
        raise MeetupError(_("Les inscriptions à cette rencontre ne sont pas ouvertes."), code="not_open")
    if timezone.now() > meetup.registration_deadline:
        raise MeetupError(_("Les inscriptions à cette rencontre sont closes."), code="closed")
    if structure.archived_at is not None or structure.verification_status == VerificationStatus.REJECTED:
        raise MeetupError(_("Cette structure ne peut pas s'inscrire aux rencontres."), code="structure_inactive")
    existing = Registration.objects.active().filter(meetup=meetup, structure=structure).first()
    if existing is not None:
        raise AlreadyRegistered(existing)

    confirmed = Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED).count()
    registration = Registration(meetup=meetup, structure=structure, registered_by=by)
    if confirmed < meetup.capacity:
        registration.status = RegistrationStatus.CONFIRMED
    else:
        last = Registration.objects.filter(meetup=meetup, status=RegistrationStatus.WAITLISTED).aggregate(
            last=Max("position")
        )["last"]
        registration.status = RegistrationStatus.WAITLISTED
        registration.position = (last or 0) + 1
    registration.save(force_insert=True)

    if by.is_authenticated and by.email:
        confirmed_now = registration.status == RegistrationStatus.CONFIRMED
        queue_email(
            to=by.email,
            template="meetups/emails/registration_confirmed"
            if confirmed_now
            else "meetups/emails/registration_waitlisted",
            context={
                "meetup": meetup,
                "structure_name": structure.name,
                "rank": None if confirmed_now else _waitlist_rank(registration),
                **_urls(meetup),
            },
            dedupe_key=f"meetups-registration-{registration.pk}-{registration.status}",
            kind=f"meetup_registration_{registration.status}",
        )
    return registration


def _promote(meetup: Meetup, seats: int) -> list[Registration]:
    """Confirm the first `seats` waitlisted registrations (caller holds the meet-up lock) and email their admins."""
    if seats <= 0:
        return []
    promoted = list(
        Registration.objects.waitlist()
        .filter(meetup=meetup)
        .select_for_update(of=("self",))
        .select_related("structure")[:seats]
    )
    for registration in promoted:
        registration.status = RegistrationStatus.CONFIRMED
        registration.position = None
        registration.save(update_fields=["status", "position"])
        for address in _structure_admin_emails(registration.structure_id):
            queue_email(
                to=address,
                template="meetups/emails/registration_promoted",
                context={"meetup": meetup, "structure_name": registration.structure.name, **_urls(meetup)},
                dedupe_key=f"meetups-registration-{registration.pk}-promoted-{address}",
                kind="meetup_registration_promoted",
            )
    return promoted


@transaction.atomic
def registration_cancel(*, registration: Registration, by) -> Registration | None:
    """Cancel a registration (its meetings leave the schedule). A freed seat goes to the first waitlisted
    structure, whose administrators get an email. Returns the promoted registration, if any."""
    if not perms.can_act_for_structure(by, registration.structure):
        raise NotAllowed()
    meetup = _lock_meetup(registration.meetup)
    registration = Registration.objects.select_for_update(of=("self",)).get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise MeetupError(_("Cette inscription est déjà annulée."), code="already_cancelled")
    if meetup.starts_at <= timezone.now() and not perms.can_organise(by):
        raise MeetupError(_("La rencontre a commencé : l'inscription ne peut plus être annulée."), code="started")
    was_confirmed = registration.status == RegistrationStatus.CONFIRMED
    registration.status = RegistrationStatus.CANCELLED
    registration.position = None
    registration.cancelled_at = timezone.now()
    registration.save(update_fields=["status", "position", "cancelled_at"])
    Meeting.objects.filter(meetup=meetup, structure_id=registration.structure_id).delete()
    if was_confirmed and meetup.status == MeetupStatus.PUBLISHED and meetup.starts_at > timezone.now():
        promoted = _promote(meetup, 1)
        return promoted[0] if promoted else None
    return None


@transaction.atomic
def waitlist_fill(*, meetup: Meetup, by) -> list[Registration]:
    """Staff raised the capacity: confirm as many waitlisted registrations as there are free seats, in order."""
    if not perms.can_organise(by):
        raise NotAllowed()
    meetup = _lock_meetup(meetup)
    confirmed = Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED).count()
    return _promote(meetup, meetup.capacity - confirmed)


# --- Meeting wishes ----------------------------------------------------------------------------------------------


@transaction.atomic
def meeting_requests_set(
    *, registration: Registration, buyers: Iterable[BuyerOrganisation], notes: Mapping[int, str] | None = None, by
) -> list[MeetingRequest]:
    """Replace the buyers this registration wants to meet (kept wishes keep their place in line for the schedule).

    `notes` maps a buyer id to a short note ("what we would present")."""
    if not perms.can_act_for_structure(by, registration.structure):
        raise NotAllowed()
    meetup = _lock_meetup(registration.meetup)
    registration = Registration.objects.select_for_update(of=("self",)).get(pk=registration.pk)
    if registration.status == RegistrationStatus.CANCELLED:
        raise MeetupError(_("Cette inscription est annulée."), code="cancelled")
    if meetup.starts_at <= timezone.now():
        raise MeetupError(_("La rencontre a commencé : les demandes de rendez-vous sont closes."), code="started")
    notes = notes or {}
    wanted = {buyer.pk for buyer in buyers}
    attending = set(meetup.buyers.values_list("pk", flat=True))
    if not wanted <= attending:
        raise MeetupError(_("Vous ne pouvez demander que les acheteurs présents à la rencontre."), code="buyer_absent")
    existing = {request.buyer_id: request for request in registration.meeting_requests.all()}
    MeetingRequest.objects.filter(registration=registration).exclude(buyer_id__in=wanted).delete()
    changed = []
    for buyer_id in sorted(wanted & set(existing)):
        request = existing[buyer_id]
        note = (notes.get(buyer_id) or "").strip()[:300]
        if request.note != note:
            request.note = note
            changed.append(request)
    MeetingRequest.objects.bulk_update(changed, ["note"])
    MeetingRequest.objects.bulk_create(
        [
            MeetingRequest(
                registration=registration, buyer_id=buyer_id, note=(notes.get(buyer_id) or "").strip()[:300]
            )
            for buyer_id in sorted(wanted - set(existing))
        ]
    )
    return list(registration.meeting_requests.select_related("buyer").order_by("buyer__name"))


# --- Schedule ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unplaced:
    request_id: int
    structure: str
    buyer: str
    reason: str


@dataclass
class ScheduleResult:
    placed: int = 0
    slots: int = 0
    tables: int = 0
    unplaced: list[Unplaced] = field(default_factory=list)


def meetup_slots(meetup: Meetup) -> list[datetime.datetime]:
    """The start of each meeting slot, from the meet-up's start, every `meeting_minutes`, ending by its end."""
    step = datetime.timedelta(minutes=meetup.meeting_minutes)
    slots, start = [], meetup.starts_at
    while start + step <= meetup.ends_at:
        slots.append(start)
        start += step
    return slots


@transaction.atomic
def schedule_build(*, meetup: Meetup, by) -> ScheduleResult:
    """Build the one-to-one schedule from the confirmed registrations' wishes, replacing any previous one.

    Deterministic greedy assignment: each buyer holds one table (by name); wishes are taken verified structures
    first, then round by round (every structure's first wish, then every second wish…), earlier registrations
    first; each goes to the earliest slot where both the buyer and the structure are free. Wishes that fit
    nowhere are reported as unplaced. Three queries to read, one to delete, one to insert.
    """
    if not perms.can_organise(by):
        raise NotAllowed()
    meetup = _lock_meetup(meetup)
    if meetup.status == MeetupStatus.CANCELLED:
        raise MeetupError(_("Cette rencontre est annulée : pas de planning."), code="cancelled")

    buyer_ids = list(meetup.buyers.order_by("name", "pk").values_list("pk", flat=True))
    table_of = {buyer_id: number for number, buyer_id in enumerate(buyer_ids, start=1)}
    slots = meetup_slots(meetup)
    step = datetime.timedelta(minutes=meetup.meeting_minutes)
    requests = list(
        MeetingRequest.objects.filter(registration__meetup=meetup, registration__status=RegistrationStatus.CONFIRMED)
        .select_related("registration__structure", "buyer")
        .only(
            "pk",
            "created_at",
            "buyer_id",
            "buyer__name",
            "registration__id",
            "registration__created_at",
            "registration__structure__id",
            "registration__structure__name",
            "registration__structure__verification_status",
        )
        .order_by("registration__created_at", "registration_id", "created_at", "pk")
    )
    rank_in_registration: dict[int, int] = defaultdict(int)
    keyed = []
    for request in requests:
        registration = request.registration
        rank = rank_in_registration[registration.pk]
        rank_in_registration[registration.pk] += 1
        verified = registration.structure.verification_status == VerificationStatus.VERIFIED
        keyed.append(((0 if verified else 1, rank, registration.created_at, registration.pk, request.pk), request))
    keyed.sort(key=lambda item: item[0])

    Meeting.objects.filter(meetup=meetup).delete()
    buyer_busy: dict[int, set[int]] = defaultdict(set)
    structure_busy: dict[int, set[int]] = defaultdict(set)
    meetings: list[Meeting] = []
    result = ScheduleResult(slots=len(slots), tables=len(buyer_ids))
    for _key, request in keyed:
        structure = request.registration.structure
        if request.buyer_id not in table_of:
            reason = _("l'acheteur ne participe plus à la rencontre")
        else:
            free = next(
                (
                    index
                    for index in range(len(slots))
                    if index not in buyer_busy[request.buyer_id] and index not in structure_busy[structure.pk]
                ),
                None,
            )
            if free is not None:
                buyer_busy[request.buyer_id].add(free)
                structure_busy[structure.pk].add(free)
                meetings.append(
                    Meeting(
                        meetup=meetup,
                        buyer_id=request.buyer_id,
                        structure_id=structure.pk,
                        request=request,
                        starts_at=slots[free],
                        ends_at=slots[free] + step,
                        table=table_of[request.buyer_id],
                    )
                )
                continue
            reason = _("plus de créneau libre commun")
        result.unplaced.append(
            Unplaced(request_id=request.pk, structure=structure.name, buyer=request.buyer.name, reason=str(reason))
        )
    Meeting.objects.bulk_create(meetings)
    result.placed = len(meetings)
    meetup.schedule_built_at = timezone.now()
    meetup.save(update_fields=["schedule_built_at", "updated_at"])
    return result
