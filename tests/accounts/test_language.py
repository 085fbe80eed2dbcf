"""The language of a person's emails (User.language): set at sign-up from the page's language, then by the site's
language switcher when signed in."""

import pytest

from accounts.models import User
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Un-nouveau-mot-de-passe-solide"


@pytest.mark.parametrize(("path", "language"), [("/en/compte/signup/", "en"), ("/compte/signup/", "fr")])
def test_signup_stores_the_language_of_the_page(client, django_capture_on_commit_callbacks, path, language):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            path, {"email": "ada@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
        )

    assert response.status_code == 302
    assert User.objects.get(email="ada@example.org").language == language


def test_switching_language_while_signed_in_stores_it(client):
    user = UserFactory(language="fr")
    client.force_login(user)

    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302 and response["Location"] == "/en/"
    user.refresh_from_db()
    assert user.language == "en"
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    user.refresh_from_db()
    assert user.language == "fr"


def test_an_unknown_language_or_a_get_changes_nothing(client):
    user = UserFactory(language="en")
    client.force_login(user)

    assert client.post("/i18n/setlang/", {"language": "de", "next": "/"}).status_code == 302
    assert client.get("/i18n/setlang/", {"language": "fr", "next": "/"}).status_code == 302
    user.refresh_from_db()
    assert user.language == "en"


def test_the_switcher_still_works_for_visitors(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})

    assert response.status_code == 302 and response["Location"] == "/en/"
    assert '<html lang="en">' in client.get("/en/").content.decode()


def test_a_superuser_sees_and_sets_the_email_language_in_the_admin(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    person = UserFactory(language="en")

    html = client.get(f"/admin/accounts/user/{person.pk}/change/").content.decode()

    assert 'name="language"' in html and "langue des e-mails" in html.lower()
    assert '<option value="en" selected>' in html
