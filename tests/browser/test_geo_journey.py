"""Journey: a structure's member adds its sites (a shared commune name asks for the postcode), the public profile
lists them, and the directory finds the structure "within 15 km of Saint-Denis" with the map drawn above the list.
axe finds no violation on any page visited; the map breaks no Content Security Policy rule."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from structures.models import Membership
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations
from tests.geo.factories import SiteFactory
from tests.structures.factories import ListedStructureFactory, MembershipFactory

pytestmark = pytest.mark.browser


def test_a_member_adds_sites_and_the_directory_finds_the_structure_near_saint_denis(live_server, page):
    user = UserFactory(email="awa@recyclerie-plaine.fr")
    structure = ListedStructureFactory(name="Recyclerie de la Plaine", slug="recyclerie-de-la-plaine")
    MembershipFactory(structure=structure, user=user, role=Membership.Role.MEMBER)
    SiteFactory(commune="69381", structure=ListedStructureFactory(name="Atelier lyonnais"))  # far away
    csp_errors = []
    page.on(
        "console",
        lambda message: csp_errors.append(message.text) if "Content Security Policy" in message.text else None,
    )

    page.goto(f"{live_server.url}/compte/login/?next={reverse('geo:sites', args=[structure.slug])}")
    page.get_by_label("Adresse e-mail").fill(user.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sites de Recyclerie de la Plaine")
    assert_no_axe_violations(page)

    # No site yet: the form starts from the structure's address (Paris 11e here). The member types another commune.
    expect(page.get_by_label("Code postal")).to_have_value("75011")
    # "Saint-Denis" is several communes (Seine-Saint-Denis, La Réunion…): the form asks for the postcode.
    page.get_by_label("Nom du site").fill("Atelier de la Plaine")
    page.get_by_label("Commune", exact=True).fill("Saint-Denis")
    page.get_by_label("Code postal").fill("")
    page.get_by_role("button", name="Ajouter le site").click()
    expect(page.locator("#id_commune_error")).to_contain_text("Précisez le code postal")
    expect(page.get_by_label("Nom du site")).to_have_value("Atelier de la Plaine")
    assert_no_axe_violations(page)
    page.get_by_label("Code postal").fill("93200")
    page.get_by_role("button", name="Ajouter le site").click()
    expect(page.locator(".messages")).to_contain_text("est ajouté")
    expect(page.get_by_role("table")).to_contain_text("Atelier de la Plaine")
    expect(page.get_by_role("table")).to_contain_text("Site principal")
    assert_no_axe_violations(page)

    # The public profile lists it.
    page.goto(f"{live_server.url}{reverse('structures:detail', args=[structure.slug])}")
    expect(page.locator("#sites").locator("..")).to_contain_text("Saint-Denis (93)")
    assert_no_axe_violations(page)

    # The directory: within 15 km of Saint-Denis, the map is drawn and the list holds the structure, not Lyon's.
    page.goto(f"{live_server.url}/structures/?pres_de=93066&rayon=15")
    expect(page.locator("#carte-structures.leaflet-container")).to_be_visible()
    expect(page.locator("#carte-structures path.leaflet-interactive")).to_have_count(1)
    expect(page.locator("#directory-count")).to_have_text("1 structure")
    expect(page.get_by_role("link", name="Recyclerie de la Plaine")).to_be_visible()
    expect(page.get_by_text("Atelier lyonnais")).to_have_count(0)
    assert_no_axe_violations(page)
    assert csp_errors == []
