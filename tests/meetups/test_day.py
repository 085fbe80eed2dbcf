"""The day itself and the participants' pages (issue 11, items 4 and 5): badges with a QR code, check-in by search or
badge scan, no-shows, ratings and the staff figures; the buyer's page, answering requests, the agenda with the
other side's profile and the match reasons; the staff-home queue."""

import datetime
import html as html_module
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from meetups import calendar, queues, services
from meetups.forms import slot_value
from meetups.models import CheckIn, Meeting, MeetingRating, MeetingRequest, NoShow, RequestStatus
from structures.models import Topic
from tests.accounts.factories import UserFactory
from tests.meetups.factories import MeetingRequestFactory, MeetupFactory, RegistrationFactory
from tests.structures.factories import MembershipFactory
from tests.tenders.factories import BuyerMembershipFactory, TenderFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html_module.unescape(response.content.decode())


@pytest.fixture
def staff():
    return UserFactory(platform_staff=True)


@pytest.fixture
def day():
    """A meet-up with a buyer and a structure meeting at the first slot, published."""
    buyer_member = BuyerMembershipFactory()
    meetup = MeetupFactory(buyers=[buyer_member.organisation])
    membership = MembershipFactory()
    registration = RegistrationFactory(meetup=meetup, structure=membership.structure)
    slot = services.meetup_slots(meetup)[0]
    request = MeetingRequestFactory(registration=registration, buyer=buyer_member.organisation, note="Traiteur bio")
    meeting = Meeting.objects.create(
        meetup=meetup,
        buyer=buyer_member.organisation,
        structure=registration.structure,
        request=request,
        starts_at=slot,
        ends_at=slot + datetime.timedelta(minutes=15),
        table=3,
    )
    meetup.schedule_built_at = timezone.now()
    meetup.schedule_published_at = timezone.now()
    meetup.save()
    return SimpleNamespace(
        meetup=meetup, buyer_member=buyer_member, membership=membership, registration=registration, meeting=meeting
    )


def _start_now(meetup):
    """Move the meet-up (and its meetings) so that it started an hour ago."""
    shift = meetup.starts_at - (timezone.now() - datetime.timedelta(hours=1))
    Meeting.objects.filter(meetup=meetup).update(
        starts_at=meetup.starts_at - shift, ends_at=meetup.starts_at - shift + datetime.timedelta(minutes=15)
    )
    meetup.starts_at -= shift
    meetup.ends_at -= shift
    meetup.registration_deadline = meetup.starts_at - datetime.timedelta(days=1)
    meetup.save()


# --- Check-in, badges ------------------------------------------------------------------------------------------------


def test_staff_search_and_mark_a_participant_present(client, staff, day):
    client.force_login(staff)
    url = reverse("meetups:check_in", kwargs={"slug": day.meetup.slug})
    page = text(client.get(url, {"q": day.registration.structure.name}))
    assert day.registration.structure.name in page and day.buyer_member.organisation.name not in page
    response = client.post(url, {"participant": f"r{day.registration.pk}", "action": "in"})
    assert response.status_code == 302
    arrival = CheckIn.objects.get(meetup=day.meetup)
    assert arrival.registration == day.registration and arrival.checked_in_by == staff
    client.post(url, {"participant": f"r{day.registration.pk}", "action": "in"})  # twice: still one arrival
    assert CheckIn.objects.count() == 1
    assert "Présent depuis" in text(client.get(url))
    client.post(url, {"participant": f"r{day.registration.pk}", "action": "undo"})
    assert not CheckIn.objects.exists()


