"""Je cherche des partenaires: partner searches, first contact without the sender's address, replies that reveal it."""

from html import unescape

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from outbox.models import OutboxEmail
from structures.models import Membership
from tenders.models import PartnerMessage, PartnerSearch, TenderStatus
from tenders.services.participation import (
    ParticipationRefused,
    partner_message_reply,
    partner_message_send,
    partner_search_start,
    partner_search_stop,
)
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory
from tests.tenders.public import member_of, open_tender

pytestmark = pytest.mark.django_db


def detail(client, tender, **params):
    response = client.get(reverse("tenders:detail", kwargs={"slug": tender.slug}), params)
    assert response.status_code == 200
    return unescape(response.content.decode())


@pytest.fixture
def tender():
    return open_tender(title="Restauration du village", lots=[{"title": "Petits déjeuners"}, {"title": "Dîners"}])


@pytest.fixture
def alice(tender):
    """A structure seeking partners, with an administrator who writes."""
    user, structure = member_of(name="Les Cuisines Solidaires", contact_email="contact@cuisines.example.org")
    partner_search_start(tender=tender, structure=structure, user=user, contribution="Les petits déjeuners.")
    return user, structure


@pytest.fixture
def bob(tender):
    """Another structure seeking partners: an administrator and a plain member."""
    user, structure = member_of(name="Traiteur Insertion 93")
    MembershipFactory(structure=structure, role=Membership.Role.MEMBER)
    partner_search_start(tender=tender, structure=structure, user=user, contribution="Les dîners, 300 couverts.")
    return user, structure


def test_structure_says_what_it_can_take_on(client, tender):
    user, structure = member_of()
    client.force_login(user)
    lot = tender.lots.get(title="Dîners")
    response = client.post(
        reverse("tenders:partners", kwargs={"slug": tender.slug}),
        {"contribution": "La livraison des dîners.", "lots": [lot.pk]},
    )
    assert response.status_code == 302
    search = PartnerSearch.objects.get(tender=tender, structure=structure)
    assert search.is_active and search.contribution == "La livraison des dîners."
    assert list(search.lots.all()) == [lot]
    assert "Vous cherchez des partenaires sur cet appel d'offres." in detail(client, tender)


def test_contribution_is_required(client, tender):
    user, _ = member_of()
    client.force_login(user)
    response = client.post(reverse("tenders:partners", kwargs={"slug": tender.slug}), {"contribution": ""})
    assert response.status_code == 400
    assert not PartnerSearch.objects.exists()


def test_lots_of_another_tender_are_refused(tender):
    user, structure = member_of()
    other_lot = open_tender(lots=[{}]).lots.get()
    with pytest.raises(Exception, match="appartiennent"):
        partner_search_start(tender=tender, structure=structure, user=user, contribution="x", lots=[other_lot])


def test_seekers_see_each_other_and_only_when_seeking(client, tender, alice, bob):
    outsider, _ = member_of()
    client.force_login(outsider)
    assert "Traiteur Insertion 93" not in detail(client, tender)  # not seeking: does not see the others

    client.force_login(alice[0])
    html = detail(client, tender)
    assert "Traiteur Insertion 93" in html and "Les dîners, 300 couverts." in html
    assert "Écrire à Traiteur Insertion 93" in html

    partner_search_stop(tender=tender, structure=bob[1], user=bob[0])
    assert "Traiteur Insertion 93" not in detail(client, tender)


def test_first_message_emails_the_recipients_admins_without_the_senders_address(client, tender, alice, bob):
    alice_user, alice_structure = alice
    bob_user, bob_structure = bob
    client.force_login(alice_user)
    url = reverse("tenders:partner_message", kwargs={"slug": tender.slug, "structure_slug": bob_structure.slug})
    response = client.post(url, {"body": "Bonjour, on répond ensemble ?"})
    assert response.status_code == 302

    message = PartnerMessage.objects.get()
    assert (message.sender, message.recipient, message.sender_user) == (alice_structure, bob_structure, alice_user)
    email = OutboxEmail.objects.get(kind="tender_partner_message")
    assert email.to == bob_user.email  # the administrator, not the plain member
    assert "Les Cuisines Solidaires" in email.body_text and "Bonjour, on répond ensemble ?" in email.body_text
    assert "Les petits déjeuners." in email.body_text
    reply_url = reverse("tenders:conversation", kwargs={"slug": tender.slug, "pk": message.pk})
    assert f"http://testserver{reply_url}" in email.body_text
    for part in (email.body_text, email.body_html, email.reply_to, email.subject):
        assert alice_user.email not in part
        assert "contact@cuisines.example.org" not in part


def test_first_message_is_delivered_on_commit(tender, alice, bob, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=bob[1], body="Bonjour !")
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [bob[0].email]
    assert alice[0].email not in sent.body and alice[0].email not in str(sent.message())


