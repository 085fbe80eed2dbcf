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
    AgendaNotice,
    CheckIn,
    Meeting,
    MeetingRating,
    MeetingRequest,
    Meetup,
    MeetupStatus,
    NoShow,
    RatingSide,
    Registration,
    RegistrationStatus,
    RequestDirection,
    RequestStatus,
    Unavailability,
)
from outbox.services import queue_email, queue_emails
from structures.models import Membership, Structure, VerificationStatus
from tenders.models import BuyerMembership, BuyerOrganisation


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
    agendas_notify(meetup=meetup)
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
    own = registration.meeting_requests.filter(direction=RequestDirection.STRUCTURE)
    existing = {request.buyer_id: request for request in own}
    # Priority: the order given (a list), else the wishes already made first, in their order, then the new ones.
    ordered = [buyer.pk for buyer in buyers]
    if not isinstance(buyers, list | tuple):
        ordered = sorted(ordered, key=lambda pk: (existing[pk].priority if pk in existing else 10_000, pk))
    own.exclude(buyer_id__in=wanted).delete()
    initial = RequestStatus.PENDING if meetup.requests_need_acceptance else RequestStatus.ACCEPTED
    # The buyer already asked this structure: asking back is the answer, both requests are accepted.
    asked_by_buyer = set(
        MeetingRequest.objects.filter(
            registration=registration, direction=RequestDirection.BUYER, buyer_id__in=wanted
        ).values_list("buyer_id", flat=True)
    )
    now = timezone.now()
    changed, created = [], []
    for priority, buyer_id in enumerate(dict.fromkeys(ordered), start=1):
        note = (notes.get(buyer_id) or "").strip()[:300]
        request = existing.get(buyer_id)
        if request is None:
            status = RequestStatus.ACCEPTED if buyer_id in asked_by_buyer else initial
            created.append(
                MeetingRequest(
                    registration=registration,
                    buyer_id=buyer_id,
                    direction=RequestDirection.STRUCTURE,
                    status=status,
                    priority=priority,
                    note=note,
                    requested_by=by if by.is_authenticated else None,
                    responded_at=now if status == RequestStatus.ACCEPTED and meetup.requests_need_acceptance else None,
                )
            )
        elif request.note != note or request.priority != priority:
            request.note, request.priority = note, priority
            changed.append(request)
    MeetingRequest.objects.bulk_update(changed, ["note", "priority"])
    MeetingRequest.objects.bulk_create(created)
    for request in created:
        request.registration = registration
        _notify_request_received(request, meetup)
    if asked_by_buyer:
        MeetingRequest.objects.filter(
            registration=registration,
            direction=RequestDirection.BUYER,
            buyer_id__in=asked_by_buyer,
            status=RequestStatus.PENDING,
        ).update(status=RequestStatus.ACCEPTED, responded_at=now, responded_by=by if by.is_authenticated else None)
    return list(own.select_related("buyer").order_by("priority", "buyer__name"))


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
def schedule_build(*, meetup: Meetup, by, allow_move: bool = False) -> ScheduleResult:
    """Build the schedule now with the optimising scheduler (meetups/scheduling): accepted requests, tables,
    breaks and unavailability; confirmed (pinned) meetings stay unless `allow_move`. Staff normally run it as a
    Celery task from the schedule page, which shows the difference before applying it; this applies at once."""
    from meetups.scheduling.db import schedule_build as optimise_and_apply

    return optimise_and_apply(meetup=meetup, by=by, allow_move=allow_move)


# --- Requests both ways, answers, unavailability -------------------------------------------------------------------


def _buyer_member_emails(buyer_ids: Iterable[int]) -> dict[int, list[str]]:
    """Active members' addresses of each buyer organisation."""
    emails: dict[int, set[str]] = defaultdict(set)
    for buyer_id, email in BuyerMembership.objects.filter(
        organisation_id__in=list(buyer_ids), user__is_active=True
    ).values_list("organisation_id", "user__email"):
        if email:
            emails[buyer_id].add(email)
    return {buyer_id: sorted(addresses) for buyer_id, addresses in emails.items()}


