from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboxEmail
from structures import services
from structures.models import Invitation, Membership
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return MembershipFactory()


def _invite(admin, email="nouvelle@exemple.fr", role=Membership.Role.MEMBER):
    return services.invitation_create(structure=admin.structure, email=email, role=role, by=admin.user)


def _token_from_email(invitation):
    email = OutboxEmail.objects.get(
        kind="structure_invitation", to=invitation.email, dedupe_key__endswith=f".{invitation.pk}"
    )
    url = next(line for line in email.body_text.splitlines() if "/espace/structure/invitation/" in line)
    return url.rsplit("/invitation/", 1)[1].strip("/")


def test_an_administrator_invites_by_email_with_a_signed_link(admin):
    invitation = _invite(admin, email="  Nouvelle@Exemple.fr ")
    assert invitation.email == "nouvelle@exemple.fr"
    assert timedelta(days=6, hours=23) < invitation.expires_at - timezone.now() <= timedelta(days=7)
    email = OutboxEmail.objects.get(kind="structure_invitation")
    assert email.to == "nouvelle@exemple.fr"
    assert f"Rejoignez l'équipe de « {admin.structure.name} »" in email.subject
    assert "http://testserver/espace/structure/invitation/" in email.body_text
    assert signing.loads(_token_from_email(invitation), salt=services.INVITATION_SALT) == invitation.pk


def test_a_simple_member_cannot_invite(admin):
    member = MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    with pytest.raises(services.NotAllowed, match="administrateurs"):
        services.invitation_create(structure=admin.structure, email="x@exemple.fr", role="member", by=member.user)
    assert not Invitation.objects.exists()


def test_accepting_joins_the_team_once(admin):
    invitation = _invite(admin, role=Membership.Role.ADMIN)
    invitee = UserFactory(email="nouvelle@exemple.fr")
    token = _token_from_email(invitation)
    membership = services.invitation_accept(token=token, user=invitee)
    assert membership.structure == admin.structure and membership.role == Membership.Role.ADMIN
    invitation.refresh_from_db()
    assert invitation.accepted_by == invitee
    with pytest.raises(services.StructureError, match="déjà été utilisée") as info:
        services.invitation_accept(token=token, user=invitee)
    assert info.value.code == "used"


def test_an_expired_invitation_is_refused(admin):
    invitation = _invite(admin)
    token = _token_from_email(invitation)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(services.StructureError, match="expiré") as info:
        services.invitation_accept(token=token, user=UserFactory(email="nouvelle@exemple.fr"))
    assert info.value.code == "expired"


def test_a_token_older_than_seven_days_is_refused_by_its_signature(admin):
    invitation = _invite(admin)
    signer = signing.TimestampSigner(salt=services.INVITATION_SALT)
    old = signer.sign_object(invitation.pk)
    # Re-sign with a timestamp 8 days ago: the signature itself says the link is too old.
    value, _timestamp, signature = old.rsplit(":", 2)
    eight_days_ago = signing.b62_encode(int((timezone.now() - timedelta(days=8)).timestamp()))
    forged = f"{value}:{eight_days_ago}"
    token = f"{forged}:{signer.signature(forged)}"
    with pytest.raises(services.StructureError) as info:
        services.invitation_accept(token=token, user=UserFactory(email="nouvelle@exemple.fr"))
    assert info.value.code == "expired"


def test_a_tampered_token_is_invalid(admin):
    token = _token_from_email(_invite(admin))
    with pytest.raises(services.StructureError, match="pas valide"):
        services.invitation_accept(token=token[:-2] + "xx", user=UserFactory())


def test_an_invitation_only_works_for_the_invited_address(admin):
    token = _token_from_email(_invite(admin))
    someone_else = UserFactory(email="autre@exemple.fr")
    with pytest.raises(services.StructureError, match="envoyée à nouvelle@exemple.fr") as info:
        services.invitation_accept(token=token, user=someone_else)
    assert info.value.code == "wrong_email"
    # Once the invited address is verified on that account, it works.
    EmailAddress.objects.create(user=someone_else, email="Nouvelle@exemple.fr", verified=True, primary=False)
    assert services.invitation_accept(token=token, user=someone_else).user == someone_else


def test_a_new_invitation_replaces_the_pending_one_and_revoked_links_stop_working(admin):
    first = _invite(admin)
    first_token = _token_from_email(first)
    second = _invite(admin)
    first.refresh_from_db()
    assert first.revoked_at is not None and second.revoked_at is None
    with pytest.raises(services.StructureError, match="annulée"):
        services.invitation_accept(token=first_token, user=UserFactory(email="nouvelle@exemple.fr"))


def test_inviting_a_current_member_is_refused(admin):
    MembershipFactory(structure=admin.structure, user=UserFactory(email="deja@exemple.fr"), role="member")
    with pytest.raises(services.StructureError, match="fait déjà partie"):
        _invite(admin, email="DEJA@exemple.fr")


def test_the_invitation_page_shows_the_structure_then_joins(client, admin):
    invitation = _invite(admin)
    token = _token_from_email(invitation)
    url = reverse("structures_space:invitation", args=[token])
    assert client.get(url)["Location"].startswith(reverse("account_login"))  # sign in first

    invitee = UserFactory(email="nouvelle@exemple.fr")
    client.force_login(invitee)
    page = client.get(url)
    assert page.status_code == 200
    assert admin.structure.name in page.content.decode()
    response = client.post(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("structures_space:detail", args=[admin.structure.slug])
    again = client.post(url)
    assert again.status_code == 400
    assert "déjà été utilisée" in again.content.decode()


def test_team_page_invites_and_non_admins_get_404(client, admin):
    client.force_login(admin.user)
    team_url = reverse("structures_space:team", args=[admin.structure.slug])
    response = client.post(team_url, {"email": "pas-une-adresse", "role": "member"})
    assert response.status_code == 200
    assert "Saisissez une adresse e-mail valide" in response.content.decode()
    response = client.post(team_url, {"email": "collegue@exemple.fr", "role": "member"})
    assert response.status_code == 302
    assert Invitation.objects.filter(email="collegue@exemple.fr").exists()

    member = MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    client.force_login(member.user)
    page = client.get(team_url)
    assert page.status_code == 200
    assert "Inviter une personne" not in page.content.decode()
    assert client.post(team_url, {"email": "intrus@exemple.fr", "role": "admin"}).status_code == 404
    assert not Invitation.objects.filter(email="intrus@exemple.fr").exists()
    invitation = Invitation.objects.get(email="collegue@exemple.fr")
    revoke = reverse("structures_space:invitation_revoke", args=[admin.structure.slug, invitation.pk])
    assert client.post(revoke).status_code == 404
