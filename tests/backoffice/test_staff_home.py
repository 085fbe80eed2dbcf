"""The staff home: /espace/ shows Les Canaux staff their queues first (counts, oldest item, links), nobody else."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboxEmail
from structures.models import JoinRequest, Structure, VerificationStatus
from tests.accounts.factories import UserFactory
from tests.structures.factories import ListedStructureFactory, MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, TenderFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


@pytest.fixture
def staff(client):
    user = UserFactory(platform_staff=True)
    client.force_login(user)
    return user


def _queue_row(html: str, key: str) -> str:
    match = re.search(rf'<tr data-queue="{key}">(.*?)</tr>', html, re.S)
    assert match, f"queue {key} not on the page"
    return match.group(1)


def test_staff_see_their_queues_first_and_no_newcomer_cards(client, staff):
    old = StructureFactory(name="Ancienne")
    Structure.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    StructureFactory(name="Nouvelle")
    ListedStructureFactory(name="Déjà vérifiée")
    StructureFactory(verification_status=VerificationStatus.REJECTED, rejection_reason="Doublon")
    StructureFactory(archived_at=timezone.now())

    html = client.get(DASHBOARD).content.decode()

    assert html.index("Le travail du jour") < html.index("Mon compte")
    assert "Je représente une structure" not in html
    row = _queue_row(html, "structures_to_verify")
    assert "Structures à vérifier" in row
    assert f'href="{reverse("backoffice:structures")}"' in row
    assert ">2</a>" in row
    assert "depuis 3\xa0jours" in row or "depuis 3 jours" in row
    for key in ("join_requests_waiting", "failed_emails", "imports", "tenders_past_deadline"):
        assert ">0</a>" in _queue_row(html, key)


def test_every_queue_counts_its_items(client, staff):
    admin = MembershipFactory()
    late = JoinRequest.objects.create(structure=admin.structure, user=UserFactory())
    JoinRequest.objects.filter(pk=late.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    JoinRequest.objects.create(structure=admin.structure, user=UserFactory())  # recent: not late yet
    OutboxEmail.objects.create(
        to="x@exemple.fr", subject="S", body_text="B", kind="test", status=OutboxEmail.Status.FAILED
    )
    TenderFactory(published=True, bid_deadline=timezone.now() - datetime.timedelta(days=2))
    TenderFactory(published=True)  # still open

    html = client.get(DASHBOARD).content.decode()

    assert ">1</a>" in _queue_row(html, "join_requests_waiting")
    assert ">1</a>" in _queue_row(html, "failed_emails")
    assert ">1</a>" in _queue_row(html, "tenders_past_deadline")
    page = client.get(reverse("backoffice:tenders_past_deadline")).content.decode()
    assert page.count('<th scope="row"><a href="/admin/tenders/tender/') == 1


def test_members_buyers_and_visitors_get_no_staff_home(client):
    MembershipFactory()
    for user in (MembershipFactory().user, BuyerMembershipFactory().user, UserFactory(is_staff=True)):
        client.force_login(user)
        assert "Le travail du jour" not in client.get(DASHBOARD).content.decode()
        for url in (
            reverse("backoffice:structures"),
            reverse("backoffice:tenders_past_deadline"),
            reverse("backoffice:structure", args=[Structure.objects.first().pk]),
        ):
            assert client.get(url).status_code == 404


# The bench's budget is 12 queries; tests also count the request's SAVEPOINT and RELEASE (ATOMIC_REQUESTS).
STAFF_HOME_QUERIES = 12 + 2


def test_staff_home_queries_do_not_grow_with_the_queues(client, staff, django_assert_max_num_queries):
    StructureFactory()
    with django_assert_max_num_queries(STAFF_HOME_QUERIES) as few:
        assert client.get(DASHBOARD).status_code == 200
    for _ in range(30):
        MembershipFactory()
    with django_assert_max_num_queries(STAFF_HOME_QUERIES) as many:
        assert client.get(DASHBOARD).status_code == 200
    assert len(many.captured_queries) == len(few.captured_queries)
