"""The member space's list-like pages run a bounded number of queries, and personal data includes structures."""

import json

import pytest
from django.urls import reverse

from structures.models import Membership
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db


def _structures_for(user, count):
    for _ in range(count):
        structure = StructureFactory(topics=["accessibilite", "restauration-durable"], areas=["93", "75111"])
        MembershipFactory(structure=structure, user=user)
        MembershipFactory(structure=structure, role=Membership.Role.MEMBER)


def _count_queries(client, url, django_assert_max_num_queries, limit):
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_dashboard_panel_queries_do_not_grow_with_the_number_of_structures(
    client, settings, django_assert_max_num_queries
):
    settings.DASHBOARD_PANELS = ["structures.panels.structure_panel"]
    few, many = UserFactory(), UserFactory()
    _structures_for(few, 1)
    _structures_for(many, 8)
    client.force_login(few)
    one = _count_queries(client, reverse("dashboard"), django_assert_max_num_queries, 15)
    client.force_login(many)
    eight = _count_queries(client, reverse("dashboard"), django_assert_max_num_queries, 15)
    assert eight == one
    assert "Mes structures" in client.get(reverse("dashboard")).content.decode()


def test_team_page_queries_do_not_grow_with_the_team(client, django_assert_max_num_queries):
    admin = MembershipFactory()
    client.force_login(admin.user)
    url = reverse("structures_space:team", args=[admin.structure.slug])
    small = _count_queries(client, url, django_assert_max_num_queries, 20)
    for _ in range(10):
        MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    large = _count_queries(client, url, django_assert_max_num_queries, 20)
    assert large == small


def test_personal_data_download_includes_structures(client, user):
    membership = MembershipFactory(user=user)
    client.force_login(user)
    response = client.get(reverse("accounts:personal_data_download"))
    data = json.loads(b"".join(response.streaming_content) if response.streaming else response.content)
    assert data["structures"][0]["structure"] == membership.structure.name
    assert data["structures"][0]["siret"] == membership.structure.siret
