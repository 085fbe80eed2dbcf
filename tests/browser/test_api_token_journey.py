"""A buyer issues an API token in the admin, copies its key (shown once), reads a structure's contact details
through the API with it, revokes it, and the API refuses it; the API's documentation page is accessible."""

import pytest
from playwright.sync_api import expect

from api.models import ApiToken
from tests.accounts.factories import PASSWORD
from tests.api.conftest import ensure_token_permissions
from tests.browser.axe import assert_no_axe_violations
from tests.structures.factories import ListedStructureFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def buyer(transactional_db):
    ensure_token_permissions()
    ListedStructureFactory(slug="jardins", name="Les Jardins de Belleville", contact_email="awa@jardins.example.org")
    return BuyerMembershipFactory(
        organisation__name="Ville de Saint-Denis", user__email="achats@saint-denis.example.fr"
    )


def test_buyer_issues_uses_and_revokes_a_token(live_server, page, buyer):
    api_url = live_server.url + "/api/v1/structures/jardins/"

    # The documentation, without signing in.
    page.goto(live_server.url + "/api/v1/docs/")
    expect(page.get_by_role("heading", level=1)).to_have_text("API ouverte : documentation")
    expect(page.get_by_role("heading", name="GET /api/v1/structures/", exact=True)).to_be_visible()
    assert_no_axe_violations(page)

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Adresse e-mail").fill(buyer.user.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(live_server.url + "/admin/")
    page.get_by_role("link", name="Jetons d'API").first.click()
    expect(page.get_by_role("link", name="Ajouter un jeton d'API")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Ajouter un jeton d'API").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ajouter un jeton d'API")
    assert_no_axe_violations(page)
    page.get_by_label("Nom").fill("Tableau de bord des achats")
    page.get_by_role("button", name="Enregistrer", exact=True).click()

    # The key, once.
    expect(page.get_by_role("heading", level=1)).to_have_text("Jeton créé : copiez sa clé maintenant")
    key = page.get_by_label("Clé du jeton").input_value()
    assert key.startswith("ess_")
    assert_no_axe_violations(page)
    token = ApiToken.objects.get()
    assert token.organisation == buyer.organisation

    # With the key, the contact details; without, not.
    with_key = page.request.get(api_url, headers={"Authorization": f"Token {key}"})
    assert with_key.status == 200 and with_key.json()["contact_email"] == "awa@jardins.example.org"
    assert "contact_email" not in page.request.get(api_url).json()

    # Revoked from the token's page: the API refuses the key.
    page.get_by_role("link", name="Voir le jeton").click()
    expect(page.get_by_role("button", name="Révoquer ce jeton")).to_be_visible()  # the page has loaded
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Révoquer ce jeton").click()
    expect(page.locator(".messagelist")).to_contain_text("révoqué")
    assert page.request.get(api_url, headers={"Authorization": f"Token {key}"}).status == 401
