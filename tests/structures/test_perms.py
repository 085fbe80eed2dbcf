"""Permissions: the small functions of structures.perms, and the views' 404 for anything outside one's own teams."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from structures import perms
from structures.models import Membership
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def team():
    admin = MembershipFactory()
    member = MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    return admin.structure, admin.user, member.user


def test_can_edit(team):
    structure, admin, member = team
    assert perms.can_edit(admin, structure)
    assert perms.can_edit(member, structure)
    assert perms.can_edit(UserFactory(platform_staff=True), structure)
    assert not perms.can_edit(UserFactory(), structure)
    assert not perms.can_edit(UserFactory(is_staff=True), structure)  # a buyer
    assert not perms.can_edit(AnonymousUser(), structure)
    admin.is_active = False
    assert not perms.can_edit(admin, structure)


def test_can_manage_members(team):
    structure, admin, member = team
    assert perms.can_manage_members(admin, structure)
    assert not perms.can_manage_members(member, structure)
    assert perms.can_manage_members(UserFactory(platform_staff=True), structure)
    assert not perms.can_manage_members(MembershipFactory().user, structure)  # admin elsewhere
    assert not perms.can_manage_members(AnonymousUser(), structure)


def test_can_verify():
    assert perms.can_verify(UserFactory(platform_staff=True))
    assert perms.can_verify(UserFactory(is_superuser=True, is_staff=True))
    assert not perms.can_verify(UserFactory(is_staff=True))  # buyers are is_staff but not Les Canaux staff
    assert not perms.can_verify(MembershipFactory().user)
    assert not perms.can_verify(AnonymousUser())


def test_a_member_of_a_editing_b_gets_404(client, team):
    structure_a, admin_a, member_a = team
    structure_b = MembershipFactory().structure
    for someone in (admin_a, member_a):
        client.force_login(someone)
        for url in (
            reverse("structures_space:detail", args=[structure_b.slug]),
            reverse("structures_space:edit", args=[structure_b.slug, "identite"]),
            reverse("structures_space:edit", args=[structure_b.slug, "logo"]),
            reverse("structures_space:team", args=[structure_b.slug]),
            reverse("structures_space:archive", args=[structure_b.slug]),
        ):
            assert client.get(url).status_code == 404, url
        response = client.post(
            reverse("structures_space:edit", args=[structure_b.slug, "contact"]),
            {"contact_name": "Pirate", "contact_email": "", "contact_phone": ""},
        )
        assert response.status_code == 404
    structure_b.refresh_from_db()
    assert structure_b.contact_name == ""
    # Their own structure works.
    client.force_login(member_a)
    assert client.get(reverse("structures_space:edit", args=[structure_a.slug, "identite"])).status_code == 200


def test_only_administrators_reach_team_actions(client, team):
    structure, admin, member = team
    client.force_login(member)
    admin_membership = structure.memberships.get(user=admin)
    for url in (
        reverse("structures_space:member_role", args=[structure.slug, admin_membership.pk]),
        reverse("structures_space:member_remove", args=[structure.slug, admin_membership.pk]),
        reverse("structures_space:archive", args=[structure.slug]),
        reverse("structures_space:request_review", args=[structure.slug]),
    ):
        assert client.post(url, {"role": "member"}).status_code == 404, url
    assert structure.memberships.filter(user=admin, role=Membership.Role.ADMIN).exists()


def test_an_archived_structure_leaves_the_member_space(client, team):
    structure, admin, _member = team
    client.force_login(admin)
    archive = reverse("structures_space:archive", args=[structure.slug])
    assert "Archiver la structure" in client.get(archive).content.decode()
    assert client.post(archive).status_code == 302
    assert client.get(reverse("structures_space:detail", args=[structure.slug])).status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    structure = StructureFactory()
    for url in (
        reverse("structures_space:create"),
        reverse("structures_space:detail", args=[structure.slug]),
        reverse("structures_space:team", args=[structure.slug]),
    ):
        assert client.get(url)["Location"].startswith(reverse("account_login"))


def test_section_editing_over_http(client, team):
    structure, _admin, member = team
    client.force_login(member)
    url = reverse("structures_space:edit", args=[structure.slug, "contact"])
    response = client.post(url, {"contact_name": "Awa", "contact_email": "pas-un-email", "contact_phone": "12"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saisissez une adresse e-mail valide" in html
    assert "Saisissez un numéro de téléphone" in html
    assert 'class="error-summary"' in html
    response = client.post(url, {"contact_name": "Awa", "contact_email": "awa@exemple.fr", "contact_phone": ""})
    assert response.status_code == 302
    structure.refresh_from_db()
    assert structure.contact_email == "awa@exemple.fr"
    assert client.get(reverse("structures_space:edit", args=[structure.slug, "inconnue"])).status_code == 404
