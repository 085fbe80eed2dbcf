"""Bad input gets a clear answer, never a 500: a NUL byte or an impossible filter value anywhere in a request is a
400 (one middleware, ess2024/middleware.py), searches are capped, free text has a maximum length, and a signed-in
user without admin access gets a page that says so instead of a redirect loop (issue 8, parts 2 and 3)."""

import pytest
from django.urls import reverse

from structures.models import Structure
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, TenderFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

CHANGELISTS = [
    "admin:tenders_tender_changelist",
    "admin:structures_structure_changelist",
    "admin:outbox_outboxemail_changelist",
    "admin:meetups_meetup_changelist",
]
# Each of these was a 500 on the running site (issue 8), or is the same crash on another field.
BAD_QUERIES = [
    "status=%00",
    "categorie=%00",
    "status__exact=%00",
    "procedure__exact=%00",
    "verification_status__exact=%00",
    "created_at__year=99999999999999999999999",
    "created_at__year=0",
    "created_at__month=13",
    "created_at__day=-1",
    "created_at__gte=%00",
    "created_at__gte=99999-01-01",
    "created_at__lt=hier",
    "id__exact=abc",
    "id__in=1,abc",
    "q=%00",
    "o=%00",
    "p=%00",
    "%00=1",
]
OWN_DATE_FIELDS = [
    ("admin:tenders_tender_changelist", "bid_deadline__year=99999999999999999999999"),
    ("admin:tenders_tender_changelist", "bid_deadline__month=0"),
    ("admin:meetups_meetup_changelist", "starts_at__year=99999999999999999999999"),
    ("admin:meetups_meetup_changelist", "starts_at__day=32"),
    ("admin:outbox_outboxemail_changelist", "created_at__year=99999999999999999999999"),
    ("admin:structures_structure_changelist", "verified_at__year=99999999999999999999999"),
]


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("name", CHANGELISTS)
@pytest.mark.parametrize("query", BAD_QUERIES)
def test_impossible_changelist_filters_are_a_400(superuser_client, name, query):
    response = superuser_client.get(f"{reverse(name)}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Requête invalide" in html
    assert "Rien n'a été enregistré" in html


@pytest.mark.parametrize(("name", "query"), OWN_DATE_FIELDS)
def test_impossible_dates_in_each_changelists_own_fields_are_a_400(superuser_client, name, query):
    assert superuser_client.get(f"{reverse(name)}?{query}").status_code == 400


def test_a_filter_on_a_field_the_list_does_not_have_is_the_admins_own_answer(superuser_client):
    response = superuser_client.get(f"{reverse(CHANGELISTS[0])}?starts_at__year=99999999999999999999999")
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_a_buyer_gets_a_400_too(client):
    buyer = BuyerMembershipFactory()
    client.force_login(buyer.user)
    for query in ("status=%00", "status__exact=%00", "bid_deadline__year=99999999999999999999999"):
        response = client.get(f"{reverse('admin:tenders_tender_changelist')}?{query}")
        assert response.status_code == 400


@pytest.mark.parametrize(
    "url",
    [
        "/appels-d-offres/?q=%00",
        "/appels-d-offres/?statut=%00",
        "/structures/?q=%00",
        "/structures/?categorie=%00",
        "/rencontres/?q=%00",
        "/charte/?annee=%00",
        "/appels-d-offres/flux.atom?q=%00",
        "/structures/%00/",
        "/appels-d-offres/%00/",
    ],
)
def test_a_nul_byte_on_a_public_page_is_a_400_in_the_sites_layout(client, url):
    response = client.get(url)
    assert response.status_code == 400
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert "Requête invalide" in html
    assert "caractère nul" in html


def test_a_nul_byte_in_a_form_is_a_400_and_writes_nothing(client):
    member = MembershipFactory()
    client.force_login(member.user)
    url = reverse("structures_space:edit", args=[member.structure.slug, "capacite"])
    response = client.post(url, {"headcount": "10-49", "description": "Bonjour\x00", "references": ""})
    assert response.status_code == 400
    member.structure.refresh_from_db()
    assert "Bonjour" not in member.structure.description


@pytest.mark.parametrize(
    "url",
    ["/appels-d-offres/", "/structures/", "/rencontres/"],
)
def test_a_very_long_public_search_is_refused_with_a_message(client, url):
    response = client.get(url, {"q": "déchets " * 7000})  # ~56 KB
    assert response.status_code == 400
    assert "200 caractères" in response.content.decode()


@pytest.mark.parametrize("name", CHANGELISTS)
def test_a_very_long_admin_search_is_refused_with_a_message(superuser_client, name):
    response = superuser_client.get(reverse(name), {"q": "x" * 56_000})
    assert response.status_code == 400
    assert "200 caractères" in response.content.decode()


def test_a_normal_search_still_works(client, superuser_client):
    TenderFactory(published=True, title="Collecte des déchets")
    assert client.get("/appels-d-offres/", {"q": "déchets"}).status_code == 200
    assert superuser_client.get(reverse(CHANGELISTS[0]), {"q": "déchets"}).status_code == 200
    assert superuser_client.get(reverse(CHANGELISTS[0]), {"bid_deadline__year": "2026"}).status_code == 200


# --- Free text has a maximum length -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "description",
    ["déchets recyclage " * 60_000, "a" * 1_000_000],  # ~1 MB of words; one 1,000,000-character word
    ids=["1MB-of-words", "one-1M-word"],
)
def test_a_huge_structure_description_is_the_forms_error(client, description):
    member = MembershipFactory()
    client.force_login(member.user)
    url = reverse("structures_space:edit", args=[member.structure.slug, "capacite"])
    response = client.post(url, {"headcount": "10-49", "description": description, "references": ""})
    assert response.status_code == 200
    assert "au plus 5000 caractères" in response.content.decode().replace("\u202f", "").replace("\xa0", "")
    member.structure.refresh_from_db()
    assert len(member.structure.description) < 5000


