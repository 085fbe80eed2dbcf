import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from outbox.models import OutboxEmail
from tenders import perms
from tenders.models import BuyerMembership, TenderStatus
from tenders.perms import BUYERS_GROUP
from tenders.services.buyers import BuyerInvitationError, buyer_invite
from tests.accounts.factories import PASSWORD, UserFactory
from tests.tenders.factories import BuyerMembershipFactory, BuyerOrganisationFactory, TenderFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def staff():
    return UserFactory(platform_staff=True)


def test_invite_creates_a_staff_user_member_of_the_group_and_queues_an_email(
    staff, django_capture_on_commit_callbacks
):
    organisation = BuyerOrganisationFactory(name="Ville de Paris")
    with django_capture_on_commit_callbacks(execute=True):
        membership = buyer_invite(organisation=organisation, email="  Marie.Dupont@Paris.fr ", by=staff)
    user = membership.user
    assert user.email == "marie.dupont@paris.fr"
    assert user.is_staff and not user.is_superuser
    assert not user.has_usable_password()
    assert user.groups.filter(name=BUYERS_GROUP).exists()
    assert membership.organisation == organisation
    assert EmailAddress.objects.get(user=user).verified

    email = OutboxEmail.objects.get(to="marie.dupont@paris.fr")
    assert email.kind == "buyer_invitation"
    assert "Ville de Paris" in email.subject
    # What left carries the personal link; the stored row no longer does (issue 8: secrets leave the database).
    (sent,) = [message for message in mail.outbox if message.to == ["marie.dupont@paris.fr"]]
    html = sent.alternatives[0].content
    assert "Choisir mon mot de passe" in html
    link = re.search(r"(http://testserver/compte/password/reset/key/\S+/)", sent.body)[1]
    assert link in html.replace("&amp;", "&")
    assert "http://testserver/admin/" in sent.body
    assert "/compte/password/reset/key/" not in email.body_text + email.body_html


def test_the_invitation_link_lets_the_buyer_choose_a_password_then_open_the_admin(client, staff):
    organisation = BuyerOrganisationFactory()
    buyer_invite(organisation=organisation, email="acheteuse@exemple.fr", by=staff)
    body = OutboxEmail.objects.get(to="acheteuse@exemple.fr").body_text
    link = re.search(r"http://testserver(/compte/password/reset/key/\S+/)", body)[1]

    response = client.get(link, follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else link
    response = client.post(
        form_url, {"password1": "un-Mot-de-passe-solide-42", "password2": "un-Mot-de-passe-solide-42"}
    )
    assert response.status_code == 302
    user = User.objects.get(email="acheteuse@exemple.fr")
    assert user.check_password("un-Mot-de-passe-solide-42")

    client.logout()
    assert client.login(email="acheteuse@exemple.fr", password="un-Mot-de-passe-solide-42")
    assert client.get(reverse("admin:tenders_tender_changelist")).status_code == 200


def test_inviting_an_existing_user_reuses_the_account_and_says_to_log_in(staff):
    existing = UserFactory(email="deja@exemple.fr")
    membership = buyer_invite(organisation=BuyerOrganisationFactory(), email="DEJA@exemple.fr", by=staff)
    assert membership.user == existing
    existing.refresh_from_db()
    assert existing.is_staff
    assert existing.check_password(PASSWORD)  # untouched
    email = OutboxEmail.objects.get(to="deja@exemple.fr")
    assert "/compte/password/reset/key/" not in email.body_text
    assert "http://testserver/compte/login/" in email.body_text


def test_inviting_twice_keeps_one_membership_and_sends_again(staff):
    organisation = BuyerOrganisationFactory()
    buyer_invite(organisation=organisation, email="deux@exemple.fr", by=staff)
    buyer_invite(organisation=organisation, email="deux@exemple.fr", by=staff)
    assert BuyerMembership.objects.filter(user__email="deux@exemple.fr").count() == 1
    assert OutboxEmail.objects.filter(to="deux@exemple.fr").count() == 2


def test_a_buyer_of_another_organisation_cannot_be_invited(staff):
    membership = BuyerMembershipFactory()
    with pytest.raises(BuyerInvitationError) as error:
        buyer_invite(organisation=BuyerOrganisationFactory(), email=membership.user.email, by=staff)
    assert membership.organisation.name in str(error.value)
    assert not OutboxEmail.objects.exists()


def test_an_invalid_address_is_refused(staff):
    with pytest.raises(ValidationError):
        buyer_invite(organisation=BuyerOrganisationFactory(), email="pas-une-adresse", by=staff)
    assert not User.objects.filter(email="pas-une-adresse").exists()


def test_staff_invite_a_buyer_from_the_organisation_admin(client, staff, django_capture_on_commit_callbacks):
    organisation = BuyerOrganisationFactory(name="SOLIDEO")
    client.force_login(staff)
    url = reverse("admin:tenders_buyerorganisation_invite", args=[organisation.pk])
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "nouvel.acheteur@solideo.fr"})
    assert response.status_code == 302
    assert BuyerMembership.objects.get(user__email="nouvel.acheteur@solideo.fr").organisation == organisation
    assert OutboxEmail.objects.filter(to="nouvel.acheteur@solideo.fr").exists()