def _check_open_for_requests(meetup: Meetup) -> None:
    if meetup.status != MeetupStatus.PUBLISHED:
        raise MeetupError(_("Cette rencontre n'est pas ouverte aux demandes de rendez-vous."), code="not_open")
    if meetup.starts_at <= timezone.now():
        raise MeetupError(_("La rencontre a commencé : les demandes de rendez-vous sont closes."), code="started")


def _notify_request_received(request: MeetingRequest, meetup: Meetup) -> None:
    """Tell the side asked that a request waits for its answer (only when the meet-up asks for acceptance)."""
    if request.status != RequestStatus.PENDING:
        return
    if request.direction == RequestDirection.STRUCTURE:
        recipients = _buyer_member_emails([request.buyer_id]).get(request.buyer_id, [])
        requester, url = request.registration.structure.name, reverse("meetups:buyer", kwargs={"slug": meetup.slug})
    else:
        recipients = _structure_admin_emails(request.registration.structure_id)
        requester, url = request.buyer.name, reverse("meetups:detail", kwargs={"slug": meetup.slug})
    for address in recipients:
        queue_email(
            to=address,
            template="meetups/emails/request_received",
            context={"meetup": meetup, "requester": requester, "note": request.note, "url": url},
            dedupe_key=f"meetups-request-{request.pk}-received-{address}",
            kind="meetup_request_received",
        )