def test_the_longest_description_allowed_fits_the_search_vector(db):
    """The longest texts the forms let through still make a valid tsvector, whatever the words."""
    words = " ".join(f"mot{n}" for n in range(5000))[:5000]
    structure = StructureFactory(description=words, references="z" * 3000, name="n" * 200)
    structure.refresh_from_db()
    assert Structure.objects.filter(pk=structure.pk, search_vector="mot42").exists()


# --- The admin for a signed-in user who may not use it -----------------------------------------------------------


@pytest.mark.parametrize("url", ["/admin/", "/admin/tenders/tender/", "/admin/login/?next=/admin/"])
def test_a_member_opening_the_admin_gets_a_403_page_not_a_loop(client, url):
    member = MembershipFactory()
    client.force_login(member.user)
    response = client.get(url, follow=True)
    assert response.status_code == 403
    assert len(response.redirect_chain) <= 1
    html = response.content.decode()
    assert '<html lang="fr"' in html
    assert "acheteurs" in html
    assert 'href="/espace/"' in html


def test_an_anonymous_visitor_is_sent_to_the_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/compte/login/?next=/admin/"
    assert response.status_code == 200


# --- Account deletion is rate-limited like the login ------------------------------------------------------------

DELETE_URL = "/espace/mes-donnees/supprimer-mon-compte/"


@pytest.fixture
def production_rate_limits(settings):
    """The test settings switch allauth's rate limits off; these tests put the production ones back."""
    from ess2024 import settings as production

    settings.ACCOUNT_RATE_LIMITS = production.ACCOUNT_RATE_LIMITS
    assert "delete_account_failed" in settings.ACCOUNT_RATE_LIMITS


def test_25_wrong_passwords_in_a_row_are_refused_and_the_account_stays(client, production_rate_limits):
    from accounts.models import User
    from tests.accounts.factories import PASSWORD

    user = UserFactory()
    client.force_login(user)
    answers = [client.post(DELETE_URL, {"password": f"essai-{n}"}).content.decode() for n in range(25)]
    assert "Trop de mots de passe erronés" not in answers[0]
    assert "Trop de mots de passe erronés" in answers[-1]
    assert sum("Trop de mots de passe erronés" in html for html in answers) == 20  # 5 tries, then blocked
    # Even the right password is refused while the block lasts: guessing it gives nothing away.
    response = client.post(DELETE_URL, {"password": PASSWORD})
    assert "Trop de mots de passe erronés" in response.content.decode()
    assert User.objects.filter(pk=user.pk).exists()


def test_the_block_is_per_account(client, production_rate_limits):
    from accounts.models import User
    from tests.accounts.factories import PASSWORD

    blocked = UserFactory()
    client.force_login(blocked)
    for n in range(6):
        client.post(DELETE_URL, {"password": f"essai-{n}"})
    other = UserFactory()
    client.force_login(other)
    client.post(DELETE_URL, {"password": PASSWORD})
    assert not User.objects.filter(pk=other.pk).exists()


# --- SIRET placeholders ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "siret", ["00000000000000", "000000000 00000", "11111111111111", "99999999999999", "12345678900008"]
)
def test_placeholder_sirets_are_refused(siret):
    from django.core.exceptions import ValidationError

    from structures.validators import clean_siret

    with pytest.raises(ValidationError) as error:
        clean_siret(siret)
    assert error.value.code in {"placeholder", "invalid_checksum"}


def test_the_wizard_refuses_the_all_zeros_siret(client):
    client.force_login(UserFactory())
    response = client.post(reverse("structures_space:create"), {"siret": "000 000 000 00000"})
    assert response.status_code == 200
    assert "numéro d&#x27;exemple" in response.content.decode()
    assert "siret" not in client.session.get("structure_wizard", {})


def test_la_postes_sirets_still_pass():
    from structures.validators import clean_siret

    assert clean_siret("356 000 000 00048") == "35600000000048"


# --- Join requests for a structure that is not public ------------------------------------------------------------


@pytest.mark.parametrize("state", ["rejected", "archived"])
def test_a_rejected_or_archived_structure_cannot_be_joined(client, state):
    from django.utils import timezone

    from structures import services
    from structures.models import JoinRequest, VerificationStatus

    if state == "rejected":
        structure = StructureFactory(
            verification_status=VerificationStatus.REJECTED, rejection_reason="Pas une structure de l'ESS."
        )
    else:
        structure = StructureFactory(archived_at=timezone.now())
    MembershipFactory(structure=structure)
    user = UserFactory()
    client.force_login(user)
    url = reverse("structures_space:join", args=[structure.siret])
    assert client.get(url).status_code == 404
    assert client.post(url, {"message": "Bonjour"}).status_code == 404
    with pytest.raises(services.StructureError):
        services.join_request_create(structure=structure, user=user)
    assert not JoinRequest.objects.filter(structure=structure).exists()
    # The wizard does not name it nor offer to join it either.
    response = client.post(reverse("structures_space:create"), {"siret": structure.siret})
    assert structure.name not in response.content.decode()
    assert url not in response.content.decode()
