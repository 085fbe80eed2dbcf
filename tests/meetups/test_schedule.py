"""The schedule builder: nobody double-booked, deterministic, verified structures first, unplaced wishes reported."""

import datetime
from collections import Counter

import pytest
from django.db import IntegrityError, transaction

from meetups import services
from meetups.models import Meeting, RegistrationStatus
from tests.accounts.factories import UserFactory
from tests.meetups.factories import MeetingRequestFactory, MeetupFactory, RegistrationFactory
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(platform_staff=True)


def snapshot(meetup):
    return list(
        Meeting.objects.filter(meetup=meetup)
        .order_by("starts_at", "table")
        .values_list("buyer_id", "structure_id", "starts_at", "table")
    )


def crowded_meetup(*, structures=12, buyers=4, slots=4):
    """Every structure wants every buyer; there are fewer slots than wishes."""
    buyer_list = [BuyerOrganisationFactory(name=f"Acheteur {letter}") for letter in "DCBA"[:buyers]]
    meetup = MeetupFactory(buyers=buyer_list, meeting_minutes=15)
    meetup.ends_at = meetup.starts_at + datetime.timedelta(minutes=15 * slots)
    meetup.save()
    for index in range(structures):
        registration = RegistrationFactory(meetup=meetup, structure=StructureFactory(verified=index % 3 == 0))
        for buyer in buyer_list:
            MeetingRequestFactory(registration=registration, buyer=buyer)
    return meetup, buyer_list


def test_nobody_is_double_booked_and_slots_follow_the_meeting_length(staff):
    meetup, buyers = crowded_meetup()
    result = services.schedule_build(meetup=meetup, by=staff)
    meetings = list(Meeting.objects.filter(meetup=meetup))
    assert result.placed == len(meetings) == 16  # 4 buyers × 4 slots: every table full
    assert result.slots == 4 and result.tables == 4
    assert max(Counter((m.buyer_id, m.starts_at) for m in meetings).values()) == 1
    assert max(Counter((m.structure_id, m.starts_at) for m in meetings).values()) == 1
    assert {m.starts_at for m in meetings} == {meetup.starts_at + datetime.timedelta(minutes=15 * i) for i in range(4)}
    assert all(m.ends_at - m.starts_at == datetime.timedelta(minutes=15) for m in meetings)
    # The buyer keeps one table, numbered by name.
    tables = {m.buyer.name: m.table for m in meetings}
    assert tables == {"Acheteur A": 1, "Acheteur B": 2, "Acheteur C": 3, "Acheteur D": 4}
    assert len(result.unplaced) == 12 * 4 - 16
    assert all(u.reason == "plus de créneau libre commun" for u in result.unplaced)


def test_the_schedule_is_deterministic_and_rebuilding_replaces_it(staff):
    meetup, _ = crowded_meetup()
    services.schedule_build(meetup=meetup, by=staff)
    first = snapshot(meetup)
    services.schedule_build(meetup=meetup, by=staff)
    assert snapshot(meetup) == first
    assert Meeting.objects.filter(meetup=meetup).count() == len(first)


def test_verified_structures_are_served_first_then_round_by_round(staff):
    buyer = BuyerOrganisationFactory()
    other = BuyerOrganisationFactory()
    meetup = MeetupFactory(buyers=[buyer, other])
    meetup.ends_at = meetup.starts_at + datetime.timedelta(minutes=30)  # two slots
    meetup.save()
    early_pending = RegistrationFactory(meetup=meetup, structure=StructureFactory())
    late_verified = RegistrationFactory(meetup=meetup, structure=StructureFactory(verified=True))
    greedy = RegistrationFactory(meetup=meetup, structure=StructureFactory())
    MeetingRequestFactory(registration=early_pending, buyer=buyer)
    MeetingRequestFactory(registration=late_verified, buyer=buyer)
    MeetingRequestFactory(registration=greedy, buyer=other)
    MeetingRequestFactory(registration=greedy, buyer=buyer)  # its second wish comes after everyone's first
    result = services.schedule_build(meetup=meetup, by=staff)
    with_buyer = list(Meeting.objects.filter(meetup=meetup, buyer=buyer).order_by("starts_at"))
    assert [m.structure_id for m in with_buyer] == [late_verified.structure_id, early_pending.structure_id]
    assert [(u.structure, u.buyer) for u in result.unplaced] == [(greedy.structure.name, buyer.name)]


def test_waitlisted_and_cancelled_registrations_get_no_meeting_and_absent_buyers_are_reported(staff):
    buyer, gone = BuyerOrganisationFactory(), BuyerOrganisationFactory(name="Acheteur parti")
    meetup = MeetupFactory(buyers=[buyer])
    confirmed = RegistrationFactory(meetup=meetup)
    MeetingRequestFactory(registration=confirmed, buyer=buyer)
    MeetingRequestFactory(registration=confirmed, buyer=gone)
    MeetingRequestFactory(registration=RegistrationFactory(meetup=meetup, waitlisted=True), buyer=buyer)
    MeetingRequestFactory(
        registration=RegistrationFactory(meetup=meetup, status=RegistrationStatus.CANCELLED), buyer=buyer
    )
    result = services.schedule_build(meetup=meetup, by=staff)
    assert list(Meeting.objects.filter(meetup=meetup).values_list("structure_id", flat=True)) == [
        confirmed.structure_id
    ]
    assert [(u.buyer, u.reason) for u in result.unplaced] == [
        ("Acheteur parti", "l'acheteur ne participe plus à la rencontre")
    ]


def test_only_staff_build_the_schedule():
    meetup = MeetupFactory()
    with pytest.raises(services.NotAllowed):
        services.schedule_build(meetup=meetup, by=UserFactory())


def test_the_build_reads_in_a_bounded_number_of_queries(staff, django_assert_max_num_queries):
    meetup, _ = crowded_meetup(structures=30, buyers=4, slots=8)
    with django_assert_max_num_queries(10):
        result = services.schedule_build(meetup=meetup, by=staff)
    assert result.placed == 32


@pytest.mark.parametrize("clash", ["buyer", "structure", "table"])
def test_the_database_refuses_a_double_booking(clash):
    buyer, other_buyer = BuyerOrganisationFactory(), BuyerOrganisationFactory()
    meetup = MeetupFactory(buyers=[buyer, other_buyer])
    structure, other_structure = StructureFactory(), StructureFactory()
    start = meetup.starts_at
    end = start + datetime.timedelta(minutes=15)
    Meeting.objects.create(meetup=meetup, buyer=buyer, structure=structure, starts_at=start, ends_at=end, table=1)
    second = {
        "buyer": {"buyer": buyer, "structure": other_structure, "table": 2},
        "structure": {"buyer": other_buyer, "structure": structure, "table": 2},
        "table": {"buyer": other_buyer, "structure": other_structure, "table": 1},
    }[clash]
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(meetup=meetup, starts_at=start, ends_at=end, **second)