@transaction.atomic
def buyer_requests_set(
    *,
    meetup: Meetup,
    buyer: BuyerOrganisation,
    registrations: list[Registration],
    notes: Mapping[int, str] | None = None,
    by,
) -> list[MeetingRequest]:
    """Replace the structures a buyer wants to meet, in order of priority (the first is the first wish).

    `registrations` are confirmed registrations of the meet-up; `notes` maps a registration id to a short note. A
    structure that already asked this buyer gets its request accepted: asking back is the answer."""
    if not perms.can_act_for_buyer(by, buyer.pk):
        raise NotAllowed()
    meetup = _lock_meetup(meetup)
    _check_open_for_requests(meetup)
    if not meetup.buyers.filter(pk=buyer.pk).exists():
        raise MeetupError(_("Votre organisation ne tient pas de table à cette rencontre."), code="buyer_absent")
    wanted = list(dict.fromkeys(registration.pk for registration in registrations))
    confirmed = set(
        Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    if set(wanted) - confirmed:
        raise MeetupError(
            _("Vous ne pouvez demander que les structures inscrites et confirmées à la rencontre."),
            code="structure_absent",
        )
    notes = notes or {}
    own = MeetingRequest.objects.filter(
        registration__meetup=meetup, buyer=buyer, direction=RequestDirection.BUYER
    ).select_for_update(of=("self",))
    existing = {request.registration_id: request for request in own}
    own.exclude(registration_id__in=wanted).delete()
    asked_by_structure = set(
        MeetingRequest.objects.filter(
            registration_id__in=wanted, buyer=buyer, direction=RequestDirection.STRUCTURE
        ).values_list("registration_id", flat=True)
    )
    initial = RequestStatus.PENDING if meetup.requests_need_acceptance else RequestStatus.ACCEPTED
    now = timezone.now()
    changed, created = [], []
    for priority, registration_id in enumerate(wanted, start=1):
        note = (notes.get(registration_id) or "").strip()[:300]
        request = existing.get(registration_id)
        if request is None:
            status = RequestStatus.ACCEPTED if registration_id in asked_by_structure else initial
            created.append(
                MeetingRequest(
                    registration_id=registration_id,
                    buyer=buyer,
                    direction=RequestDirection.BUYER,
                    status=status,
                    priority=priority,
                    note=note,
                    requested_by=by if by.is_authenticated else None,
                )
            )
        elif request.note != note or request.priority != priority:
            request.note, request.priority = note, priority
            changed.append(request)
    MeetingRequest.objects.bulk_update(changed, ["note", "priority"])
    MeetingRequest.objects.bulk_create(created)
    if asked_by_structure:
        MeetingRequest.objects.filter(
            registration_id__in=asked_by_structure,
            buyer=buyer,
            direction=RequestDirection.STRUCTURE,
            status=RequestStatus.PENDING,
        ).update(status=RequestStatus.ACCEPTED, responded_at=now, responded_by=by if by.is_authenticated else None)
    for request in MeetingRequest.objects.filter(
        pk__in=[request.pk for request in created], status=RequestStatus.PENDING
    ).select_related("registration__structure", "buyer"):
        _notify_request_received(request, meetup)
    return list(
        MeetingRequest.objects.filter(registration__meetup=meetup, buyer=buyer, direction=RequestDirection.BUYER)
        .select_related("registration__structure")
        .order_by("priority", "pk")
    )


def responder_allowed(user, request: MeetingRequest) -> bool:
    """The side that was asked answers: the buyer's members for a structure's request, and the other way round."""
    if request.direction == RequestDirection.STRUCTURE:
        return perms.can_act_for_buyer(user, request.buyer_id)
    return perms.can_act_for_structure(user, request.registration.structure)


@transaction.atomic
def request_respond(*, request: MeetingRequest, accept: bool, reason: str = "", by) -> MeetingRequest:
    """Accept or decline a pending request (a decline may say why); the requester's side gets an email."""
    request = MeetingRequest.objects.select_related("registration__structure", "registration__meetup", "buyer").get(
        pk=request.pk
    )
    if not responder_allowed(by, request):
        raise NotAllowed()
    meetup = _lock_meetup(request.registration.meetup)
    request = (
        MeetingRequest.objects.select_for_update(of=("self",))
        .select_related("registration__structure", "buyer")
        .get(pk=request.pk)
    )
    if meetup.starts_at <= timezone.now():
        raise MeetupError(_("La rencontre a commencé : il n'est plus possible de répondre."), code="started")
    if request.status != RequestStatus.PENDING:
        raise MeetupError(
            _("Cette demande a déjà reçu une réponse : %(status)s.") % {"status": request.get_status_display()},
            code="answered",
        )
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise MeetupError(_("Le motif ne doit pas dépasser 300 caractères."), code="reason_too_long")
    request.status = RequestStatus.ACCEPTED if accept else RequestStatus.DECLINED
    request.decline_reason = "" if accept else reason
    request.responded_at = timezone.now()
    request.responded_by = by if by.is_authenticated else None
    request.save(update_fields=["status", "decline_reason", "responded_at", "responded_by"])
    if request.direction == RequestDirection.STRUCTURE:
        recipients = _structure_admin_emails(request.registration.structure_id)
        responder, url = request.buyer.name, reverse("meetups:detail", kwargs={"slug": meetup.slug})
    else:
        recipients = _buyer_member_emails([request.buyer_id]).get(request.buyer_id, [])
        responder = request.registration.structure.name
        url = reverse("meetups:buyer", kwargs={"slug": meetup.slug})
    for address in recipients:
        queue_email(
            to=address,
            template="meetups/emails/request_answered",
            context={
                "meetup": meetup,
                "responder": responder,
                "accepted": accept,
                "reason": request.decline_reason,
                "url": url,
            },
            dedupe_key=f"meetups-request-{request.pk}-{request.status}-{address}",
            kind=f"meetup_request_{request.status}",
        )
    return request


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


# --- Publishing, agendas -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Participant:
    """A buyer organisation holding a table, or a registered structure."""

    kind: str  # "buyer" or "registration"
    pk: int
    name: str

    @property
    def key(self) -> str:
        return f"{self.kind[0]}{self.pk}"


def meetup_participants(meetup: Meetup) -> list[Participant]:
    """The buyers (by name), then the confirmed structures (by name): two queries."""
    buyers = [
        Participant("buyer", pk, name) for pk, name in meetup.buyers.order_by("name", "pk").values_list("pk", "name")
    ]
    registrations = [
        Participant("registration", pk, name)
        for pk, name in Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED)
        .order_by("structure__name", "pk")
        .values_list("pk", "structure__name")
    ]
    return buyers + registrations


