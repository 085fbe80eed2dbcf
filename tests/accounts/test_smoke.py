import pytest

pytestmark = pytest.mark.django_db


def test_home_is_french_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'<html lang="fr">' in response.content


def test_user_logs_in_by_email(user):
    assert user.get_username() == user.email
