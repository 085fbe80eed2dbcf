"""Two structures take the last seat at the same moment: one is confirmed, the other waitlisted.

Each thread has its own database connection; both wait at a barrier and then register. The lock on the meet-up
row makes the second count the first one's seat once it commits."""

import threading
import time

import pytest
from django.db import connection, transaction

from meetups import services
from meetups.models import Registration, RegistrationStatus
from tests.meetups.factories import MeetupFactory, RegistrationFactory
from tests.structures.factories import MembershipFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_concurrent_registrations_for_the_last_seat_give_one_confirmed_and_one_waitlisted():
    meetup = MeetupFactory(capacity=2)
    RegistrationFactory(meetup=meetup)  # one seat left
    members = [MembershipFactory(), MembershipFactory()]
    barrier = threading.Barrier(len(members))
    results = [None] * len(members)

    def run(index, membership):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                results[index] = services.registration_create(
                    meetup=meetup, structure=membership.structure, by=membership.user
                )
                time.sleep(0.3)  # hold the transaction open: the other one must wait for it
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, m)) for i, m in enumerate(members)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert all(isinstance(result, Registration) for result in results), results
    assert sorted(r.status for r in results) == [RegistrationStatus.CONFIRMED, RegistrationStatus.WAITLISTED]
    assert Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED).count() == 2
    waitlisted = Registration.objects.get(meetup=meetup, status=RegistrationStatus.WAITLISTED)
    assert waitlisted.position == 1
