"""Joining as a buyer: the public request form, staff's approve/refuse, the emails, the staff queue."""

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

from outbox.models import OutboxEmail
from structures.validators import make_siret
from tenders.models import BuyerAccessRequest, BuyerMembership, BuyerOrganisation
from tenders.queues import buyer_access_requests
from tenders.services.buyer_access import (
    BuyerAccessError,
    access_request_approve,
    access_request_create,
    access_request_refuse,
)
from tests.accounts.factories import UserFactory
from tests.tenders.factories import BuyerMembershipFactory, BuyerOrganisationFactory, ensure_buyer_group
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

SIRET = make_siret(4242)


@pytest.fixture
def staff():
    ensure_buyer_group()
    return UserFactory(platform_staff=True, email="equipe@lescanaux.example.org")


def form_data(**overrides):
    return {
        "organisation_name": "Ville de Saint-Ouen",
        "siret": SIRET,
        "full_name": "Claire Martin",
        "role": "Responsable des achats",
        "email": "claire.martin@saint-ouen.example.fr",
        "charter_signatory": "on",
        "message": "Nous préparons trois marchés de restauration.",
        **overrides,
    }


def create(**overrides):
    data = form_data(**overrides)
    data["charter_signatory"] = bool(data["charter_signatory"])
    return access_request_create(**data)


def test_the_public_form_stores_the_request_and_emails_the_requester_and_staff(client, staff):
    response = client.get(reverse("tenders:buyer_access_request"))
    assert response.status_code == 200
    assert "Demander un accès acheteur" in response.content.decode()

    response = client.post(reverse("tenders:buyer_access_request"), form_data(siret=SIRET[:3] + " " + SIRET[3:]))
    assert response.status_code == 302
    request = BuyerAccessRequest.objects.get()
    assert request.siret == SIRET and request.charter_signatory and request.status == "pending"
    received = OutboxEmail.objects.get(to="claire.martin@saint-ouen.example.fr")
    assert received.kind == "buyer_access_received"
    to_staff = OutboxEmail.objects.get(to=staff.email)
    assert "Ville de Saint-Ouen" in to_staff.subject
    assert reverse("admin:tenders_buyeraccessrequest_change", args=[request.pk]) in to_staff.body_text


