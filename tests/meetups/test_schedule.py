"""The schedule on the database: the optimising scheduler reads accepted requests, tables, breaks and
unavailability; confirmed meetings stay; staff compute in the background, see the certificate and the difference,
then apply. (The solver itself: test_scheduler_properties.py.)"""

import datetime
from collections import Counter

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from meetups import services
from meetups.models import Meeting, RegistrationStatus, RequestDirection, Unavailability
from meetups.scheduling import db as scheduling
from meetups.scheduling import jobs
from tests.accounts.factories import UserFactory
from tests.meetups.factories import MeetingRequestFactory, MeetupFactory, RegistrationFactory
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.django_db

STEP = datetime.timedelta(minutes=15)


@pytest.fixture
def staff():
    return UserFactory(platform_staff=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def snapshot(meetup):
    return list(
        Meeting.objects.filter(meetup=meetup)
        .order_by("starts_at", "table")
        .values_list("buyer_id", "structure_id", "starts_at", "table")
    )


def crowded_meetup(*, structures=12, buyers=4, slots=4, **fields):
    """Every structure wants every buyer; there are fewer slots than wishes."""
    buyer_list = [BuyerOrganisationFactory(name=f"Acheteur {letter}") for letter in "DCBA"[:buyers]]
    meetup = MeetupFactory(buyers=buyer_list, meeting_minutes=15, **fields)
    meetup.ends_at = meetup.starts_at + STEP * slots
    meetup.save()
    registrations = []
    for index in range(structures):
        registration = RegistrationFactory(meetup=meetup, structure=StructureFactory(verified=index % 3 == 0))
        registrations.append(registration)
        for buyer in buyer_list:
            MeetingRequestFactory(registration=registration, buyer=buyer)
    return meetup, buyer_list, registrations


def test_nobody_is_double_booked_every_table_is_full_and_nobody_is_left_out(staff):
    meetup, _buyers, registrations = crowded_meetup()
    result = services.schedule_build(meetup=meetup, by=staff)
    meetings = list(Meeting.objects.filter(meetup=meetup).select_related("buyer"))
    assert result.placed == len(meetings) == 16  # 4 buyers × 4 slots
    assert result.slots == 4 and result.tables == 4
    assert max(Counter((m.buyer_id, m.starts_at) for m in meetings).values()) == 1
    assert max(Counter((m.structure_id, m.starts_at) for m in meetings).values()) == 1
    assert {m.starts_at for m in meetings} == {meetup.starts_at + STEP * i for i in range(4)}
    assert all(m.ends_at - m.starts_at == STEP for m in meetings)
    # One table per buyer, numbered by name.
    assert {m.buyer.name: m.table for m in meetings} == {
        "Acheteur A": 1,
        "Acheteur B": 2,
        "Acheteur C": 3,
        "Acheteur D": 4,
    }
    # Fair: the 12 structures all get a meeting (the old greedy builder left pending ones out).
    assert {m.structure_id for m in meetings} == {r.structure_id for r in registrations}
    assert result.certificate["placed"] == result.certificate["bound"] == 16
    assert result.certificate["unserved"] == result.certificate["unserved_min"] == 0
    # 16 meetings for 12 structures of capacity 4: one or two each (25 or 50 %), buyers full (100 %).
    assert (result.certificate["worst_share"], result.certificate["gap"]) == (25, 75)
    gap = [level for level in result.certificate["levels"] if level["name"] == "gap"]
    assert gap == [{"name": "gap", "value": 75, "bound": 75, "optimal": True}]
    assert len(result.unplaced) == 12 * 4 - 16
    assert all(u.reason == "plus de créneau libre commun" for u in result.unplaced)


def test_rebuilding_before_publication_gives_the_same_schedule(staff):
    meetup, _, _ = crowded_meetup()
    services.schedule_build(meetup=meetup, by=staff)
    first = snapshot(meetup)
    services.schedule_build(meetup=meetup, by=staff)
    assert snapshot(meetup) == first


def test_tables_breaks_and_unavailability_are_respected(staff):
    meetup, buyers, _ = crowded_meetup(structures=6, buyers=4, slots=4)
    meetup.tables = 2
    meetup.breaks = [timezone.localtime(meetup.starts_at + STEP).strftime("%H:%M")]
    meetup.save()
    away = buyers[0]
    Unavailability.objects.create(meetup=meetup, buyer=away, starts_at=meetup.starts_at)
    result = services.schedule_build(meetup=meetup, by=staff)
    meetings = list(Meeting.objects.filter(meetup=meetup))
    assert result.placed == len(meetings) == 6  # 3 open slots × 2 tables
    assert max(Counter(m.starts_at for m in meetings).values()) <= 2
    assert {m.table for m in meetings} <= {1, 2}
    assert meetup.starts_at + STEP not in {m.starts_at for m in meetings}
    assert meetup.starts_at not in {m.starts_at for m in meetings if m.buyer_id == away.pk}
    assert result.certificate["placed"] == result.certificate["bound"]


def test_a_structure_unavailable_in_a_slot_is_not_scheduled_then(staff):
    meetup, _buyers, registrations = crowded_meetup(structures=2, buyers=2, slots=2)
    Unavailability.objects.create(meetup=meetup, registration=registrations[0], starts_at=meetup.starts_at)
    services.schedule_build(meetup=meetup, by=staff)
    assert not Meeting.objects.filter(
        meetup=meetup, structure=registrations[0].structure, starts_at=meetup.starts_at
    ).exists()


def test_only_accepted_requests_of_confirmed_registrations_count_and_absent_buyers_are_reported(staff):
    buyer, gone = BuyerOrganisationFactory(), BuyerOrganisationFactory(name="Acheteur parti")
    meetup = MeetupFactory(buyers=[buyer])
    confirmed = RegistrationFactory(meetup=meetup)
    MeetingRequestFactory(registration=confirmed, buyer=buyer)
    MeetingRequestFactory(registration=confirmed, buyer=gone)
    MeetingRequestFactory(registration=RegistrationFactory(meetup=meetup, waitlisted=True), buyer=buyer)
    MeetingRequestFactory(
        registration=RegistrationFactory(meetup=meetup, status=RegistrationStatus.CANCELLED), buyer=buyer
    )
    MeetingRequestFactory(registration=RegistrationFactory(meetup=meetup), buyer=buyer, pending=True)
    MeetingRequestFactory(registration=RegistrationFactory(meetup=meetup), buyer=buyer, declined=True)
    result = services.schedule_build(meetup=meetup, by=staff)
    assert list(Meeting.objects.filter(meetup=meetup).values_list("structure_id", flat=True)) == [
        confirmed.structure_id
    ]
    assert [(u.buyer, u.reason) for u in result.unplaced] == [
        ("Acheteur parti", "l'acheteur ne participe plus à la rencontre")
    ]


def test_mutual_requests_make_one_meeting_and_weigh_more():
    assert scheduling.weight({"structure": 1, "buyer": 1}) > scheduling.weight({"structure": 1})
    assert (
        scheduling.weight({"structure": 1}) > scheduling.weight({"structure": 2}) > scheduling.weight({"structure": 9})
    )
    buyer = BuyerOrganisationFactory()
    meetup = MeetupFactory(buyers=[buyer])
    registration = RegistrationFactory(meetup=meetup)
    MeetingRequestFactory(registration=registration, buyer=buyer)
    MeetingRequestFactory(registration=registration, buyer=buyer, direction=RequestDirection.BUYER)
    built = scheduling.build(meetup)
    assert [(r.pair, r.weight) for r in built.instance.requests] == [
        ((buyer.pk, registration.structure_id), scheduling.weight({"structure": 1, "buyer": 1}))
    ]


def test_confirmed_meetings_stay_when_a_cancellation_frees_room(staff):
    meetup, _buyers, registrations = crowded_meetup(structures=6, buyers=2, slots=3)
    services.schedule_build(meetup=meetup, by=staff)
    Meeting.objects.filter(meetup=meetup).update(pinned=True)  # published
    leaving = registrations[0]
    kept = [m for m in snapshot(meetup) if m[1] != leaving.structure_id]
    services.registration_cancel(registration=leaving, by=staff)
    result = services.schedule_build(meetup=meetup, by=staff)
    after = snapshot(meetup)
    assert set(kept) <= set(after)  # nobody else's confirmed meeting moved
    assert result.placed == len(after) == 6  # the freed slots are filled again


def test_only_staff_build_the_schedule():
    meetup = MeetupFactory()
    with pytest.raises(services.NotAllowed):
        services.schedule_build(meetup=meetup, by=UserFactory())


def test_the_build_reads_in_a_bounded_number_of_queries(staff, django_assert_max_num_queries):
    meetup, _, _ = crowded_meetup(structures=30, buyers=4, slots=8)
    with django_assert_max_num_queries(25):
        result = services.schedule_build(meetup=meetup, by=staff)
    assert result.placed == 32


def test_staff_compute_in_the_background_see_the_certificate_and_the_difference_then_apply(
    staff_client, django_capture_on_commit_callbacks
):
    meetup, _buyers, _ = crowded_meetup(structures=4, buyers=2, slots=2)
    url = reverse("admin:meetups_meetup_schedule", args=[meetup.pk])
    page = staff_client.get(url).content.decode()
    assert "Calculer le planning" in page and "le plus grand nombre de rendez-vous" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(url, {"action": "compute"}, follow=True)
    assert "Calcul du planning lancé." in response.content.decode()
    assert jobs.get(meetup.pk)["state"] == "done"
    assert not Meeting.objects.filter(meetup=meetup).exists()  # nothing written before staff apply
    page = staff_client.get(url).content.decode()
    assert "4 rendez-vous placés sur 4 possibles — optimal" in page
    assert "puis le plus petit écart entre la part du mieux servi et celle du moins bien servi" in page
    # Two slots: each buyer meets two of the four structures (100 %), each structure one of its two buyers (50 %).
    assert "le participant le moins bien servi obtient 50 % de ce qu'il pouvait obtenir" in page
    assert "l'écart avec le mieux servi est de 50 points" in page
    assert "Écart entre le mieux et le moins bien servi (en points de %)" in page
    assert "4 ajouté(s), 0 déplacé(s), 0 retiré(s)." in page
    response = staff_client.post(url, {"action": "apply"}, follow=True)
    assert "Planning appliqué : 4 rendez-vous." in response.content.decode()
    assert Meeting.objects.filter(meetup=meetup).count() == 4
    assert jobs.get(meetup.pk) is None


def test_a_proposal_computed_before_a_change_is_not_applied(staff_client, django_capture_on_commit_callbacks):
    meetup, buyers, _ = crowded_meetup(structures=2, buyers=2, slots=2)
    url = reverse("admin:meetups_meetup_schedule", args=[meetup.pk])
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"action": "compute"})
    MeetingRequestFactory(registration=RegistrationFactory(meetup=meetup), buyer=buyers[0])
    response = staff_client.post(url, {"action": "apply"}, follow=True)
    assert "ont changé depuis le calcul : relancez-le." in response.content.decode()
    assert not Meeting.objects.filter(meetup=meetup).exists()


