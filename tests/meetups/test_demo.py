"""Demo meet-ups: one past with a schedule, one full with a waitlist and a schedule, one open; idempotent."""

import pytest

from accounts import demo as accounts_demo
from meetups import demo
from meetups.models import Meeting, MeetingRequest, Meetup, Registration, RegistrationStatus
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
    past, full, open_ = Meetup.objects.order_by("starts_at")
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
