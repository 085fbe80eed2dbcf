"""Meeting requests both ways: a structure's wishes, a buyer's wishes, and the answers of the side asked."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from meetups import perms
from meetups.models import (
    MeetingRequest,
    Meetup,
    MeetupStatus,
    Registration,
    RegistrationStatus,
    RequestDirection,
    RequestStatus,
)
from meetups.services.common import _buyer_member_emails, _lock_meetup, _structure_admin_emails
from meetups.services.errors import MeetupError, NotAllowed
from outbox.services import queue_email
from tenders.models import BuyerOrganisation


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
    _check_open_for_requests(meetup)  # the same rule as the buyers' side: published, not started
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
