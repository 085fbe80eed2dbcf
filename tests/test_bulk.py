"""ess2024/bulk.py: many rows in one INSERT … SELECT FROM unnest(…), as the ORM would have stored them."""

import pytest
from django.utils import timezone

from ess2024.bulk import insert_objects, insert_rows
from matching.delivery import NOTIFICATION_COLUMNS
from matching.models import Notification
from outbox.models import OutboxEmail
from tests.accounts.factories import UserFactory
from tests.tenders.factories import TenderFactory


def email(n, **fields):
    now = timezone.now()
    return OutboxEmail(
        to=f"personne{n}@exemple.fr",
        from_email="ESS 2024 <ne-pas-repondre@ess2024.example.org>",
        subject=f"Objet n° {n}",
        body_text=f"Bonjour Zoé,\nligne {n}\n",
        headers={"Message-ID": f"<{n}@exemple.fr>", "X-Étiquette": 'déchets "tri"'},
        secret_values=["https://exemple.fr/désabonnement/a:b:c/"],
        created_at=now,
        next_attempt_at=now,
        **fields,
    )


@pytest.mark.django_db
def test_instances_come_back_as_the_orm_reads_them_in_the_order_given():
    built = [email(n) for n in range(3)]

    ids = insert_objects(built)

    assert [row.pk for row in OutboxEmail.objects.order_by("pk")] == [pk for (pk,) in ids]
    for (pk,), original in zip(ids, built, strict=True):
        stored = OutboxEmail.objects.get(pk=pk)
        for field in ("to", "subject", "body_text", "headers", "secret_values", "status", "attempts", "created_at"):
            assert getattr(stored, field) == getattr(original, field), field
        assert stored.dedupe_key is None and stored.sent_at is None


@pytest.mark.django_db
def test_ignored_conflicts_leave_the_existing_row_and_return_only_the_new_ones():
    (existing,) = insert_objects([email(1, dedupe_key="k1")])

    returned = insert_objects(
        [email(2, dedupe_key="k1"), email(3, dedupe_key="k3")], ignore_conflicts=True, returning=("dedupe_key", "id")
    )

    assert [key for key, _pk in returned] == ["k3"]
    assert OutboxEmail.objects.get(dedupe_key="k1").pk == existing[0]
    assert OutboxEmail.objects.get(dedupe_key="k1").to == "personne1@exemple.fr"


@pytest.mark.django_db
def test_arrays_json_nulls_and_choices_go_in_as_values():
    tender, user = TenderFactory(), UserFactory()
    row = (
        tender.pk,
        user.pk,
        None,
        None,
        Notification.Source.SAVED_SEARCH,
        "immediate",
        None,
        ["Il correspond à votre recherche « déchets »."],
        [3, 4],
        Notification.Status.PENDING,
        "",
        timezone.now(),
    )

    insert_rows(Notification, NOTIFICATION_COLUMNS, [row])

    stored = Notification.objects.get(tender=tender, user=user)
    assert (stored.source, stored.score, stored.topic_ids) == ("saved_search", None, [3, 4])
    assert stored.structure_id is None and stored.saved_search_id is None
    assert stored.reasons == ["Il correspond à votre recherche « déchets »."]
