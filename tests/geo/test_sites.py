"""A structure's members manage its sites at /espace/structure/sites/<slug>/; nobody else can."""

import pytest
from django.urls import reverse

from geo import services
from geo.models import Site
from structures.models import Membership
from tests.accounts.factories import UserFactory
from tests.geo.factories import SiteFactory, commune
from tests.structures.factories import MembershipFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(client):
    membership = MembershipFactory(role=Membership.Role.MEMBER)
    client.force_login(membership.user)
    return membership


def url(structure):
    return reverse("geo:sites", args=[structure.slug])


def test_a_member_adds_sites_the_first_is_the_main_one(client, member):
    structure = member.structure
    response = client.post(url(structure), {"label": "Siège", "address": "1 rue Haute", "commune": "93066"})
    assert response.status_code == 302
    response = client.post(url(structure), {"label": "Atelier", "commune": "Montreuil", "postcode": "93100"})
    assert response.status_code == 302
    sites = list(structure.sites.order_by("pk"))
    assert [(s.label, s.commune_id, s.is_main) for s in sites] == [
        ("Siège", "93066", True),
        ("Atelier", "93048", False),
    ]
    page = client.get(url(structure)).content.decode()
    assert "Saint-Denis" in page and "Montreuil" in page and "Site principal" in page


def test_with_no_site_yet_the_form_starts_from_the_structures_address(client, member):
    structure = member.structure
    structure.address, structure.postcode, structure.city = "12 quai de la Loire", "75019", "Paris"
    structure.save()
    html = client.get(url(structure)).content.decode()
    assert 'value="12 quai de la Loire"' in html and 'value="Paris"' in html and 'value="75019"' in html
    client.post(
        url(structure), {"label": "Siège", "address": "12 quai de la Loire", "commune": "Paris", "postcode": "75019"}
    )
    assert structure.sites.get().commune_id == "75119"
    assert 'value="12 quai de la Loire"' not in client.get(url(structure)).content.decode()


def test_a_commune_nobody_knows_is_a_french_error_and_keeps_what_was_typed(client, member):
    response = client.post(url(member.structure), {"label": "Boutique rue Haute", "commune": "Sant-Deni"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Aucune commune ne s&#x27;appelle « Sant-Deni »" in html
    assert 'value="Boutique rue Haute"' in html and 'value="Sant-Deni"' in html
    assert not Site.objects.exists()


def test_a_shared_name_asks_for_the_postcode(client, member):
    response = client.post(url(member.structure), {"commune": "Saint-Denis"})
    assert response.status_code == 400
    assert "Précisez le code postal" in response.content.decode()
    response = client.post(url(member.structure), {"commune": "Saint-Denis", "postcode": "93200"})
    assert response.status_code == 302
    assert member.structure.sites.get().commune_id == "93066"


def test_deleting_the_main_site_makes_the_next_one_main(client, member):
    main = SiteFactory(structure=member.structure, commune="93066", is_main=True)
    other = SiteFactory(structure=member.structure, commune="93048")
    response = client.post(reverse("geo:site_delete", args=[member.structure.slug, main.pk]))
    assert response.status_code == 302
    other.refresh_from_db()
    assert other.is_main and not Site.objects.filter(pk=main.pk).exists()


def test_marking_another_site_main_moves_the_mark(client, member):
    main = SiteFactory(structure=member.structure, commune="93066", is_main=True)
    other = SiteFactory(structure=member.structure, commune="93048")
    client.post(reverse("geo:site_set_main", args=[member.structure.slug, other.pk]))
    main.refresh_from_db()
    other.refresh_from_db()
    assert other.is_main and not main.is_main


@pytest.mark.parametrize("who", ["other_member", "buyer", "no_structure"])
def test_someone_outside_the_structure_gets_a_404_and_changes_nothing(client, who):
    site = SiteFactory(commune="93066", is_main=True)
    structure = site.structure
    MembershipFactory(structure=structure)
    user = {
        "other_member": lambda: MembershipFactory().user,
        "buyer": lambda: BuyerMembershipFactory().user,
        "no_structure": UserFactory,
    }[who]()
    client.force_login(user)
    assert client.get(url(structure)).status_code == 404
    assert client.post(url(structure), {"commune": "93048"}).status_code == 404
    assert client.post(reverse("geo:site_delete", args=[structure.slug, site.pk])).status_code == 404
    assert client.post(reverse("geo:site_set_main", args=[structure.slug, site.pk])).status_code == 404
    assert list(structure.sites.values_list("commune_id", flat=True)) == ["93066"]


def test_a_site_of_another_structure_is_a_404_even_through_ones_own_structure(client, member):
    foreign = SiteFactory(commune="93066")
    response = client.post(reverse("geo:site_delete", args=[member.structure.slug, foreign.pk]))
    assert response.status_code == 404
    assert Site.objects.filter(pk=foreign.pk).exists()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    site = SiteFactory()
    response = client.get(url(site.structure))
    assert response.status_code == 302 and "/compte/" in response["Location"]


def test_the_service_refuses_someone_who_may_not_edit_whatever_the_entry_point():
    site = SiteFactory()
    with pytest.raises(services.GeoError):
        services.site_add(structure=site.structure, by=UserFactory(), commune=commune("93048"))
    with pytest.raises(services.GeoError):
        services.site_delete(site=site, by=UserFactory())
    assert Site.objects.count() == 1


def test_the_public_profile_lists_the_sites(client):
    site = SiteFactory(commune="93066", label="Atelier du canal", address="3 quai de Seine", is_main=True)
    html = client.get(reverse("structures:detail", args=[site.structure.slug])).content.decode()
    assert "Atelier du canal" in html and "3 quai de Seine" in html and "Saint-Denis (93)" in html