def test_moving_confirmed_meetings_needs_the_staff_checkbox_and_shows_in_the_difference(
    staff, staff_client, django_capture_on_commit_callbacks
):
    buyer = BuyerOrganisationFactory()
    meetup = MeetupFactory(buyers=[buyer])
    meetup.ends_at = meetup.starts_at + STEP * 2
    meetup.save()
    first, second = RegistrationFactory(meetup=meetup), RegistrationFactory(meetup=meetup)
    MeetingRequestFactory(registration=first, buyer=buyer)
    # Confirmed in the second slot; the second structure can only come to that slot.
    Meeting.objects.create(
        meetup=meetup,
        buyer=buyer,
        structure=first.structure,
        starts_at=meetup.starts_at + STEP,
        ends_at=meetup.starts_at + STEP * 2,
        table=1,
        pinned=True,
    )
    meetup.schedule_built_at = meetup.schedule_published_at = timezone.now()
    meetup.save()
    MeetingRequestFactory(registration=second, buyer=buyer)
    Unavailability.objects.create(meetup=meetup, registration=second, starts_at=meetup.starts_at)
    url = reverse("admin:meetups_meetup_schedule", args=[meetup.pk])
    assert "Autoriser le déplacement des rendez-vous confirmés" in staff_client.get(url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"action": "compute"})
    proposal = jobs.get(meetup.pk)["proposal"]
    assert proposal["diff"] == {"added": [], "moved": [], "removed": []}  # the confirmed meeting holds its slot

    staff_client.post(url, {"action": "discard"})
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"action": "compute", "allow_move": "on"})
    page = staff_client.get(url).content.decode()
    assert "1 ajouté(s), 1 déplacé(s), 0 retiré(s)." in page and "rendez-vous confirmé" in page
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"action": "apply"})
    assert {(m.structure_id, m.starts_at) for m in Meeting.objects.filter(meetup=meetup)} == {
        (first.structure_id, meetup.starts_at),
        (second.structure_id, meetup.starts_at + STEP),
    }


