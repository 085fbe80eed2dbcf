"""Staff organise meet-ups in the admin: build the schedule, print it per table, cancel with promotion."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from meetups.models import Meeting, RegistrationStatus
from tests.accounts.factories import UserFactory
from tests.meetups.factories import MeetingRequestFactory, MeetupFactory, RegistrationFactory
from tests.tenders.factories import BuyerMembershipFactory, BuyerOrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(platform_staff=True))
    return client


def test_staff_build_the_schedule_with_the_action_and_see_it_per_table(staff_client):
    buyer = BuyerOrganisationFactory(name="SOLIDEO")
    meetup = MeetupFactory(buyers=[buyer])
    registration = RegistrationFactory(meetup=meetup)
    MeetingRequestFactory(registration=registration, buyer=buyer, note="Tri des biodéchets")
    response = staff_client.post(
        reverse("admin:meetups_meetup_changelist"),
        {"action": "build_schedule", ACTION_CHECKBOX_NAME: [meetup.pk]},
        follow=True,
    )
    assert "1 rendez-vous placé, 0 demande non placée" in response.content.decode()
    assert Meeting.objects.filter(meetup=meetup).count() == 1
    html = staff_client.get(reverse("admin:meetups_meetup_schedule", args=[meetup.pk])).content.decode()
    assert "Table 1" in html and "SOLIDEO" in html and registration.structure.name in html
    assert "Tri des biodéchets" in html and "meetups/meetups.css" in html


def test_staff_cancel_a_registration_and_the_waitlist_moves(staff_client):
    meetup = MeetupFactory(capacity=1)
    seat = RegistrationFactory(meetup=meetup)
    waiting = RegistrationFactory(meetup=meetup, waitlisted=True)
    staff_client.post(
        reverse("admin:meetups_registration_changelist"),
        {"action": "cancel_registrations", ACTION_CHECKBOX_NAME: [seat.pk]},
    )
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.CONFIRMED


def test_buyers_in_the_admin_find_no_meetups(client):
    meetup = MeetupFactory()
    client.force_login(BuyerMembershipFactory().user)
    assert client.get(reverse("admin:meetups_meetup_changelist")).status_code == 403
    assert client.get(reverse("admin:meetups_meetup_schedule", args=[meetup.pk])).status_code == 404
