"""A structure's public page /structures/<slug>/, and who sees its contact details."""

from html import unescape

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse
from django.utils import timezone

from structures.models import LegalForm, Sector, VerificationStatus
from structures.visibility import can_export, can_import, can_see_contact
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.django_db

CONTACT = {
    "contact_name": "Amina Benali",
    "contact_email": "contact@table-solidaire.fr",
    "contact_phone": "01 23 45 67 89",
    "address": "12 rue des Coopératives",
}


def page(client, structure):
    response = client.get(reverse("structures:detail", args=[structure.slug]))
    assert response.status_code == 200
    return unescape(response.content.decode())


# --- The rule, tested directly ------------------------------------------------------------------------------------


def test_can_see_contact_anonymous():
    assert can_see_contact(AnonymousUser()) is False
    assert can_export(AnonymousUser()) is False
    assert can_import(AnonymousUser()) is False


def test_can_see_contact_structure_member_is_not_enough():
    member = MembershipFactory().user
    assert can_see_contact(member) is False
    assert can_import(member) is False


def test_can_see_contact_buyer():
    buyer = BuyerMembershipFactory().user
    assert can_see_contact(buyer) is True
    assert can_export(buyer) is True
    assert can_import(buyer) is False  # buyers are Django "staff" (their admin) but not Les Canaux staff


def test_can_see_contact_platform_staff():
    staff = UserFactory(platform_staff=True)
    assert can_see_contact(staff) is True
    assert can_export(staff) is True
    assert can_import(staff) is True


def test_can_see_contact_plain_user_and_django_staff_without_group():
    assert can_see_contact(UserFactory()) is False
    assert can_see_contact(UserFactory(is_staff=True)) is False


# --- The page -----------------------------------------------------------------------------------------------------


def test_public_profile_shows_everything_public(client):
    structure = StructureFactory(
        name="La Table Solidaire",
        legal_form=LegalForm.SCOP,
        description="Traiteur bio et de saison pour vos événements.",
        references="Ville de Montreuil, 2023.",
        website="https://table-solidaire.example.org",
        logo="structures/logos/table-solidaire.webp",
        headcount="10-49",
        insertion_people_per_year=12,
        insertion_hours_per_year=8000,
        verified=True,
        topics=["restauration-durable"],
        areas=["93"],
        **CONTACT,
    )
    structure.sectors.add(Sector.objects.get(slug="alimentation"))

    html = page(client, structure)

    assert '<h1 class="mb-2">La Table Solidaire</h1>' in html
    assert '<img class="structure-header__logo" src="/media/structures/logos/table-solidaire.webp"' in html
    assert 'alt="Logo de La Table Solidaire"' in html
    assert '<abbr title="société coopérative et participative">SCOP</abbr>' in html
    assert "Les salariés détiennent la majorité du capital et des voix." in html
    assert '<abbr title="économie sociale et solidaire">ESS</abbr>' in html
    assert "Traiteur bio et de saison" in html
    assert "Ville de Montreuil, 2023." in html
    assert "Restauration durable" in html and "Alimentation" in html
    assert "Seine-Saint-Denis (93)" in html
    assert "10 à 49 salariés" in html
    assert "12 personnes en insertion par an" in html and "8\xa0000 heures d'insertion par an" in html
    assert "Réservé aux entreprises de l'ESS (art. L2113-15)" in html
    assert "https://table-solidaire.example.org" in html
    assert "Structure vérifiée" in html
    assert structure.siret in html


def test_reserved_markets_for_an_insertion_structure(client):
    html = page(client, StructureFactory(legal_form=LegalForm.EI))
    assert "Réservé aux SIAE (art. L2113-13)" in html
    assert '<abbr title="entreprise d\'insertion">EI</abbr>' in html


def test_pending_structure_is_public_with_its_status(client):
    html = page(client, StructureFactory())
    assert "Vérification en cours" in html
    assert "Structure vérifiée" not in html


@pytest.mark.parametrize(
    "state",
    [
        {"verification_status": VerificationStatus.REJECTED, "rejection_reason": "SIRET d'une autre structure"},
        {"archived_at": timezone.now},
    ],
    ids=["rejected", "archived"],
)
def test_rejected_and_archived_structures_are_404_for_the_public_but_staff_see_them(client, state):
    structure = StructureFactory(**{key: value() if callable(value) else value for key, value in state.items()})
    url = reverse("structures:detail", args=[structure.slug])

    assert client.get(url).status_code == 404
    client.force_login(BuyerMembershipFactory().user)
    assert client.get(url).status_code == 404
    client.force_login(MembershipFactory(structure=structure).user)
    assert client.get(url).status_code == 404

    client.force_login(UserFactory(platform_staff=True))
    response = client.get(url)
    assert response.status_code == 200
    assert "n'apparaît" in unescape(response.content.decode())


def test_unknown_slug_is_404(client):
    assert client.get(reverse("structures:detail", args=["personne"])).status_code == 404


def test_contact_hidden_from_anonymous_visitors_with_a_way_to_log_in(client):
    structure = StructureFactory(**CONTACT)
    html = page(client, structure)
    for value in CONTACT.values():
        assert value not in html
    assert "réservées aux acheteurs publics connectés" in html
    assert f"{reverse('account_login')}?next=/structures/{structure.slug}/" in html


def test_contact_hidden_from_a_member_of_another_structure(client):
    structure = StructureFactory(**CONTACT)
    client.force_login(MembershipFactory().user)
    html = page(client, structure)
    for value in CONTACT.values():
        assert value not in html
    assert "réservées aux acheteurs publics et à l'équipe Les Canaux" in html


@pytest.mark.parametrize("who", ["buyer", "staff"])
def test_contact_shown_to_buyers_and_staff(client, who):
    structure = StructureFactory(**CONTACT)
    user = BuyerMembershipFactory().user if who == "buyer" else UserFactory(platform_staff=True)
    client.force_login(user)
    html = page(client, structure)
    for value in CONTACT.values():
        assert value in html
    assert 'href="mailto:contact@table-solidaire.fr"' in html
    assert 'href="tel:0123456789"' in html
