"""Participants, both sides (issue 11, items 1 and 4): requests both ways with acceptance, unavailability,
publishing the schedule (pins, agenda emails with the .ics link), agenda changes, reminders, the .ics feed."""

import datetime

import icalendar
import pytest
from django.urls import reverse

from meetups import calendar, services
from meetups.models import (
    AgendaNotice,
    Meeting,
    MeetingRequest,
    RequestDirection,
    RequestStatus,
    Unavailability,
)
from meetups.tasks import send_agenda_reminders
from outbox.models import OutboxEmail
from tests.accounts.factories import UserFactory
from tests.meetups.factories import MeetingRequestFactory, MeetupFactory, RegistrationFactory
from tests.structures.factories import MembershipFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(platform_staff=True)


@pytest.fixture
def pair():
    """A meet-up that asks for acceptance, one buyer (with a member) and one registered structure (with an admin)."""
    buyer_member = BuyerMembershipFactory()
    meetup = MeetupFactory(requests_need_acceptance=True, buyers=[buyer_member.organisation])
    membership = MembershipFactory()
    registration = RegistrationFactory(meetup=meetup, structure=membership.structure)
    return meetup, buyer_member, membership, registration


def emails(kind):
    return list(OutboxEmail.objects.filter(kind=kind).order_by("pk"))


# --- Requests both ways ----------------------------------------------------------------------------------------------


def test_a_structure_request_waits_for_the_buyer_who_is_told_by_email(pair):
    meetup, buyer_member, membership, registration = pair
    [request] = services.meeting_requests_set(
        registration=registration, buyers=[buyer_member.organisation], by=membership.user
    )
    assert request.status == RequestStatus.PENDING and request.direction == RequestDirection.STRUCTURE
    [email] = emails("meetup_request_received")
    assert email.to == buyer_member.user.email
    assert registration.structure.name in email.subject
    assert reverse("meetups:buyer", kwargs={"slug": meetup.slug}) in email.body_text


def test_without_acceptance_requests_are_accepted_at_once_and_nobody_is_emailed(pair):
    meetup, buyer_member, membership, registration = pair
    meetup.requests_need_acceptance = False
    meetup.save()
    [request] = services.meeting_requests_set(
        registration=registration, buyers=[buyer_member.organisation], by=membership.user
    )
    assert request.status == RequestStatus.ACCEPTED
    assert emails("meetup_request_received") == []


def test_priorities_follow_the_order_given_not_the_ids(pair):
    meetup, buyer_member, membership, registration = pair
    second = BuyerMembershipFactory().organisation
    meetup.buyers.add(second)
    services.meeting_requests_set(
        registration=registration, buyers=[second, buyer_member.organisation], by=membership.user
    )
    ranks = dict(registration.meeting_requests.values_list("buyer_id", "priority"))
    assert ranks == {second.pk: 1, buyer_member.organisation.pk: 2}


def test_the_buyer_accepts_and_the_structure_is_told(pair):
    meetup, buyer_member, membership, registration = pair
    [request] = services.meeting_requests_set(
        registration=registration, buyers=[buyer_member.organisation], by=membership.user
    )
    services.request_respond(request=request, accept=True, by=buyer_member.user)
    request.refresh_from_db()
    assert request.status == RequestStatus.ACCEPTED and request.responded_by == buyer_member.user
    [email] = emails("meetup_request_accepted")
    assert email.to == membership.user.email and buyer_member.organisation.name in email.subject


def test_a_decline_keeps_its_reason_and_cannot_be_answered_twice(pair):
    meetup, buyer_member, membership, registration = pair
    [request] = services.meeting_requests_set(
        registration=registration, buyers=[buyer_member.organisation], by=membership.user
    )
    services.request_respond(request=request, accept=False, reason="Pas de besoin cette année", by=buyer_member.user)
    request.refresh_from_db()
    assert request.status == RequestStatus.DECLINED and request.decline_reason == "Pas de besoin cette année"
    assert "Pas de besoin cette année" in emails("meetup_request_declined")[0].body_text
    with pytest.raises(services.MeetupError, match="déjà reçu une réponse"):
        services.request_respond(request=request, accept=True, by=buyer_member.user)


