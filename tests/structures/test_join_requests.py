import pytest
from django.urls import reverse

from outbox.models import OutboxEmail
from structures import services
from structures.models import JoinRequest, Membership
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db


def test_a_request_emails_the_administrators(user):
    admin = MembershipFactory()
    MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    join_request = services.join_request_create(structure=admin.structure, user=user, message="Je gère les achats.")
    assert join_request.status == JoinRequest.Status.PENDING
    email = OutboxEmail.objects.get(kind="structure_join_request")
    assert email.to == admin.user.email
    assert "demande à rejoindre" in email.subject
    assert "Je gère les achats." in email.body_text
    assert f"/espace/structure/{admin.structure.slug}/equipe/" in email.body_text
    with pytest.raises(services.StructureError, match="déjà envoyée"):
        services.join_request_create(structure=admin.structure, user=user)


def test_a_structure_without_administrator_is_handled_by_staff(user):
    structure = StructureFactory()  # imported by staff: nobody yet
    staff = UserFactory(platform_staff=True)
    join_request = services.join_request_create(structure=structure, user=user)
    email = OutboxEmail.objects.get(kind="structure_join_request")
    assert email.to == staff.email
    assert "pas encore d'administrateur" in email.body_text
    membership = services.join_request_accept(request=join_request, by=staff)
    assert membership.role == Membership.Role.ADMIN  # the first person accepted runs the structure


def test_accept_adds_a_member_and_tells_them(user):
    admin = MembershipFactory()
    join_request = services.join_request_create(structure=admin.structure, user=user)
    membership = services.join_request_accept(request=join_request, by=admin.user)
    assert membership.user == user and membership.role == Membership.Role.MEMBER
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.ACCEPTED and join_request.decided_by == admin.user
    email = OutboxEmail.objects.get(kind="structure_join_accepted")
    assert email.to == user.email and "Votre demande est acceptée" in email.body_text
    with pytest.raises(services.StructureError, match="déjà été traitée"):
        services.join_request_refuse(request=join_request, by=admin.user)


def test_refuse_tells_the_person(user):
    admin = MembershipFactory()
    join_request = services.join_request_create(structure=admin.structure, user=user)
    services.join_request_refuse(request=join_request, by=admin.user)
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.REFUSED
    assert not admin.structure.memberships.filter(user=user).exists()
    assert OutboxEmail.objects.get(kind="structure_join_refused").to == user.email


def test_a_non_admin_cannot_decide(user):
    admin = MembershipFactory()
    member = MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    outsider = MembershipFactory()  # administrator of another structure
    join_request = services.join_request_create(structure=admin.structure, user=user)
    for someone in (member.user, outsider.user, user):
        with pytest.raises(services.NotAllowed):
            services.join_request_accept(request=join_request, by=someone)
        with pytest.raises(services.NotAllowed):
            services.join_request_refuse(request=join_request, by=someone)
    join_request.refresh_from_db()
    assert join_request.status == JoinRequest.Status.PENDING


def test_join_flow_over_http(client, user, settings):
    settings.DASHBOARD_PANELS = ["structures.panels.structure_panel"]
    admin = MembershipFactory()
    structure = admin.structure
    client.force_login(user)
    url = reverse("structures_space:join", args=[structure.siret])
    assert structure.name in client.get(url).content.decode()
    response = client.post(url, {"message": "Bonjour, je suis salariée."})
    assert response.status_code == 302
    join_request = JoinRequest.objects.get(user=user)
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "en attente de réponse" in dashboard

    decide = reverse("structures_space:join_request_decide", args=[structure.slug, join_request.pk, "accepter"])
    assert client.post(decide).status_code == 404  # the requester is not an administrator
    member = MembershipFactory(structure=structure, role=Membership.Role.MEMBER)
    client.force_login(member.user)
    assert client.post(decide).status_code == 404  # a simple member neither
    client.force_login(admin.user)
    team = client.get(reverse("structures_space:team", args=[structure.slug])).content.decode()
    assert "Bonjour, je suis salariée." in team
    assert client.post(decide).status_code == 302
    assert structure.memberships.filter(user=user, role=Membership.Role.MEMBER).exists()
