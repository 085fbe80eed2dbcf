"""The alerts in the admin: Les Canaux staff read them (status, skip reason, email status); buyers do not see them."""

import pytest
from django.urls import reverse

from matching import delivery
from tests.accounts.factories import UserFactory
from tests.matching.conftest import ensure_buyers_group
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.django_db


def test_staff_see_notifications_with_their_status(
    client, make_structure, make_tender, django_capture_on_commit_callbacks
):
    make_structure(members=2)
    tender = make_tender(title="Cantine du village")
    with django_capture_on_commit_callbacks(execute=True):
        delivery.deliver_notifications(delivery.dispatch_tender(tender_id=tender.pk))
    client.force_login(UserFactory(platform_staff=True))

    page = client.get(reverse("admin:matching_notification_changelist"))

    assert page.status_code == 200
    content = page.content.decode()
    assert content.count("Cantine du village") >= 2
    assert "Envoyé" in content  # the outbox row's status
    for name in ("tenderdispatch", "digest", "deadlinereminder", "notificationpreference", "savedsearch"):
        assert client.get(reverse(f"admin:matching_{name}_changelist")).status_code == 200


def test_buyers_do_not_see_the_alerts(client):
    ensure_buyers_group()
    buyer = BuyerMembershipFactory().user
    client.force_login(buyer)

    assert client.get(reverse("admin:matching_notification_changelist")).status_code == 403
    assert "Correspondances et alertes" not in client.get(reverse("admin:index")).content.decode()
