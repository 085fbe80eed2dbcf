"""In a browser: a structure member who opens the admin gets a page that says whom it is for (no redirect loop), and
a search too long gets a page that says so; both in the site's layout, with no accessibility violation."""

import pytest
from playwright.sync_api import expect

from tests.accounts.factories import PASSWORD
from tests.browser.axe import assert_no_axe_violations
from tests.structures.factories import MembershipFactory
from tests.tenders.helpers import ensure_reference_data

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def member(transactional_db):
    ensure_reference_data()
    return MembershipFactory(user__email="awa@jardins.example.fr").user


def test_a_member_opening_the_admin_is_told_it_is_for_buyers_and_staff(live_server, page, member):
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Adresse e-mail").fill(member.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    response = page.goto(live_server.url + "/admin/")  # a bookmark, a link in an email
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("Espace réservé aux acheteurs et à l'équipe")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Aller à mon espace").click()
    expect(page).to_have_url(live_server.url + "/espace/")

    response = page.goto(live_server.url + "/appels-d-offres/?q=" + "d%C3%A9chets+" * 300)
    assert response.status == 400
    expect(page.get_by_role("heading", level=1)).to_have_text("Requête invalide")
    expect(page.get_by_text("Votre recherche est trop longue : 200 caractères au plus.")).to_be_visible()
    assert_no_axe_violations(page)