def test_bad_input_gets_french_messages_and_changes_nothing(client, staff):
    response = client.post(
        reverse("tenders:buyer_access_request"),
        form_data(siret="1234", email="pas-une-adresse", full_name="", role=""),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le SIRET compte 14 chiffres" in page
    assert "Saisissez une adresse e-mail valide" in page
    assert "Indiquez votre prénom et votre nom." in page
    assert not BuyerAccessRequest.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_a_second_pending_request_for_the_same_address_is_refused(staff):
    create()
    with pytest.raises(ValidationError) as error:
        create(organisation_name="Autre")
    assert "déjà en cours" in error.value.message_dict["email"][0]
    assert BuyerAccessRequest.objects.count() == 1


def test_an_existing_buyer_is_told_to_log_in():
    BuyerMembershipFactory(user__email="deja@acheteur.example.fr")
    with pytest.raises(ValidationError) as error:
        create(email="deja@acheteur.example.fr")
    assert "déjà un accès acheteur" in error.value.message_dict["email"][0]


def test_approving_creates_the_organisation_and_sends_the_invitation(staff):
    request = access_request_approve(access_request=create(), by=staff)
    organisation = BuyerOrganisation.objects.get(siret=SIRET)
    assert organisation.name == "Ville de Saint-Ouen" and organisation.charter_signatory
    membership = BuyerMembership.objects.get(user__email="claire.martin@saint-ouen.example.fr")
    assert membership.organisation == organisation
    assert membership.user.first_name == "Claire" and membership.user.last_name == "Martin"
    assert request.status == "approved" and request.decided_by == staff and request.organisation == organisation
    invitation = OutboxEmail.objects.get(to="claire.martin@saint-ouen.example.fr", kind="buyer_invitation")
    assert "Choisir mon mot de passe" in invitation.body_html

    with pytest.raises(BuyerAccessError):
        access_request_approve(access_request=request, by=staff)
    with pytest.raises(BuyerAccessError):
        access_request_refuse(access_request=request, by=staff, reason="Trop tard")


def test_approving_reuses_the_organisation_with_the_same_siret(staff):
    existing = BuyerOrganisationFactory(name="Mairie de Saint-Ouen-sur-Seine", siret=SIRET)
    access_request_approve(access_request=create(), by=staff)
    assert BuyerOrganisation.objects.filter(siret=SIRET).count() == 1
    assert BuyerMembership.objects.get(user__email="claire.martin@saint-ouen.example.fr").organisation == existing


def test_refusing_requires_a_reason_and_emails_it(staff):
    request = create()
    with pytest.raises(ValidationError):
        access_request_refuse(access_request=request, by=staff, reason="  ")
    request.refresh_from_db()
    assert request.status == "pending"
    access_request_refuse(access_request=request, by=staff, reason="Ce SIRET n'est pas celui d'un acheteur public.")
    request.refresh_from_db()
    assert request.status == "refused"
    email = OutboxEmail.objects.get(to="claire.martin@saint-ouen.example.fr", kind="buyer_access_refused")
    assert "Ce SIRET n'est pas celui d'un acheteur public." in email.body_text
    assert not BuyerMembership.objects.exists()


def test_staff_approve_and_refuse_in_one_click_on_the_request_page(client, staff):
    first, second = create(), create(email="autre@saint-ouen.example.fr")
    client.force_login(staff)
    page = client.get(reverse("admin:tenders_buyeraccessrequest_change", args=[first.pk]))
    assert page.status_code == 200
    assert "Accepter et envoyer l'invitation" in page.content.decode()
    listing = client.get(reverse("admin:tenders_buyeraccessrequest_changelist"))
    assert "Ville de Saint-Ouen" in listing.content.decode()

    response = client.post(reverse("admin:tenders_buyeraccessrequest_approve", args=[first.pk]), follow=True)
    assert "Demande acceptée" in response.content.decode()
    response = client.post(reverse("admin:tenders_buyeraccessrequest_refuse", args=[second.pk]), {"reason": ""})
    second.refresh_from_db()
    assert second.status == "pending"
    client.post(reverse("admin:tenders_buyeraccessrequest_refuse", args=[second.pk]), {"reason": "Doublon."})
    second.refresh_from_db()
    first.refresh_from_db()
    assert (first.status, second.status) == ("approved", "refused")


def test_buyers_and_anonymous_never_see_requests(client):
    request = create()
    buyer = BuyerMembershipFactory().user
    client.force_login(buyer)
    assert client.get(reverse("admin:tenders_buyeraccessrequest_change", args=[request.pk])).status_code == 404
    assert client.post(reverse("admin:tenders_buyeraccessrequest_approve", args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.status == "pending"
    assert buyer_access_requests(_request_for(buyer)) == []


def _request_for(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_the_staff_queue_counts_pending_requests_with_the_oldest(staff):
    first = create()
    create(email="autre@saint-ouen.example.fr")
    refused = create(email="troisieme@saint-ouen.example.fr")
    access_request_refuse(access_request=refused, by=staff, reason="Non.")
    [queue] = buyer_access_requests(_request_for(staff))
    assert queue["key"] == "tenders.buyer_access_requests"
    assert queue["count"] == 2
    assert queue["oldest"] == first.created_at
    assert queue["url"].startswith(reverse("admin:tenders_buyeraccessrequest_changelist"))


def test_the_request_form_is_linked_from_home_sign_up_and_welcome(client):
    url = reverse("tenders:buyer_access_request")
    assert url in client.get(reverse("home")).content.decode()
    assert url in client.get(reverse("account_signup")).content.decode()
    client.force_login(UserFactory())
    assert url in client.get(reverse("dashboard")).content.decode()