def test_a_badge_holds_a_qr_code_whose_url_opens_the_check_in_card(client, staff, day):
    client.force_login(staff)
    page = text(client.get(reverse("meetups:badges", kwargs={"slug": day.meetup.slug})))
    assert page.count('<svg role="img"') == 2 and "cdn" not in page.lower()
    participant = services.Participant("buyer", day.buyer_member.organisation.pk, day.buyer_member.organisation.name)
    badge = calendar.badge_url(day.meetup, participant)
    # A scanner typing the badge URL into the search field lands on the card too.
    check_in = reverse("meetups:check_in", kwargs={"slug": day.meetup.slug})
    assert client.get(check_in, {"q": "http://testserver" + badge})["Location"] == badge
    card = text(client.get(badge))
    assert day.buyer_member.organisation.name in card and "Pointer présent" in card
    client.post(check_in, {"participant": participant.key, "action": "in"})
    assert CheckIn.objects.get().buyer == day.buyer_member.organisation
    forged = reverse("meetups:badge_scan", kwargs={"slug": day.meetup.slug, "token": "b1:forged"})
    assert client.get(forged)["Location"] == check_in


def test_the_staff_pages_are_404_for_everyone_else(client, day):
    client.force_login(day.buyer_member.user)
    for name in ["staff", "check_in", "badges"]:
        assert client.get(reverse(f"meetups:{name}", kwargs={"slug": day.meetup.slug})).status_code == 404
    response = client.post(
        reverse("meetups:check_in", kwargs={"slug": day.meetup.slug}), {"participant": f"r{day.registration.pk}"}
    )
    assert response.status_code == 404 and not CheckIn.objects.exists()


def test_a_participant_of_another_meetup_cannot_be_checked_in(client, staff, day):
    client.force_login(staff)
    stranger = RegistrationFactory()
    url = reverse("meetups:check_in", kwargs={"slug": day.meetup.slug})
    assert client.post(url, {"participant": f"r{stranger.pk}"}).status_code == 404
    assert client.post(url, {"participant": "x1"}).status_code == 404
    assert not CheckIn.objects.exists()


# --- No-shows, ratings, figures --------------------------------------------------------------------------------------


def test_no_shows_are_recorded_from_the_arrivals(staff, day):
    with pytest.raises(services.MeetupError, match="n'a pas commencé"):
        services.no_shows_record(meetup=day.meetup, by=staff)
    _start_now(day.meetup)
    services.check_in(meetup=day.meetup, registration=day.registration, by=staff)
    assert services.no_shows_record(meetup=day.meetup, by=staff) == 1
    day.meeting.refresh_from_db()
    assert day.meeting.no_show == NoShow.BUYER
    services.check_in(meetup=day.meetup, buyer=day.buyer_member.organisation, by=staff)
    assert services.no_shows_record(meetup=day.meetup, by=staff) == 0  # the buyer came late: record corrected
    day.meeting.refresh_from_db()
    assert day.meeting.no_show == ""


def test_each_side_rates_its_meeting_after_it_started_and_staff_see_the_figures(client, staff, day):
    rate = reverse("meetups:rate", kwargs={"slug": day.meetup.slug, "pk": day.meeting.pk})
    client.force_login(day.membership.user)
    client.post(rate, {"side": "structure", "useful": "on"})
    assert not MeetingRating.objects.exists()  # not started yet: refused with a message
    _start_now(day.meetup)
    client.post(rate, {"side": "structure", "useful": "on", "follow_up": "on"})
    client.post(rate, {"side": "buyer", "useful": "on"})  # not their side: 404, nothing stored
    client.force_login(day.buyer_member.user)
    client.post(rate, {"side": "buyer"})
    assert set(MeetingRating.objects.values_list("side", "useful", "follow_up")) == {
        ("structure", True, True),
        ("buyer", False, False),
    }
    client.force_login(staff)
    services.check_in(meetup=day.meetup, registration=day.registration, by=staff)
    page = text(client.get(reverse("meetups:staff", kwargs={"slug": day.meetup.slug})))
    assert "1 (50 %)" in page  # useful: 1 of 2 ratings
    assert "1 / 1" in page  # structures arrived


def test_the_staff_page_runs_a_bounded_number_of_queries(client, staff, day, django_assert_max_num_queries):
    for _ in range(15):
        registration = RegistrationFactory(meetup=day.meetup)
        services.check_in(meetup=day.meetup, registration=registration, by=staff)
    client.force_login(staff)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("meetups:staff", kwargs={"slug": day.meetup.slug})).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("meetups:check_in", kwargs={"slug": day.meetup.slug})).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("meetups:badges", kwargs={"slug": day.meetup.slug})).status_code == 200