def test_no_second_message_before_an_answer(tender, alice, bob):
    partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=bob[1], body="Bonjour !")
    with pytest.raises(ParticipationRefused, match="quand elle vous aura répondu"):
        partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=bob[1], body="Relance")


def test_messages_need_both_sides_seeking(tender, alice):
    user, structure = member_of()
    with pytest.raises(ParticipationRefused, match="Indiquez d'abord"):
        partner_message_send(tender=tender, sender=structure, user=user, recipient=alice[1], body="Bonjour")
    with pytest.raises(ParticipationRefused, match="ne cherche plus"):
        partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=structure, body="Bonjour")


def test_message_to_a_structure_not_seeking_is_not_found(client, tender, alice):
    _, stranger = member_of()
    client.force_login(alice[0])
    url = reverse("tenders:partner_message", kwargs={"slug": tender.slug, "structure_slug": stranger.slug})
    assert client.post(url, {"body": "Bonjour"}).status_code == 404


def test_conversation_hides_addresses_until_the_recipient_replies(client, tender, alice, bob):
    message = partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=bob[1], body="Bonjour !")
    url = reverse("tenders:conversation", kwargs={"slug": tender.slug, "pk": message.pk})

    client.force_login(bob[0])
    html = unescape(client.get(url).content.decode())
    assert "Bonjour !" in html and "Répondre" in html
    assert alice[0].email not in html

    client.force_login(alice[0])
    html = unescape(client.get(url).content.decode())
    assert "Vous recevrez un e-mail quand Traiteur Insertion 93 vous répondra." in html
    assert bob[0].email not in html


def test_reply_reveals_both_addresses(client, tender, alice, bob):
    message = partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=bob[1], body="Bonjour !")
    client.force_login(bob[0])
    url = reverse("tenders:conversation", kwargs={"slug": tender.slug, "pk": message.pk})
    response = client.post(url, {"body": "Avec plaisir, appelons-nous."})
    assert response.status_code == 302

    reply = PartnerMessage.objects.get(in_reply_to=message)
    assert (reply.sender, reply.recipient) == (bob[1], alice[1])
    # Alice's writer gets Bob's reply, with Bob's replier's address (and Reply-To).
    to_alice = OutboxEmail.objects.get(kind="tender_partner_reply")
    assert to_alice.to == alice[0].email
    assert bob[0].email in to_alice.body_text and to_alice.reply_to == bob[0].email
    # Bob's replier learns Alice's writer's address.
    to_bob = OutboxEmail.objects.get(kind="tender_partner_contact")
    assert to_bob.to == bob[0].email and alice[0].email in to_bob.body_text
    # The conversation page now shows the addresses to both sides.
    html = unescape(client.get(response["Location"]).content.decode())
    assert alice[0].email in html and "Vous avez échangé vos adresses" in html
    client.force_login(alice[0])
    assert bob[0].email in unescape(client.get(url).content.decode())


def test_later_replies_do_not_resend_the_contact_email(tender, alice, bob):
    first = partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=bob[1], body="Bonjour !")
    reply = partner_message_reply(message=first, structure=bob[1], user=bob[0], body="Oui")
    again = partner_message_reply(message=reply, structure=alice[1], user=alice[0], body="Super")
    partner_message_reply(message=again, structure=bob[1], user=bob[0], body="À demain")
    # Bob learnt Alice's address once; Alice got Bob's with each of his replies (Reply-To), never a contact email.
    contacts = OutboxEmail.objects.filter(kind="tender_partner_contact")
    assert [email.to for email in contacts] == [bob[0].email]
    assert OutboxEmail.objects.filter(kind="tender_partner_reply", to=alice[0].email).count() == 2


def test_only_the_recipient_can_reply(tender, alice, bob):
    message = partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=bob[1], body="Bonjour !")
    with pytest.raises(PermissionDenied):
        partner_message_reply(message=message, structure=alice[1], user=alice[0], body="Moi-même")


def test_outsiders_cannot_read_a_conversation(client, tender, alice, bob):
    message = partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=bob[1], body="Secret")
    url = reverse("tenders:conversation", kwargs={"slug": tender.slug, "pk": message.pk})
    outsider, _ = member_of()
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_closed_tender_refuses_new_searches_and_first_contacts(client, tender, alice, bob):
    tender.status = TenderStatus.CLOSED
    tender.save(update_fields=["status"])
    user, structure = member_of()
    with pytest.raises(ParticipationRefused):
        partner_search_start(tender=tender, structure=structure, user=user, contribution="x")
    with pytest.raises(ParticipationRefused):
        partner_message_send(tender=tender, sender=alice[1], user=alice[0], recipient=bob[1], body="Bonjour")
    client.force_login(user)
    html = detail(client, tender)
    assert "La date limite de cet appel d'offres est passée" in html
