"""Sign-up, email verification, log-in by email, password reset, rate limits, the admin's log-in: through HTTP."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import User
from outbox.models import OutboxEmail
from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Un-nouveau-mot-de-passe-solide"


def _link(body: str, path_part: str) -> str:
    return re.search(rf"http://testserver(\S*{path_part}\S*)", body).group(1)


def test_signup_sends_a_french_verification_email_and_does_not_log_in(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/compte/signup/",
            {"email": "Nadia@Coop-Exemple.fr", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        )

    assert response.status_code == 302
    assert response["Location"] == "/compte/confirm-email/"
    user = User.objects.get(email__iexact="nadia@coop-exemple.fr")
    assert not EmailAddress.objects.get(user=user).verified
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.subject == "[ESS 2024] Bienvenue : confirmez votre adresse e-mail"
    assert email.body.startswith("Bonjour,")
    assert "Pour activer votre compte, confirmez votre adresse e-mail en ouvrant ce lien" in email.body
    assert "L'équipe ESS 2024 (Les Canaux)" in email.body
    assert "/compte/confirm-email/" in email.body
    # Like every email, it went through the outbox: a row first, sent on commit.
    row = OutboxEmail.objects.get(to="nadia@coop-exemple.fr")
    assert row.kind == "compte : email_confirmation_signup"
    assert row.subject == email.subject
    assert row.status == OutboxEmail.Status.SENT


def test_no_email_leaves_before_the_signup_commits(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(
            "/compte/signup/", {"email": "ali@exemple.fr", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )

    assert OutboxEmail.objects.filter(to="ali@exemple.fr", status=OutboxEmail.Status.QUEUED).exists()
    assert mail.outbox == []
    assert len(callbacks) == 1


def test_unverified_user_cannot_log_in_until_the_link_is_followed(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/compte/signup/", {"email": "amal@scic-exemple.fr", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )
    confirm_path = _link(mail.outbox[0].body, "confirm-email")

    refused = client.post("/compte/login/", {"login": "amal@scic-exemple.fr", "password": NEW_PASSWORD})
    assert refused.status_code == 302
    assert refused["Location"] == "/compte/confirm-email/"
    assert "_auth_user_id" not in client.session

    page = client.get(confirm_path)
    assert page.status_code == 200
    assert "Confirmez que l'adresse <strong>amal@scic-exemple.fr</strong> est bien la vôtre." in page.content.decode()
    confirmed = client.post(confirm_path)
    assert confirmed.status_code == 302
    assert EmailAddress.objects.get(email="amal@scic-exemple.fr").verified

    logged_in = client.post("/compte/login/", {"login": "amal@scic-exemple.fr", "password": NEW_PASSWORD})
    assert logged_in.status_code == 302
    assert logged_in["Location"] == "/espace/"
    assert int(client.session["_auth_user_id"]) == User.objects.get(email="amal@scic-exemple.fr").pk


def test_login_is_by_email_case_insensitively(client):
    user = UserFactory(email="jean.dupont@asso-exemple.fr")

    response = client.post("/compte/login/", {"login": "Jean.Dupont@Asso-Exemple.fr", "password": PASSWORD})

    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == user.pk


def test_wrong_password_shows_a_french_error_summary(client):
    UserFactory(email="lea@asso-exemple.fr")

    response = client.post("/compte/login/", {"login": "lea@asso-exemple.fr", "password": "pas-le-bon"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in html
    assert "L’adresse e-mail ou le mot de passe sont incorrects." in html


def test_password_reset_email_is_french_and_its_link_sets_a_new_password(client, django_capture_on_commit_callbacks):
    UserFactory(email="paul@esat-exemple.fr")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/compte/password/reset/", {"email": "paul@esat-exemple.fr"})

    assert response.status_code == 302
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.subject == "[ESS 2024] Choisissez un nouveau mot de passe"
    assert "Vous avez demandé à changer le mot de passe de votre compte ESS 2024" in email.body
    key_path = _link(email.body, "/compte/password/reset/key/")
    form_page = client.get(key_path, follow=True)
    assert "Choisir un nouveau mot de passe" in form_page.content.decode()
    done = client.post(form_page.redirect_chain[-1][0], {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    client.logout()
    assert client.login(email="paul@esat-exemple.fr", password=NEW_PASSWORD)


def test_password_reset_email_is_english_when_asked_from_the_english_site(client, django_capture_on_commit_callbacks):
    UserFactory(email="paul@esat-exemple.fr")

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/en/compte/password/reset/", {"email": "paul@esat-exemple.fr"})

    assert mail.outbox[0].subject == "[ESS 2024] Choose a new password"
    assert "/en/compte/password/reset/key/" in mail.outbox[0].body


def test_password_change_page_is_in_the_layout_and_in_french(client):
    client.force_login(UserFactory())

    response = client.get("/compte/password/change/")

    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert "<h1>Changer mon mot de passe</h1>" in html
    assert "Mot de passe actuel" in html
    assert 'class="skip-link"' in html


@pytest.mark.parametrize(
    "path, h1",
    [
        ("/compte/login/", "Se connecter"),
        ("/compte/signup/", "Créer un compte"),
        ("/compte/password/reset/", "Mot de passe oublié"),
        ("/compte/password/reset/done/", "Consultez vos e-mails"),
        ("/compte/confirm-email/", "Vérifiez votre adresse e-mail"),
        ("/compte/confirm-email/not-a-key/", "Confirmer votre adresse e-mail"),
        ("/compte/password/reset/key/1-set-password/", "Lien expiré"),
        ("/compte/inactive/", None),
    ],
)
def test_anonymous_account_pages_render_in_french_inside_the_layout(client, path, h1):
    response = client.get(path)

    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in html
    assert 'aria-label="Navigation principale"' in html
    if h1:
        assert f"<h1>{h1}</h1>" in html


@pytest.mark.parametrize("path", ["/compte/password/change/", "/compte/email/", "/compte/logout/"])
def test_signed_in_account_pages_render_in_the_layout(client, path):
    client.force_login(UserFactory())

    response = client.get(path)

    assert response.status_code == 200
    assert 'aria-label="Navigation principale"' in response.content.decode()


def test_login_is_refused_after_too_many_failed_attempts(client, settings):
    # settings_test turns rate limits off; allauth reads the setting on each request, so a test can turn them on.
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "3/5m/key"}
    UserFactory(email="marie@ei-exemple.fr")

    for _ in range(3):
        failed = client.post("/compte/login/", {"login": "marie@ei-exemple.fr", "password": "mauvais"})
        assert "sont incorrects" in failed.content.decode()
    refused = client.post("/compte/login/", {"login": "marie@ei-exemple.fr", "password": PASSWORD})

    assert refused.status_code == 200
    assert "Trop de tentatives de connexion échouées" in refused.content.decode()
    assert "_auth_user_id" not in client.session


def test_without_rate_limits_the_same_attempts_let_the_user_in(client):
    UserFactory(email="marie@ei-exemple.fr")

    for _ in range(3):
        client.post("/compte/login/", {"login": "marie@ei-exemple.fr", "password": "mauvais"})
    response = client.post("/compte/login/", {"login": "marie@ei-exemple.fr", "password": PASSWORD})

    assert response.status_code == 302
    assert "_auth_user_id" in client.session


def test_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/?next=/admin/structures/")

    assert response.status_code == 302
    assert response["Location"] == "/compte/login/?next=/admin/structures/"


def test_admin_index_sends_anonymous_visitors_to_allauths_login(client):
    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[-1][0] == "/compte/login/?next=/admin/"
    assert "<h1>Se connecter</h1>" in response.content.decode()


def test_staff_member_logged_in_through_allauth_reaches_the_admin(client):
    UserFactory(email="equipe@lescanaux-exemple.fr", platform_staff=True)

    client.post("/compte/login/", {"login": "equipe@lescanaux-exemple.fr", "password": PASSWORD})
    response = client.get("/admin/")

    assert response.status_code == 200


def test_logout_is_a_post_from_the_header(client):
    client.force_login(UserFactory())

    page = client.get("/espace/")
    assert 'action="/compte/logout/"' in page.content.decode()
    response = client.post("/compte/logout/")

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_signup_and_login_pages_keep_where_the_visitor_was_going(client):
    signup = client.get("/compte/signup/?next=/espace/mes-donnees/").content.decode()
    login = client.get("/compte/login/?next=/espace/mes-donnees/").content.decode()

    assert 'href="/compte/login/?next=%2Fespace%2Fmes-donnees%2F">Se connecter</a></p>' in signup
    assert 'href="/compte/signup/?next=%2Fespace%2Fmes-donnees%2F">Créer un compte</a></p>' in login
    assert '<a href="/compte/login/" aria-current="page">Se connecter</a>' in login