def test_only_the_side_asked_may_answer(pair):
    meetup, buyer_member, membership, registration = pair
    [request] = services.meeting_requests_set(
        registration=registration, buyers=[buyer_member.organisation], by=membership.user
    )
    for outsider in [membership.user, BuyerMembershipFactory().user, UserFactory()]:
        with pytest.raises(services.NotAllowed):
            services.request_respond(request=request, accept=True, by=outsider)
    assert MeetingRequest.objects.get(pk=request.pk).status == RequestStatus.PENDING


def test_a_buyer_asks_a_structure_which_accepts(pair):
    meetup, buyer_member, membership, registration = pair
    [request] = services.buyer_requests_set(
        meetup=meetup, buyer=buyer_member.organisation, registrations=[registration], by=buyer_member.user
    )
    assert request.direction == RequestDirection.BUYER and request.status == RequestStatus.PENDING
    [received] = emails("meetup_request_received")
    assert received.to == membership.user.email
    services.request_respond(request=request, accept=True, by=membership.user)
    assert emails("meetup_request_accepted")[0].to == buyer_member.user.email


def test_asking_back_accepts_both_requests(pair):
    meetup, buyer_member, membership, registration = pair
    [buyer_request] = services.buyer_requests_set(
        meetup=meetup, buyer=buyer_member.organisation, registrations=[registration], by=buyer_member.user
    )
    [structure_request] = services.meeting_requests_set(
        registration=registration, buyers=[buyer_member.organisation], by=membership.user
    )
    buyer_request.refresh_from_db()
    assert structure_request.status == RequestStatus.ACCEPTED
    assert buyer_request.status == RequestStatus.ACCEPTED


def test_a_buyer_cannot_ask_a_waitlisted_structure_nor_act_for_another_buyer(pair):
    meetup, buyer_member, membership, registration = pair
    waitlisted = RegistrationFactory(meetup=meetup, waitlisted=True)
    with pytest.raises(services.MeetupError, match="inscrites et confirmées"):
        services.buyer_requests_set(
            meetup=meetup, buyer=buyer_member.organisation, registrations=[waitlisted], by=buyer_member.user
        )
    with pytest.raises(services.NotAllowed):
        services.buyer_requests_set(
            meetup=meetup,
            buyer=buyer_member.organisation,
            registrations=[registration],
            by=BuyerMembershipFactory().user,
        )
    assert not MeetingRequest.objects.exists()


# --- Unavailability --------------------------------------------------------------------------------------------------


def test_unavailable_slots_are_replaced_and_checked(pair):
    meetup, buyer_member, membership, registration = pair
    slots = services.meetup_slots(meetup)
    services.unavailability_set(meetup=meetup, buyer=buyer_member.organisation, slots=slots[:2], by=buyer_member.user)
    services.unavailability_set(meetup=meetup, registration=registration, slots=[slots[3]], by=membership.user)
    services.unavailability_set(meetup=meetup, buyer=buyer_member.organisation, slots=[slots[1]], by=buyer_member.user)
    assert set(Unavailability.objects.values_list("buyer_id", "registration_id", "starts_at")) == {
        (buyer_member.organisation.pk, None, slots[1]),
        (None, registration.pk, slots[3]),
    }
    with pytest.raises(services.MeetupError, match="créneaux de la rencontre"):
        services.unavailability_set(
            meetup=meetup,
            registration=registration,
            slots=[slots[0] + datetime.timedelta(minutes=7)],
            by=membership.user,
        )
    with pytest.raises(services.MeetupError, match="tous les créneaux"):
        services.unavailability_set(meetup=meetup, registration=registration, slots=slots, by=membership.user)
    with pytest.raises(services.NotAllowed):
        services.unavailability_set(meetup=meetup, registration=registration, slots=[], by=buyer_member.user)
    assert Unavailability.objects.count() == 2


# --- Publishing, agenda emails, .ics ---------------------------------------------------------------------------------


def _built(meetup, registration, buyer):
    """A two-meeting schedule written directly (the scheduler is part A's)."""
    slots = services.meetup_slots(meetup)
    step = datetime.timedelta(minutes=meetup.meeting_minutes)
    other = RegistrationFactory(meetup=meetup)
    request = MeetingRequestFactory(registration=registration, buyer=buyer)
    Meeting.objects.create(
        meetup=meetup,
        buyer=buyer,
        structure=registration.structure,
        request=request,
        starts_at=slots[0],
        ends_at=slots[0] + step,
        table=1,
    )
    Meeting.objects.create(
        meetup=meetup, buyer=buyer, structure=other.structure, starts_at=slots[1], ends_at=slots[1] + step, table=1
    )
    meetup.schedule_built_at = slots[0] - datetime.timedelta(days=3)
    meetup.save()
    return other


