"""Legal notice (publisher, publication director, host, contact from settings) and the contact form (issue 15, 7)."""

from html import unescape

import pytest
from django.core import mail
from django.urls import reverse

from outbox.models import OutboxEmail
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Claire Martin",
    "email": "claire.martin@recyclerie-exemple.fr",
    "subject": "Lots réservés aux SIAE",
    "message": "Bonjour, comment savoir si un lot est réservé aux structures d'insertion ?",
}


def test_legal_notice_names_publisher_director_host_and_contact_from_settings(client, settings):
    settings.LEGAL_PUBLISHER = "Les Canaux, 6 quai de la Seine, 75019 Paris"
    settings.LEGAL_PUBLICATION_DIRECTOR = "Camille Durand, directrice générale"
    settings.LEGAL_HOST = "Hébergeur Exemple SAS, 1 rue de l'Exemple, 59100 Roubaix"
    settings.CONTACT_EMAIL = "contact@ess2024.example.org"

    page = unescape(client.get(reverse("legal_notice")).content.decode())

    assert "Les Canaux, 6 quai de la Seine, 75019 Paris" in page
    assert "Camille Durand, directrice générale" in page
    assert "Hébergeur Exemple SAS, 1 rue de l'Exemple, 59100 Roubaix" in page
    assert 'href="mailto:contact@ess2024.example.org"' in page
    assert f'href="{reverse("contact")}"' in page


def test_legal_notice_says_what_is_not_given_yet(client, settings):
    settings.LEGAL_PUBLICATION_DIRECTOR = ""
    settings.LEGAL_HOST = ""
    settings.CONTACT_EMAIL = ""

    page = unescape(client.get(reverse("legal_notice")).content.decode())

    assert "Le représentant légal de l'éditeur" in page
    assert "L'hébergeur n'est pas encore renseigné" in page
    assert "mailto:" not in page


def test_every_page_links_to_the_contact_form(client):
    page = client.get(reverse("accessibility")).content.decode()

    assert f'<a href="{reverse("contact")}">Nous écrire</a>' in page


def test_contact_message_reaches_every_active_staff_member_through_the_outbox(client, settings):
    settings.CONTACT_EMAIL = ""
    UserFactory(email="equipe1@lescanaux.example", platform_staff=True)
    UserFactory(email="equipe2@lescanaux.example", platform_staff=True)
    UserFactory(email="ancien@lescanaux.example", platform_staff=True, is_active=False)
    UserFactory(email="membre@structure.example")

    response = client.post(reverse("contact"), CONTACT, follow=True)

    assert "Merci, votre message a bien été envoyé." in response.content.decode()
    emails = OutboxEmail.objects.filter(kind="contact").order_by("to")
    assert [email.to for email in emails] == ["equipe1@lescanaux.example", "equipe2@lescanaux.example"]
    email = emails[0]
    assert email.reply_to == "claire.martin@recyclerie-exemple.fr"
    assert email.subject == "Contact : Lots réservés aux SIAE"
    assert "Claire Martin (claire.martin@recyclerie-exemple.fr) a écrit à l'équipe" in email.body_text
    assert "comment savoir si un lot est réservé aux structures d'insertion ?" in email.body_text
    assert "Lots réservés aux SIAE" in email.body_html


def test_contact_message_goes_to_contact_email_when_set(client, settings):
    settings.CONTACT_EMAIL = "contact@ess2024.example.org"
    UserFactory(email="equipe1@lescanaux.example", platform_staff=True)

    client.post(reverse("contact"), CONTACT)

    assert list(OutboxEmail.objects.values_list("to", flat=True)) == ["contact@ess2024.example.org"]


def test_bad_input_gets_french_errors_keeps_what_was_typed_and_sends_nothing(client, settings):
    settings.CONTACT_EMAIL = "contact@ess2024.example.org"

    response = client.post(
        reverse("contact"), {**CONTACT, "email": "claire.martin@", "message": "Trop bref", "subject": ""}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in page
    assert "Saisissez une adresse e-mail valide, par exemple nom@exemple.fr." in page
    assert "Votre message est trop court : écrivez au moins 10 caractères." in page
    assert "Ce champ est obligatoire." in page
    assert 'value="Claire Martin"' in page and 'value="claire.martin@"' in page and ">\nTrop bref</textarea>" in page
    assert not OutboxEmail.objects.exists()
    assert not mail.outbox


def test_a_robot_filling_the_honeypot_is_thanked_and_nothing_is_sent(client, settings):
    settings.CONTACT_EMAIL = "contact@ess2024.example.org"

    response = client.post(reverse("contact"), {**CONTACT, "website": "http://spam.example"}, follow=True)

    assert "Merci, votre message a bien été envoyé." in response.content.decode()
    assert not OutboxEmail.objects.exists()


def test_contact_form_is_rate_limited_per_address(client, settings):
    settings.CONTACT_EMAIL = "contact@ess2024.example.org"
    settings.ACCOUNT_RATE_LIMITS = {"contact": "2/h/ip"}  # the test settings turn rate limits off

    for _ in range(2):
        client.post(reverse("contact"), CONTACT)
    response = client.post(reverse("contact"), CONTACT)

    page = response.content.decode()
    assert "Vous avez déjà envoyé plusieurs messages en peu de temps. Réessayez dans une heure." in page
    assert 'value="Claire Martin"' in page
    assert OutboxEmail.objects.count() == 2
    other = client.post(reverse("contact"), CONTACT, REMOTE_ADDR="192.0.2.10")
    assert other.status_code == 302
    assert OutboxEmail.objects.count() == 3


def test_contact_page_in_english(client):
    page = client.get("/en/contact/").content.decode()

    assert '<html lang="en">' in page
