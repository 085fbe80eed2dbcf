"""Pending structures: matched, but neither in the directory nor in exports. Rejected ones: their members only."""

import pytest
from django.urls import reverse

from matching.services import structures_matching
from structures import services
from structures.models import VerificationStatus
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.django_db


def _export(client) -> str:
    response = client.get(reverse("structures:export"))
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_a_pending_structure_is_matched_but_not_listed_nor_exported_until_verified(
    client, make_structure, make_tender
):
    pending = make_structure(name="Cantine en attente", members=1)
    tender = make_tender()
    assert pending in structures_matching(tender)

    client.force_login(BuyerMembershipFactory().user)
    assert "Cantine en attente" not in client.get(reverse("structures:index")).content.decode()
    assert "Cantine en attente" not in _export(client)

    services.structure_verify(structure=pending, by=UserFactory(platform_staff=True))
    assert "Cantine en attente" in client.get(reverse("structures:index")).content.decode()
    assert "Cantine en attente" in _export(client)
    assert pending in structures_matching(tender)


def test_a_rejected_structure_is_visible_to_its_members_only(client, make_structure):
    admin = MembershipFactory(structure=make_structure(name="Refusée SARL"))
    structure = admin.structure
    services.structure_reject(
        structure=structure, by=UserFactory(platform_staff=True), reason="Pas une structure ESS."
    )
    assert structure.verification_status != VerificationStatus.VERIFIED

    client.force_login(BuyerMembershipFactory().user)
    assert "Refusée SARL" not in client.get(reverse("structures:index")).content.decode()
    assert "Refusée SARL" not in _export(client)
    assert client.get(reverse("structures:detail", args=[structure.slug])).status_code == 404

    client.force_login(admin.user)
    space = client.get(reverse("structures_space:detail", args=[structure.slug]))
    assert space.status_code == 200 and "Pas une structure ESS." in space.content.decode()
    download = client.get(reverse("accounts:personal_data_download"))
    content = b"".join(download.streaming_content) if download.streaming else download.content
    assert "Refusée SARL" in content.decode()
