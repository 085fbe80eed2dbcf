"""Never two structures with one SIRET, even when two people submit it at the same moment.

Each thread has its own database connection and holds its transaction open a moment after inserting, so the
other one's check sees nothing and its INSERT waits on the unique index, then fails: the unique constraint decides.
"""

import threading
import time

import pytest
from django.db import connection, transaction

from structures import services
from structures.models import Membership, Structure
from structures.validators import make_siret
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _race(submissions):
    barrier = threading.Barrier(len(submissions))
    results = [None] * len(submissions)

    def run(index, kwargs):
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                structure = services.structure_create(**kwargs)
                time.sleep(0.3)  # keep the row uncommitted while the other submission tries
            results[index] = structure
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, kwargs)) for i, kwargs in enumerate(submissions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def test_two_concurrent_submissions_of_one_siret_make_exactly_one_structure():
    alice, bruno = UserFactory(), UserFactory()
    siret = make_siret(777)
    results = _race(
        [
            {"user": alice, "siret": siret, "name": "Recyclerie de l'Ourcq", "legal_form": "association"},
            {"user": bruno, "siret": siret, "name": "La Recyclerie Ourcq", "legal_form": "association"},
        ]
    )
    winners = [r for r in results if isinstance(r, Structure)]
    losers = [r for r in results if isinstance(r, services.SiretAlreadyRegistered)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert Structure.objects.filter(siret=siret).count() == 1
    assert losers[0].structure.pk == winners[0].pk  # the loser is offered to ask to join the winner
    assert "Vous pouvez demander à la rejoindre" in losers[0].message
    assert Membership.objects.count() == 1


def test_two_concurrent_structures_with_the_same_name_get_distinct_slugs():
    results = _race(
        [
            {
                "user": UserFactory(),
                "siret": make_siret(801),
                "name": "Les Jardins de Belleville",
                "legal_form": "scic",
            },
            {
                "user": UserFactory(),
                "siret": make_siret(802),
                "name": "Les Jardins de Belleville",
                "legal_form": "scop",
            },
        ]
    )
    assert all(isinstance(r, Structure) for r in results), results
    assert sorted(Structure.objects.values_list("slug", flat=True)) == [
        "les-jardins-de-belleville",
        "les-jardins-de-belleville-2",
    ]