# --- Participants' pages ---------------------------------------------------------------------------------------------


def test_the_agenda_shows_the_other_side_profile_and_why_they_meet(client, day):
    topic = Topic.objects.order_by("position").first()  # the charter's topics are seeded by a migration
    day.registration.structure.topics.add(topic)
    TenderFactory(buyer=day.buyer_member.organisation, topics=[topic])
    MeetingRequestFactory(
        registration=day.registration, buyer=day.buyer_member.organisation, direction="buyer", priority=2
    )
    client.force_login(day.buyer_member.user)
    page = text(client.get(reverse("meetups:agenda", kwargs={"slug": day.meetup.slug})))
    assert day.registration.structure.name in page and "Paris" in page  # the structure's city in its profile
    assert "Demande réciproque" in page and "(souhait n° 2)" in page and "Traiteur bio" in page
    assert f"Thématiques communes : {topic.name}" in page
    assert ".ics" in page


def test_the_agenda_runs_a_bounded_number_of_queries(client, day, django_assert_max_num_queries):
    slots = services.meetup_slots(day.meetup)
    for slot in slots[1:]:
        registration = RegistrationFactory(meetup=day.meetup)
        MeetingRequestFactory(registration=registration, buyer=day.buyer_member.organisation)
        Meeting.objects.create(
            meetup=day.meetup,
            buyer=day.buyer_member.organisation,
            structure=registration.structure,
            starts_at=slot,
            ends_at=slot + datetime.timedelta(minutes=15),
            table=3,
        )
    client.force_login(day.buyer_member.user)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("meetups:agenda", kwargs={"slug": day.meetup.slug}))
    assert text(response).count('id="rdv-') == len(slots)


def test_a_buyer_answers_a_request_on_their_page(client, day):
    day.meetup.requests_need_acceptance = True
    day.meetup.save()
    pending = MeetingRequestFactory(
        registration=RegistrationFactory(meetup=day.meetup), buyer=day.buyer_member.organisation, pending=True
    )
    client.force_login(day.buyer_member.user)
    page = text(client.get(reverse("meetups:buyer", kwargs={"slug": day.meetup.slug})))
    assert "1 demande attend votre réponse." in page and pending.registration.structure.name in page
    respond = reverse("meetups:respond", kwargs={"slug": day.meetup.slug, "pk": pending.pk})
    response = client.post(respond, {"answer": "decline", "reason": "Hors de notre périmètre"})
    assert response["Location"] == reverse("meetups:buyer", kwargs={"slug": day.meetup.slug})
    pending.refresh_from_db()
    assert pending.status == RequestStatus.DECLINED and pending.decline_reason == "Hors de notre périmètre"
    # The structure cannot answer its own request; another buyer gets a 404.
    client.force_login(BuyerMembershipFactory().user)
    assert client.post(respond, {"answer": "accept"}).status_code == 404


def test_a_buyer_requests_structures_in_order_from_their_page(client, day):
    second = RegistrationFactory(meetup=day.meetup)
    client.force_login(day.buyer_member.user)
    url = reverse("meetups:buyer", kwargs={"slug": day.meetup.slug})
    response = client.post(
        url,
        {
            "registrations": [str(day.registration.pk), str(second.pk)],
            f"priority_{second.pk}": "1",
            f"priority_{day.registration.pk}": "2",
            f"note_{second.pk}": "Vos paniers repas",
        },
    )
    assert response.status_code == 302
    mine = list(
        MeetingRequest.objects.filter(direction="buyer").order_by("priority").values_list("registration_id", "note")
    )
    assert mine == [(second.pk, "Vos paniers repas"), (day.registration.pk, "")]
    bad = client.post(url, {"registrations": [str(second.pk)], f"priority_{second.pk}": "0"})
    assert bad.status_code == 400 and "Le rang est un nombre de 1 à 99." in text(bad)
    assert MeetingRequest.objects.filter(direction="buyer").count() == 2


