"""Registration rules: seats, the waitlist, no double registration, cancellation promotes the first in line."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from meetups import services
from meetups.models import Meeting, Registration, RegistrationStatus
from outbox.models import OutboxEmail
from structures.models import Membership
from tests.accounts.factories import UserFactory
from tests.meetups.factories import MeetingRequestFactory, MeetupFactory, RegistrationFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.django_db


def member(structure=None, **kwargs):
    """A user administering `structure` (a new one if None); returns the membership."""
    return MembershipFactory(structure=structure or StructureFactory(), **kwargs)


def register(meetup, membership=None):
    membership = membership or member()
    return services.registration_create(meetup=meetup, structure=membership.structure, by=membership.user)


def test_confirmed_while_seats_remain_then_waitlisted_in_order():
    meetup = MeetupFactory(capacity=2)
    first, second, third, fourth = (register(meetup) for _ in range(4))
    assert [r.status for r in (first, second)] == [RegistrationStatus.CONFIRMED] * 2
    assert (third.status, third.position) == (RegistrationStatus.WAITLISTED, 1)
    assert (fourth.status, fourth.position) == (RegistrationStatus.WAITLISTED, 2)


def test_registration_emails_the_person_who_registered(django_capture_on_commit_callbacks):
    meetup = MeetupFactory(capacity=1, title="Rencontre restauration durable")
    alice, bruno = member(), member()
    with django_capture_on_commit_callbacks(execute=False):
        register(meetup, alice)
        register(meetup, bruno)
    confirmed = OutboxEmail.objects.get(to=alice.user.email)
    waitlisted = OutboxEmail.objects.get(to=bruno.user.email)
    assert confirmed.subject == "Inscription confirmée : Rencontre restauration durable"
    assert f"/rencontres/{meetup.slug}/" in confirmed.body_text
    assert "liste d'attente, en position 1" in waitlisted.body_text


def test_a_structure_cannot_register_twice():
    meetup = MeetupFactory()
    membership = member()
    register(meetup, membership)
    with pytest.raises(services.AlreadyRegistered):
        register(meetup, membership)
    assert Registration.objects.filter(meetup=meetup).count() == 1


def test_the_database_refuses_two_active_registrations_of_one_structure():
    registration = RegistrationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        RegistrationFactory(
            meetup=registration.meetup, structure=registration.structure, status="waitlisted", position=1
        )


def test_a_structure_may_register_again_after_cancelling():
    meetup = MeetupFactory()
    membership = member()
    services.registration_cancel(registration=register(meetup, membership), by=membership.user)
    again = register(meetup, membership)
    assert again.status == RegistrationStatus.CONFIRMED


def test_only_members_or_staff_register_a_structure():
    meetup = MeetupFactory()
    structure = StructureFactory()
    with pytest.raises(services.NotAllowed):
        services.registration_create(meetup=meetup, structure=structure, by=UserFactory())
    staff = UserFactory(platform_staff=True)
    assert services.registration_create(meetup=meetup, structure=structure, by=staff).registered_by == staff


@pytest.mark.parametrize(
    ("meetup_kwargs", "code"),
    [
        ({"draft": True}, "not_open"),
        ({"cancelled": True}, "not_open"),
        ({"registration_deadline": timezone.now() - datetime.timedelta(minutes=1)}, "closed"),
    ],
)
def test_no_registration_outside_the_open_window(meetup_kwargs, code):
    meetup = MeetupFactory(**meetup_kwargs)
    with pytest.raises(services.MeetupError) as error:
        register(meetup)
    assert error.value.code == code


def test_cancelling_a_confirmed_seat_promotes_the_first_waitlisted_and_emails_its_admins(
    django_capture_on_commit_callbacks,
):
    meetup = MeetupFactory(capacity=1)
    holder = member()
    first_in_line = member()
    MembershipFactory(structure=first_in_line.structure, role=Membership.Role.MEMBER)  # a member: no email
    second_admin = MembershipFactory(structure=first_in_line.structure, role=Membership.Role.ADMIN)
    seat = register(meetup, holder)
    waiting = register(meetup, first_in_line)
    behind = register(meetup, member())
    assert waiting.position < behind.position

    with django_capture_on_commit_callbacks(execute=False):
        promoted = services.registration_cancel(registration=seat, by=holder.user)

    assert promoted.pk == waiting.pk
    seat.refresh_from_db()
    waiting.refresh_from_db()
    behind.refresh_from_db()
    assert seat.status == RegistrationStatus.CANCELLED and seat.cancelled_at is not None
    assert (waiting.status, waiting.position) == (RegistrationStatus.CONFIRMED, None)
    assert behind.status == RegistrationStatus.WAITLISTED
    emails = OutboxEmail.objects.filter(kind="meetup_registration_promoted").order_by("to")
    assert sorted(e.to for e in emails) == sorted([first_in_line.user.email, second_admin.user.email])
    assert all("Une place s'est libérée" in email.subject for email in emails)


def test_cancelling_a_waitlisted_registration_promotes_nobody():
    meetup = MeetupFactory(capacity=1)
    register(meetup)
    membership = member()
    waiting = register(meetup, membership)
    third = register(meetup)
    assert services.registration_cancel(registration=waiting, by=membership.user) is None
    third.refresh_from_db()
    assert third.status == RegistrationStatus.WAITLISTED


def test_cancelling_removes_the_structures_meetings_from_the_schedule():
    buyer = BuyerOrganisationFactory()
    meetup = MeetupFactory(buyers=[buyer])
    membership = member()
    registration = register(meetup, membership)
    MeetingRequestFactory(registration=registration, buyer=buyer)
    services.schedule_build(meetup=meetup, by=UserFactory(platform_staff=True))
    assert Meeting.objects.filter(meetup=meetup).count() == 1
    services.registration_cancel(registration=registration, by=membership.user)
    assert not Meeting.objects.filter(meetup=meetup).exists()


def test_a_member_of_another_structure_cannot_cancel():
    meetup = MeetupFactory()
    registration = register(meetup)
    with pytest.raises(services.NotAllowed):
        services.registration_cancel(registration=registration, by=member().user)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def test_cancelling_twice_is_refused():
    membership = member()
    registration = register(MeetupFactory(), membership)
    services.registration_cancel(registration=registration, by=membership.user)
    with pytest.raises(services.MeetupError):
        services.registration_cancel(registration=registration, by=membership.user)


def test_staff_fill_freed_seats_from_the_waitlist_in_order():
    meetup = MeetupFactory(capacity=1)
    register(meetup)
    waiting = [register(meetup) for _ in range(3)]
    meetup.capacity = 3
    meetup.save()
    promoted = services.waitlist_fill(meetup=meetup, by=UserFactory(platform_staff=True))
    assert [r.pk for r in promoted] == [waiting[0].pk, waiting[1].pk]
    assert Registration.objects.get(pk=waiting[2].pk).status == RegistrationStatus.WAITLISTED


def test_meeting_requests_are_replaced_and_limited_to_attending_buyers():
    attending, other, absent = BuyerOrganisationFactory(), BuyerOrganisationFactory(), BuyerOrganisationFactory()
    meetup = MeetupFactory(buyers=[attending, other])
    membership = member()
    registration = register(meetup, membership)
    services.meeting_requests_set(
        registration=registration,
        buyers=[attending, other],
        notes={attending.pk: " Nos repas bio "},
        by=membership.user,
    )
    wishes = services.meeting_requests_set(
        registration=registration, buyers=[attending], notes={attending.pk: "Nos repas bio"}, by=membership.user
    )
    assert [(w.buyer, w.note) for w in wishes] == [(attending, "Nos repas bio")]
    with pytest.raises(services.MeetupError):
        services.meeting_requests_set(registration=registration, buyers=[absent], by=membership.user)
    with pytest.raises(services.NotAllowed):
        services.meeting_requests_set(registration=registration, buyers=[attending], by=member().user)
