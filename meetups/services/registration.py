"""Registration with a waitlist; a cancellation frees a seat for the first in line (staff may also fill the line)."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetups import perms
from meetups.models import (
    Meeting,
    Meetup,
    MeetupStatus,
    Registration,
    RegistrationStatus,
)
from meetups.services.common import _lock_meetup, _structure_admin_emails
from meetups.services.errors import AlreadyRegistered, MeetupError, NotAllowed
from meetups.services.publishing.agendas import agendas_notify
from outbox.services import queue_email
from structures.models import Structure, VerificationStatus


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
