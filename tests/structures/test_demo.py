import time

import pytest

from accounts import demo as accounts_demo
from structures import demo
from structures.models import Membership, Structure, VerificationStatus

pytestmark = pytest.mark.django_db


def test_seed_is_realistic_fast_and_idempotent():
    accounts_demo.seed()
    started = time.perf_counter()
    summary = demo.seed()
    elapsed = time.perf_counter() - started
    assert summary.startswith("300 structures créées")
    assert elapsed < 10, f"seeding took {elapsed:.1f} s"

    assert Structure.objects.count() == demo.COUNT
    counts = {status: Structure.objects.filter(verification_status=status).count() for status in VerificationStatus}
    assert (
        counts[VerificationStatus.VERIFIED]
        > counts[VerificationStatus.PENDING]
        > counts[VerificationStatus.REJECTED]
        > 0
    )
    assert not Structure.objects.filter(verification_status=VerificationStatus.REJECTED, rejection_reason="").exists()
    assert Structure.objects.values("legal_form").distinct().count() >= 12
    assert Structure.objects.filter(description__icontains="déchets").count() > 20
    assert Structure.objects.filter(description__icontains="insertion").count() > 20
    assert Structure.objects.filter(areas__code="93").distinct().count() > 20
    assert Structure.objects.filter(areas__kind="arrondissement").distinct().count() > 20
    assert not Structure.objects.filter(memberships__isnull=True).exists()

    flagship = Structure.objects.get(name="Les Jardins de Belleville")
    assert flagship.is_verified
    assert flagship.memberships.get(user__email=demo.DEMO_ADMIN).role == Membership.Role.ADMIN
    assert flagship.join_requests.filter(status="pending").exists()

    before = (Structure.objects.count(), Membership.objects.count())
    assert demo.seed().startswith("0 structures créées")
    assert (Structure.objects.count(), Membership.objects.count()) == before


def test_seed_is_deterministic():
    accounts_demo.seed()
    demo.seed()
    first = list(Structure.objects.order_by("siret").values_list("siret", "name", "legal_form", "verification_status"))
    Structure.objects.all().delete()
    demo.seed()
    second = list(
        Structure.objects.order_by("siret").values_list("siret", "name", "legal_form", "verification_status")
    )
    assert first == second