def test_publishing_pins_the_meetings_and_emails_each_participant_an_agenda_with_its_ics(pair, staff, client):
    meetup, buyer_member, membership, registration = pair
    _built(meetup, registration, buyer_member.organisation)
    sent = services.schedule_publish(meetup=meetup, by=staff)
    meetup.refresh_from_db()
    assert meetup.schedule_published_at is not None
    assert not Meeting.objects.filter(meetup=meetup, pinned=False).exists()
    published = emails("meetup_agenda_published")
    assert sent == len(published) == 2  # the buyer's member and the structure's admin (the other has no admin)
    to_structure = next(email for email in published if email.to == membership.user.email)
    assert buyer_member.organisation.name in to_structure.body_text
    ics_link = next(line for line in to_structure.body_text.splitlines() if line.endswith(".ics"))
    assert ics_link.startswith("http://testserver/")
    response = client.get(ics_link.removeprefix("http://testserver"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert buyer_member.organisation.name in str(event["SUMMARY"])
    assert event.decoded("DTSTART") == services.meetup_slots(meetup)[0]


def test_republishing_emails_only_those_whose_agenda_changed(pair, staff):
    meetup, buyer_member, membership, registration = pair
    other = _built(meetup, registration, buyer_member.organisation)
    services.schedule_publish(meetup=meetup, by=staff)
    assert services.schedule_publish(meetup=meetup, by=staff) == 0
    Meeting.objects.filter(structure=other.structure).delete()  # the other structure's meeting goes
    meetup.refresh_from_db()
    assert services.agendas_notify(meetup=meetup) == 1
    [changed] = emails("meetup_agenda_changed")
    assert changed.to == buyer_member.user.email
    assert AgendaNotice.objects.filter(meetup=meetup).count() == 3


def test_a_cancellation_after_publishing_tells_the_other_side(pair, staff):
    meetup, buyer_member, membership, registration = pair
    _built(meetup, registration, buyer_member.organisation)
    services.schedule_publish(meetup=meetup, by=staff)
    services.registration_cancel(registration=registration, by=membership.user)
    assert [email.to for email in emails("meetup_agenda_changed")] == [buyer_member.user.email]


def test_publishing_needs_a_built_schedule_and_staff(pair, staff):
    meetup, buyer_member, *_ = pair
    with pytest.raises(services.MeetupError, match="Construisez d'abord"):
        services.schedule_publish(meetup=meetup, by=staff)
    with pytest.raises(services.NotAllowed):
        services.schedule_publish(meetup=meetup, by=buyer_member.user)
    meetup.refresh_from_db()
    assert meetup.schedule_published_at is None


def test_the_reminder_goes_the_day_before_once(pair, staff):
    meetup, buyer_member, membership, registration = pair
    meetup.starts_at -= datetime.timedelta(days=9)  # the factory's meet-up is in ten days: now tomorrow
    meetup.ends_at -= datetime.timedelta(days=9)
    meetup.registration_deadline = meetup.starts_at - datetime.timedelta(days=1)
    meetup.save()
    _built(meetup, registration, buyer_member.organisation)
    services.schedule_publish(meetup=meetup, by=staff)
    assert send_agenda_reminders() == 2
    assert send_agenda_reminders() == 2  # dedupe keys: the same rows, nothing new
    assert len(emails("meetup_agenda_reminder")) == 2


def test_the_feed_rejects_a_forged_or_foreign_token(pair, client):
    meetup, buyer_member, membership, registration = pair
    other_meetup = MeetupFactory()
    participant = services.Participant("registration", registration.pk, registration.structure.name)
    good = calendar.feed_token(meetup, participant)
    url = reverse("meetups:calendar", kwargs={"slug": meetup.slug, "token": good})
    assert client.get(url).status_code == 200
    forged = good[:-2] + ("aa" if not good.endswith("aa") else "bb")
    assert client.get(reverse("meetups:calendar", kwargs={"slug": meetup.slug, "token": forged})).status_code == 404
    foreign = reverse("meetups:calendar", kwargs={"slug": other_meetup.slug, "token": good})
    assert client.get(foreign).status_code == 404
