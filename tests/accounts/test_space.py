"""/espace/: the dashboard, personal data download and account deletion."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse

from accounts.models import User
from accounts.services import AccountDeletionRefused, user_delete, user_personal_data
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def extra_provider(user):
    return {"test": {"email_en_majuscules": user.email.upper()}}


def refuse_deletion(user):
    return "Vous êtes la seule personne à administrer « Recyclerie du Canal » : nommez d'abord quelqu'un d'autre."


def allow_deletion(user):
    return None


def test_dashboard_requires_login(client):
    response = client.get("/espace/")

    assert response.status_code == 302
    assert response["Location"] == "/compte/login/?next=/espace/"


def test_dashboard_of_a_brand_new_user_says_where_to_start(client):
    user = UserFactory(first_name="Inès")
    client.force_login(user)

    response = client.get("/espace/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Mon espace</h1>" in html
    assert "Bonjour Inès." in html
    assert "Par où commencer ?" in html
    assert "Je représente une structure" in html
    assert f'href="{reverse("structures_space:create")}"' in html
    assert "Mon compte" in html
    assert user.email in html
    assert 'href="/espace/" aria-current="page"' in html


def test_staff_see_their_role_and_the_admin_link(client):
    client.force_login(UserFactory(platform_staff=True))

    html = client.get("/espace/").content.decode()

    assert "Équipe Les Canaux" in html
    assert 'href="/admin/"' in html


def test_personal_data_page_offers_download_and_deletion(client):
    user = UserFactory()
    client.force_login(user)

    html = client.get("/espace/mes-donnees/").content.decode()

    assert "<h1>Mes données personnelles</h1>" in html
    assert 'href="/espace/mes-donnees/export.json"' in html
    assert 'href="/espace/mes-donnees/supprimer-mon-compte/"' in html


def test_personal_data_download_is_the_users_own_json(client):
    user = UserFactory(email="sophie@scop-exemple.fr", first_name="Sophie", last_name="Bernard")
    EmailAddress.objects.create(user=user, email="sophie.perso@exemple.fr", verified=False, primary=False)
    other = UserFactory(email="autre@exemple.fr")
    client.force_login(user)

    response = client.get("/espace/mes-donnees/export.json")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="ess2024-mes-donnees-')
    data = json.loads(response.content)
    assert data["compte"]["adresse_email"] == "sophie@scop-exemple.fr"
    assert data["compte"]["prenom"] == "Sophie"
    assert data["compte"]["nom"] == "Bernard"
    assert {a["adresse"] for a in data["adresses_email"]} == {"sophie@scop-exemple.fr", "sophie.perso@exemple.fr"}
    assert other.email not in response.content.decode()


def test_personal_data_includes_what_other_apps_register(settings):
    settings.PERSONAL_DATA_PROVIDERS = [*settings.PERSONAL_DATA_PROVIDERS, "tests.accounts.test_space.extra_provider"]
    user = UserFactory(email="karim@exemple.fr")

    data = user_personal_data(user=user)

    assert data["test"] == {"email_en_majuscules": "KARIM@EXEMPLE.FR"}
    assert data["compte"]["adresse_email"] == "karim@exemple.fr"


def test_account_deletion_needs_the_password(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post("/espace/mes-donnees/supprimer-mon-compte/", {"password": "pas-le-bon"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Ce mot de passe n&#x27;est pas le bon." in html
    assert 'aria-describedby="id_password_error"' in html
    assert User.objects.filter(pk=user.pk).exists()


def test_account_deletion_with_password_deletes_and_logs_out(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post("/espace/mes-donnees/supprimer-mon-compte/", {"password": PASSWORD}, follow=True)

    assert response.redirect_chain == [("/", 302)]
    assert "Votre compte et vos données personnelles ont été supprimés." in response.content.decode()
    assert not User.objects.filter(pk=user.pk).exists()
    assert not EmailAddress.objects.filter(user_id=user.pk).exists()
    assert "_auth_user_id" not in client.session


def test_account_deletion_refused_by_a_check_says_why_and_keeps_the_account(client, settings):
    settings.ACCOUNT_DELETION_CHECKS = [
        "tests.accounts.test_space.allow_deletion",
        "tests.accounts.test_space.refuse_deletion",
    ]
    user = UserFactory()
    client.force_login(user)

    page = client.get("/espace/mes-donnees/supprimer-mon-compte/")
    response = client.post("/espace/mes-donnees/supprimer-mon-compte/", {"password": PASSWORD})

    assert "Votre compte ne peut pas encore être supprimé" in page.content.decode()
    assert "Recyclerie du Canal" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_user_delete_service_raises_with_every_message(settings):
    settings.ACCOUNT_DELETION_CHECKS = ["tests.accounts.test_space.refuse_deletion"]
    user = UserFactory()

    with pytest.raises(AccountDeletionRefused) as refused:
        user_delete(user=user)

    assert refused.value.messages == [refuse_deletion(user)]
    assert User.objects.filter(pk=user.pk).exists()


def test_user_delete_service_deletes_the_user():
    user = UserFactory()

    user_delete(user=user)

    assert not User.objects.filter(pk=user.pk).exists()
