"""Tokens in the admin: staff issue them for any organisation, buyers for their own; the key is shown once; another
organisation's token is a 404; revoking is one POST and the API refuses the token at once."""

import re

import pytest
from django.urls import reverse

from api.models import ApiToken
from tests.accounts.factories import UserFactory
from tests.api.conftest import issue
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.usefixtures("reference_data")

ADD = "/admin/api/apitoken/add/"
CHANGELIST = "/admin/api/apitoken/"


def key_on(response) -> str:
    assert response.status_code == 200, response.content[:500]
    return re.search(r'value="(ess_[^"]+)"', response.content.decode())[1]


def test_staff_issue_a_token_for_an_organisation_and_see_its_key_once(client, client_api, buyer):
    client.force_login(UserFactory(platform_staff=True))
    form = client.get(ADD)
    assert form.status_code == 200 and 'name="organisation"' in form.content.decode()
    response = client.post(ADD, {"organisation": buyer.organisation.pk, "name": "Entrepôt de données"})
    key = key_on(response)
    assert "no-store" in response["Cache-Control"]
    assert "ne sera plus jamais affichée" in response.content.decode()
    token = ApiToken.objects.get()
    assert (token.organisation, token.name, token.revoked_at) == (buyer.organisation, "Entrepôt de données", None)
    assert key not in client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert client_api.get("/api/v1/structures/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_a_buyer_issues_tokens_for_their_own_organisation_only(client, buyer):
    other = BuyerMembershipFactory()
    client.force_login(buyer.user)
    form = client.get(ADD)
    assert form.status_code == 200 and 'name="organisation"' not in form.content.decode()
    key_on(client.post(ADD, {"organisation": other.organisation.pk, "name": "Tableau de bord"}))
    token = ApiToken.objects.get()
    assert token.organisation == buyer.organisation and token.created_by == buyer.user


def test_an_empty_name_is_refused_with_a_message_and_nothing_issued(client, buyer):
    client.force_login(buyer.user)
    response = client.post(ADD, {"name": ""})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_another_organisations_token_is_a_404(client, buyer):
    token, _key = issue(buyer.organisation, "Jeton de X")
    other = BuyerMembershipFactory()
    client.force_login(other.user)
    assert "Jeton de X" not in client.get(CHANGELIST).content.decode()
    assert client.get(reverse("admin:api_apitoken_change", args=[token.pk])).status_code == 404
    assert client.post(reverse("admin:api_apitoken_revoke", args=[token.pk])).status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_a_buyer_revokes_a_token_and_the_api_refuses_it(client, client_api, buyer):
    token, key = issue(buyer.organisation, "Ancien script")
    client.force_login(buyer.user)
    page = client.get(reverse("admin:api_apitoken_change", args=[token.pk])).content.decode()
    assert "Révoquer ce jeton" in page
    assert client.get(reverse("admin:api_apitoken_revoke", args=[token.pk])).status_code == 405
    response = client.post(reverse("admin:api_apitoken_revoke", args=[token.pk]), follow=True)
    assert "révoqué" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == buyer.user
    assert client_api.get("/api/v1/charte/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    again = client.post(reverse("admin:api_apitoken_revoke", args=[token.pk]), follow=True)
    assert "déjà révoqué" in again.content.decode()


def test_tokens_are_never_deleted(client, buyer):
    token, _key = issue(buyer.organisation)
    client.force_login(UserFactory(platform_staff=True))
    assert client.get(reverse("admin:api_apitoken_delete", args=[token.pk])).status_code == 403
    assert ApiToken.objects.filter(pk=token.pk).exists()