def test_a_structure_member_cannot_open_the_buyer_page(client, day):
    client.force_login(day.membership.user)
    assert client.get(reverse("meetups:buyer", kwargs={"slug": day.meetup.slug})).status_code == 404


# --- Staff home queue ------------------------------------------------------------------------------------------------


def test_the_staff_queue_lists_the_coming_meetups_with_what_is_left_to_do(rf, staff, day):
    unbuilt = MeetupFactory(title="Rencontre à préparer", capacity=4)
    RegistrationFactory(meetup=unbuilt)
    MeetupFactory(title="Dans deux mois", starts_at=timezone.now() + datetime.timedelta(days=60))
    request = rf.get("/espace/")
    request.user = staff
    rows = {row["label"]: row for row in queues.upcoming_meetups(request)}
    assert set(rows) == {f"Rencontre : {day.meetup.title}", "Rencontre : Rencontre à préparer"}
    todo = rows["Rencontre : Rencontre à préparer"]
    assert todo["count"] == 1 and "1 inscrite sur 4 (25 %)" in todo["detail"]
    assert "planning à construire" in todo["detail"]
    assert rows[f"Rencontre : {day.meetup.title}"]["count"] == 0
    request.user = day.buyer_member.user
    assert queues.upcoming_meetups(request) == []


def test_the_buyer_panel_links_to_the_requests_waiting_for_an_answer(client, day):
    day.meetup.requests_need_acceptance = True
    day.meetup.save()
    MeetingRequestFactory(
        registration=RegistrationFactory(meetup=day.meetup), buyer=day.buyer_member.organisation, pending=True
    )
    client.force_login(day.buyer_member.user)
    page = text(client.get(reverse("dashboard")))
    assert "mes demandes de rendez-vous" in page and "(1 en attente de votre réponse)" in page


def test_a_structure_answers_a_buyer_and_marks_its_unavailable_slots_on_the_meetup_page(client, day):
    day.meetup.requests_need_acceptance = True
    day.meetup.save()
    other_buyer = BuyerMembershipFactory().organisation
    day.meetup.buyers.add(other_buyer)
    incoming = MeetingRequestFactory(registration=day.registration, buyer=other_buyer, direction="buyer", pending=True)
    client.force_login(day.membership.user)
    detail = reverse("meetups:detail", kwargs={"slug": day.meetup.slug})
    page = text(client.get(detail))
    assert "Acheteurs qui veulent vous rencontrer" in page and other_buyer.name in page
    response = client.post(reverse("meetups:respond", kwargs={"slug": day.meetup.slug, "pk": incoming.pk}), {})
    assert response.status_code == 302  # no answer chosen: a message, nothing changes
    incoming.refresh_from_db()
    assert incoming.status == RequestStatus.PENDING
    client.post(reverse("meetups:respond", kwargs={"slug": day.meetup.slug, "pk": incoming.pk}), {"answer": "accept"})
    incoming.refresh_from_db()
    assert incoming.status == RequestStatus.ACCEPTED
    slots = services.meetup_slots(day.meetup)
    url = reverse("meetups:unavailability", kwargs={"slug": day.meetup.slug, "pk": day.registration.pk})
    client.post(url, {f"u{day.registration.pk}-slots": [slot_value(slots[2])]})
    assert list(day.registration.unavailabilities.values_list("starts_at", flat=True)) == [slots[2]]
    client.post(url, {f"u{day.registration.pk}-slots": ["2020-01-01T09:00Z"]})  # not a slot: unchanged
    assert list(day.registration.unavailabilities.values_list("starts_at", flat=True)) == [slots[2]]


def test_the_buyer_page_runs_a_bounded_number_of_queries(client, day, django_assert_max_num_queries):
    for _ in range(20):
        MeetingRequestFactory(
            registration=RegistrationFactory(meetup=day.meetup), buyer=day.buyer_member.organisation, pending=True
        )
    client.force_login(day.buyer_member.user)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("meetups:buyer", kwargs={"slug": day.meetup.slug}))
    assert response.status_code == 200 and text(response).count('class="meetup-request"') == 21
