"""Demo meet-ups: one past with a schedule, one full with a waitlist and a schedule, one open, a speed-meeting day
(40 buyers, 150 structures, requests both ways, some declined, a published schedule); idempotent."""

import pytest

from accounts import demo as accounts_demo
from meetups import demo
from meetups.models import Meeting, MeetingRequest, Meetup, Registration, RegistrationStatus, RequestStatus
from structures import demo as structures_demo
from tenders import demo as tenders_demo
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


def counts():
    return [model.objects.count() for model in (Meetup, Registration, MeetingRequest, Meeting)]


def test_seed_makes_three_meetups_with_a_waitlist_and_schedules_and_is_idempotent():
    accounts_demo.seed()
    structures_demo.seed()
    tenders_demo.seed()
    demo.seed()
    speed = Meetup.objects.get(slug=demo.SPEED_SLUG)
    past, full, open_ = Meetup.objects.exclude(pk=speed.pk).order_by("starts_at")
    assert past.is_past and past.schedule_built_at and Meeting.objects.filter(meetup=past).exists()
    assert full.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == full.capacity
    assert list(full.registrations.waitlist().values_list("position", flat=True)) == [1, 2, 3, 4]
    assert Meeting.objects.filter(
        meetup=full, structure__memberships__user__email="structure@demo.ess2024.fr"
    ).exists()
    assert open_.registrations.count() < open_.capacity and open_.schedule_built_at is None
    first = counts()
    schedule = list(Meeting.objects.order_by("pk").values_list("buyer_id", "structure_id", "starts_at"))
    demo.seed()
    assert counts() == first
    assert list(Meeting.objects.order_by("pk").values_list("buyer_id", "structure_id", "starts_at")) == schedule


def test_the_speed_meeting_day_has_requests_both_ways_some_declined_and_a_published_schedule():
    accounts_demo.seed()
    structures_demo.seed()
    tenders_demo.seed()
    demo.seed()
    speed = Meetup.objects.get(slug=demo.SPEED_SLUG)
    assert speed.buyers.count() == 40
    assert speed.registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 150
    requests = MeetingRequest.objects.filter(registration__meetup=speed)
    assert set(requests.values_list("direction", flat=True)) == {"structure", "buyer"}
    assert requests.filter(status=RequestStatus.DECLINED).exists()
    assert speed.schedule_published_at is not None and speed.requests_need_acceptance
    meetings = Meeting.objects.filter(meetup=speed)
    assert meetings.count() > 300 and not meetings.filter(pinned=False).exists()
    # Only accepted requests are scheduled, and never in the break.
    assert not meetings.exclude(request__status=RequestStatus.ACCEPTED).exists()
    assert not [m for m in meetings if m.starts_at.astimezone(demo.PARIS).strftime("%H:%M") == "11:00"]
    assert meetings.filter(structure__memberships__user__email="structure@demo.ess2024.fr").exists()
    assert meetings.filter(buyer__slug="solideo").exists()