def test_a_buyer_cannot_invite_nor_see_organisations(client):
    buyer = BuyerMembershipFactory().user
    client.force_login(buyer)
    organisation = buyer.buyer_membership.organisation
    assert client.get(reverse("admin:tenders_buyerorganisation_changelist")).status_code == 403
    response = client.post(
        reverse("admin:tenders_buyerorganisation_invite", args=[organisation.pk]), {"email": "x@exemple.fr"}
    )
    assert response.status_code in (403, 404)
    assert not User.objects.filter(email="x@exemple.fr").exists()


# perms.py: pure functions


def test_perms_for_a_buyer():
    membership = BuyerMembershipFactory()
    user = membership.user
    own = TenderFactory(buyer=membership.organisation)
    other = TenderFactory()
    assert perms.is_buyer(user)
    assert perms.buyer_organisation_id(user) == membership.organisation_id
    assert perms.can_manage_tender(user, own) and not perms.can_manage_tender(user, other)
    assert perms.can_edit_tender(user, own) and not perms.can_edit_tender(user, other)
    assert perms.can_delete_tender(user, own) and not perms.can_delete_tender(user, other)
    assert not perms.can_choose_buyer(user)


@pytest.mark.parametrize(
    ("status", "editable", "deletable"),
    [
        (TenderStatus.DRAFT, True, True),
        (TenderStatus.PUBLISHED, True, False),
        (TenderStatus.CLOSED, False, False),
        (TenderStatus.AWARDED, False, False),
        (TenderStatus.CANCELLED, False, False),
        (TenderStatus.UNSUCCESSFUL, False, False),
    ],
)
def test_perms_by_status(status, editable, deletable):
    membership = BuyerMembershipFactory()
    tender = TenderFactory.build(buyer=membership.organisation, status=status)
    assert perms.can_edit_tender(membership.user, tender) is editable
    assert perms.can_delete_tender(membership.user, tender) is deletable


def test_perms_for_staff_and_others(staff):
    tender = TenderFactory()
    assert perms.can_manage_tender(staff, tender) and perms.can_choose_buyer(staff)
    nobody = UserFactory(is_staff=True)
    assert not perms.is_buyer(nobody)
    assert not perms.can_manage_tender(nobody, tender)
    inactive = BuyerMembershipFactory(organisation=tender.buyer, user__is_active=False).user
    assert not perms.can_manage_tender(inactive, tender)


def test_a_buyers_personal_data_lists_organisation_tenders_and_answers():
    from django.utils import timezone

    from accounts.services import user_personal_data
    from tenders.models import Question
    from tests.structures.factories import StructureFactory

    membership = BuyerMembershipFactory(organisation__name="Paris Habitat")
    tender = TenderFactory(buyer=membership.organisation, created_by=membership.user, reference="PH-1")
    Question.objects.create(
        tender=tender,
        structure=StructureFactory(),
        text="?",
        answer="Oui.",
        answered_by=membership.user,
        answered_at=timezone.now(),
    )
    data = user_personal_data(user=membership.user)["acheteur"]
    assert data["organisation"] == "Paris Habitat"
    assert [t["reference"] for t in data["appels_d_offres_rediges"]] == ["PH-1"]
    assert data["reponses_aux_questions"][0]["reponse"] == "Oui."
    assert "acheteur" not in user_personal_data(user=UserFactory())


def test_staff_create_an_organisation_in_the_admin(client, staff):
    client.force_login(staff)
    response = client.post(
        reverse("admin:tenders_buyerorganisation_add"),
        {
            "name": "Métropole du Grand Paris",
            "slug": "metropole-du-grand-paris",
            "kind": "public_body",
            "siret": "",
            "charter_signatory": "on",
            "charter_signed_on": "30/09/2019",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    from tenders.models import BuyerOrganisation

    organisation = BuyerOrganisation.objects.get(slug="metropole-du-grand-paris")
    assert organisation.charter_signatory


def test_a_buyer_finds_no_organisation_object(client):
    membership = BuyerMembershipFactory()
    client.force_login(membership.user)
    for name in ["admin:tenders_buyerorganisation_change", "admin:tenders_buyerorganisation_invite"]:
        assert client.get(reverse(name, args=[membership.organisation_id])).status_code == 404
    assert client.get(reverse("admin:tenders_buyermembership_change", args=[membership.pk])).status_code == 404