def _agenda_digest(meetings: list[Meeting]) -> str:
    import hashlib

    text = "|".join(
        f"{meeting.starts_at.isoformat()},{meeting.table},{meeting.buyer_id},{meeting.structure_id}"
        for meeting in sorted(meetings, key=lambda m: (m.starts_at, m.table))
    )
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def agendas_notify(*, meetup: Meetup) -> int:
    """Email every participant whose agenda differs from the last one sent (or who never got one), once the schedule
    is published; returns the number of emails queued. Safe to call after any change: unchanged agendas send nothing.

    A fixed number of queries whatever the number of participants; the emails are inserted in bulk."""
    from meetups import calendar

    if meetup.schedule_published_at is None:
        return 0
    participants = meetup_participants(meetup)
    registration_structure = dict(
        Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED).values_list(
            "pk", "structure_id"
        )
    )
    structure_registration = {structure: registration for registration, structure in registration_structure.items()}
    by_key: dict[str, list[Meeting]] = defaultdict(list)
    for meeting in (
        Meeting.objects.filter(meetup=meetup)
        .select_related("buyer", "structure")
        .only("pk", "starts_at", "ends_at", "table", "buyer_id", "structure_id", "buyer__name", "structure__name")
    ):
        by_key[f"b{meeting.buyer_id}"].append(meeting)
        if meeting.structure_id in structure_registration:
            by_key[f"r{structure_registration[meeting.structure_id]}"].append(meeting)
    notices = {
        (f"b{notice.buyer_id}" if notice.buyer_id else f"r{notice.registration_id}"): notice
        for notice in AgendaNotice.objects.filter(meetup=meetup)
    }
    buyer_emails = _buyer_member_emails([p.pk for p in participants if p.kind == "buyer"])
    structure_emails: dict[int, set[str]] = defaultdict(set)
    for structure_id, email in Membership.objects.filter(
        structure_id__in=list(registration_structure.values()), role=Membership.Role.ADMIN, user__is_active=True
    ).values_list("structure_id", "user__email"):
        if email:
            structure_emails[structure_id].add(email)

    emails, new_notices, changed_notices = [], [], []
    now = timezone.now()
    for participant in participants:
        meetings = by_key.get(participant.key, [])
        digest = _agenda_digest(meetings)
        notice = notices.get(participant.key)
        if notice is not None and notice.digest == digest:
            continue
        as_buyer = participant.kind == "buyer"
        rows = [
            {
                "starts_at": meeting.starts_at,
                "ends_at": meeting.ends_at,
                "table": meeting.table,
                "other": meeting.structure.name if as_buyer else meeting.buyer.name,
            }
            for meeting in sorted(meetings, key=lambda m: m.starts_at)
        ]
        if as_buyer:
            recipients = buyer_emails.get(participant.pk, [])
        else:
            recipients = sorted(structure_emails.get(registration_structure[participant.pk], ()))
        template = "meetups/emails/agenda_published" if notice is None else "meetups/emails/agenda_changed"
        for address in recipients:
            emails.append(
                {
                    "to": address,
                    "template": template,
                    "context": {
                        "meetup": meetup,
                        "participant_name": participant.name,
                        "meetings": rows,
                        "agenda_url": reverse("meetups:agenda", kwargs={"slug": meetup.slug}),
                        "ics_url": calendar.feed_url(meetup, participant),
                    },
                    "dedupe_key": f"meetups-agenda-{meetup.pk}-{participant.key}-{digest[:16]}-{address}",
                    "kind": "meetup_agenda_published" if notice is None else "meetup_agenda_changed",
                }
            )
        if notice is None:
            who = {"buyer_id": participant.pk} if as_buyer else {"registration_id": participant.pk}
            new_notices.append(AgendaNotice(meetup=meetup, digest=digest, sent_at=now, **who))
        else:
            notice.digest, notice.sent_at = digest, now
            changed_notices.append(notice)
    AgendaNotice.objects.bulk_create(new_notices)
    AgendaNotice.objects.bulk_update(changed_notices, ["digest", "sent_at"])
    if emails:
        queue_emails(emails)
    return len(emails)