def test_the_admin_action_does_not_rebuild_a_published_schedule(staff_client):
    from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

    meetup, _, _ = crowded_meetup(structures=2, buyers=1, slots=2)
    meetup.schedule_published_at = timezone.now()
    meetup.save()
    response = staff_client.post(
        reverse("admin:meetups_meetup_changelist"),
        {"action": "build_schedule", ACTION_CHECKBOX_NAME: [meetup.pk]},
        follow=True,
    )
    assert "le planning est publié" in response.content.decode()
    assert not Meeting.objects.filter(meetup=meetup).exists()


def test_the_schedule_page_is_for_staff_only(client):
    meetup = MeetupFactory()
    client.force_login(UserFactory())
    url = reverse("admin:meetups_meetup_schedule", args=[meetup.pk])
    assert client.get(url).status_code in (302, 403, 404)
    client.post(url, {"action": "compute"})
    assert jobs.get(meetup.pk) is None


@pytest.mark.parametrize("clash", ["buyer", "structure", "table"])
def test_the_database_refuses_a_double_booking(clash):
    buyer, other_buyer = BuyerOrganisationFactory(), BuyerOrganisationFactory()
    meetup = MeetupFactory(buyers=[buyer, other_buyer])
    structure, other_structure = StructureFactory(), StructureFactory()
    start = meetup.starts_at
    end = start + STEP
    Meeting.objects.create(meetup=meetup, buyer=buyer, structure=structure, starts_at=start, ends_at=end, table=1)
    second = {
        "buyer": {"buyer": buyer, "structure": other_structure, "table": 2},
        "structure": {"buyer": other_buyer, "structure": structure, "table": 2},
        "table": {"buyer": other_buyer, "structure": other_structure, "table": 1},
    }[clash]
    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.create(meetup=meetup, starts_at=start, ends_at=end, **second)


def test_the_schedule_page_reads_in_a_bounded_number_of_queries(
    staff, staff_client, django_assert_max_num_queries, django_capture_on_commit_callbacks
):
    meetup, _, _ = crowded_meetup(structures=30, buyers=4, slots=8)
    services.schedule_build(meetup=meetup, by=staff)
    url = reverse("admin:meetups_meetup_schedule", args=[meetup.pk])
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"action": "compute"})  # a proposal to show as well
    with django_assert_max_num_queries(12):
        response = staff_client.get(url)
    page = response.content.decode()
    assert page.count("<tr><td>") == 32 and "Proposition du calcul" in page


def test_recomputing_with_nothing_changed_proposes_no_change(staff, staff_client, django_capture_on_commit_callbacks):
    meetup, _, _ = crowded_meetup(structures=8, buyers=3, slots=4)
    services.schedule_build(meetup=meetup, by=staff)
    url = reverse("admin:meetups_meetup_schedule", args=[meetup.pk])
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(url, {"action": "compute"})
    assert jobs.get(meetup.pk)["proposal"]["diff"] == {"added": [], "moved": [], "removed": []}