@transaction.atomic
def schedule_publish(*, meetup: Meetup, by) -> int:
    """Publish the built schedule: every meeting is pinned (a rebuild keeps it unless staff allow moving it), the
    meet-up records when, and each participant gets their agenda by email with a link to its .ics calendar.
    Publishing again after a change emails only those whose agenda changed. Returns the number of emails queued."""
    if not perms.can_organise(by):
        raise NotAllowed()
    meetup = _lock_meetup(meetup)
    if meetup.status != MeetupStatus.PUBLISHED:
        raise MeetupError(_("Seule une rencontre publiée peut publier son planning."), code="not_published")
    if meetup.schedule_built_at is None:
        raise MeetupError(_("Construisez d'abord le planning."), code="not_built")
    Meeting.objects.filter(meetup=meetup, pinned=False).update(pinned=True)
    meetup.schedule_published_at = timezone.now()
    meetup.save(update_fields=["schedule_published_at", "updated_at"])
    return agendas_notify(meetup=meetup)


@transaction.atomic
def agenda_reminders_send(*, meetup: Meetup) -> int:
    """The day before: remind each participant with meetings of their agenda (once per participant and address)."""
    from meetups import calendar

    if meetup.schedule_published_at is None or meetup.status != MeetupStatus.PUBLISHED:
        return 0
    participants = {p.key: p for p in meetup_participants(meetup)}
    registration_of = dict(
        Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED).values_list(
            "structure_id", "pk"
        )
    )
    counts: dict[str, int] = defaultdict(int)
    for buyer_id, structure_id in Meeting.objects.filter(meetup=meetup).values_list("buyer_id", "structure_id"):
        counts[f"b{buyer_id}"] += 1
        if structure_id in registration_of:
            counts[f"r{registration_of[structure_id]}"] += 1
    buyer_emails = _buyer_member_emails([p.pk for p in participants.values() if p.kind == "buyer"])
    emails = []
    for key, count in counts.items():
        participant = participants.get(key)
        if participant is None:
            continue
        if participant.kind == "buyer":
            recipients = buyer_emails.get(participant.pk, [])
        else:
            structure_id = next(s for s, r in registration_of.items() if r == participant.pk)
            recipients = _structure_admin_emails(structure_id)
        for address in recipients:
            emails.append(
                {
                    "to": address,
                    "template": "meetups/emails/agenda_reminder",
                    "context": {
                        "meetup": meetup,
                        "participant_name": participant.name,
                        "count": count,
                        "agenda_url": reverse("meetups:agenda", kwargs={"slug": meetup.slug}),
                        "ics_url": calendar.feed_url(meetup, participant),
                    },
                    "dedupe_key": f"meetups-agenda-reminder-{meetup.pk}-{key}-{address}",
                    "kind": "meetup_agenda_reminder",
                }
            )
    if emails:
        queue_emails(emails)
    return len(emails)


# --- The day itself: check-in, no-shows, ratings -----------------------------------------------------------------


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


@transaction.atomic
def meeting_rate(*, meeting: Meeting, side: str, useful: bool, follow_up: bool, by) -> MeetingRating:
    """After a meeting has started, each side says whether it was useful and whether a follow-up is planned
    (rating again replaces the earlier answer)."""
    meeting = Meeting.objects.select_related("structure", "meetup").get(pk=meeting.pk)
    if side == RatingSide.BUYER:
        allowed = perms.buyer_organisation_id(by) == meeting.buyer_id
    elif side == RatingSide.STRUCTURE:
        allowed = by.is_authenticated and Membership.objects.filter(structure=meeting.structure, user=by).exists()
    else:
        raise MeetupError(_("Côté inconnu."), code="bad_side")
    if not allowed:
        raise NotAllowed()
    if meeting.starts_at > timezone.now():
        raise MeetupError(_("Vous pourrez donner votre avis une fois le rendez-vous passé."), code="not_started")
    rating, _created = MeetingRating.objects.update_or_create(
        meeting=meeting, side=side, defaults={"useful": useful, "follow_up": follow_up, "rated_by": by}
    )
    return rating
