import pytest
from django.urls import reverse

from structures.forms import SiretForm
from structures.models import Area, Membership, Sector, Structure, Topic, VerificationStatus
from structures.validators import make_siret
from tests.accounts.factories import UserFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

SIRET = make_siret(4242)
STEP1 = reverse("structures_space:create")  # the entry: resumes where the user left (see test_wizard_resume.py)


def step(name):
    return reverse("structures_space:create_step", args=[name])


IDENTITY = {
    "name": "Les Jardins de Belleville",
    "legal_form": "scic",
    "address": "12 rue des Cascades",
    "postcode": "75020",
    "city": "Paris",
    "website": "https://jardins-belleville.fr",
    "contact_name": "Awa Diallo",
    "contact_email": "contact@jardins-belleville.fr",
    "contact_phone": "01 23 45 67 89",
}


def activity():
    return {
        "topics": [Topic.objects.get(slug="agriculture-urbaine-et-espaces-verts").pk],
        "sectors": [Sector.objects.first().pk],
        "areas": [Area.objects.get(code="75120").pk, Area.objects.get(code="93").pk],
    }


CAPACITY = {
    "headcount": "10-49",
    "turnover": "100k-500k",
    "insertion_people_per_year": "12",
    "insertion_hours_per_year": "",
    "description": "Entretien d'espaces verts et agriculture urbaine en insertion, compostage des déchets verts.",
    "references": "Ville de Paris, 2023",
}


@pytest.fixture
def member_client(client, user, settings):
    # The dashboard shows this app's panel (and the account's); other apps' panels are their tests' business.
    settings.DASHBOARD_PANELS = ["structures.panels.structure_panel", "accounts.panels.account_panel"]
    client.force_login(user)
    return client


def errors_of(response):
    return response.context["form"].errors


def test_the_wizard_needs_a_verified_account(client):
    client.force_login(UserFactory(verified_email=False))
    response = client.get(STEP1)
    assert "account/verified_email_required.html" in [t.name for t in response.templates]
    assert "form" not in response.context or not isinstance(response.context["form"], SiretForm)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("", "Indiquez le numéro SIRET"),
        ("1234", "vous en avez saisi 4"),
        ("1200270160056A", "que des chiffres"),
        ("12002701600564", "clé de contrôle"),
    ],
)
def test_step_1_explains_a_bad_siret(member_client, value, message):
    response = member_client.post(STEP1, {"siret": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'class="error-summary"' in html
    assert 'aria-invalid="true"' in html


def test_step_1_detects_a_registered_structure_and_offers_to_join(member_client):
    existing = StructureFactory(name="Recyclerie du Canal")
    response = member_client.post(STEP1, {"siret": existing.siret})
    html = response.content.decode()
    assert "Cette structure est déjà inscrite" in html
    assert "Demander à rejoindre cette structure" in html
    assert reverse("structures_space:join", args=[existing.siret]) in html


def test_later_steps_cannot_be_reached_first(member_client):
    assert member_client.get(step("capacite"))["Location"] == step("siret")
    assert member_client.get(step("inconnue")).status_code == 404


def test_step_2_errors_are_next_to_fields_and_in_the_summary(member_client):
    member_client.post(STEP1, {"siret": SIRET})
    response = member_client.post(step("identite"), {**IDENTITY, "name": "", "postcode": "7502", "contact_email": "x"})
    errors = errors_of(response)
    assert errors["name"] == ["Indiquez le nom de la structure."]
    assert errors["postcode"] == ["Le code postal compte 5 chiffres, par exemple 93200."]
    assert "adresse e-mail valide" in errors["contact_email"][0]
    html = response.content.decode()
    assert 'href="#id_postcode"' in html  # the summary links to the field
    assert 'id="id_postcode_error"' in html


def test_step_3_needs_a_topic_and_an_area(member_client):
    member_client.post(STEP1, {"siret": SIRET})
    member_client.post(step("identite"), IDENTITY)
    response = member_client.post(step("activite"), {})
    errors = errors_of(response)
    assert errors["topics"] == ["Cochez au moins une thématique."]
    assert errors["areas"] == ["Cochez au moins une zone d'intervention."]
    html = response.content.decode()
    assert "<legend" in html and "Paris, par arrondissement" in html


def test_step_4_errors(member_client):
    member_client.post(STEP1, {"siret": SIRET})
    member_client.post(step("identite"), IDENTITY)
    member_client.post(step("activite"), activity())
    response = member_client.post(
        step("capacite"),
        {**CAPACITY, "headcount": "", "description": "Trop court", "insertion_people_per_year": "douze"},
    )
    errors = errors_of(response)
    assert errors["headcount"] == ["Choisissez l'effectif de la structure."]
    assert "30 caractères au moins" in errors["description"][0]
    assert errors["insertion_people_per_year"] == ["Saisissez un nombre entier, sans espace ni lettre."]
    assert Structure.objects.count() == 0


def test_nothing_typed_is_lost_going_back_even_with_errors(member_client):
    member_client.post(STEP1, {"siret": SIRET})
    member_client.post(step("identite"), IDENTITY)
    # On step 3, half filled in (an error), go back to step 2: what was typed on both steps is still there.
    partial = {"topics": activity()["topics"]}
    response = member_client.post(step("activite"), {**partial, "back": "1"})
    assert response["Location"] == step("identite")
    identity_page = member_client.get(step("identite")).content.decode()
    assert 'value="Les Jardins de Belleville"' in identity_page
    assert 'value="contact@jardins-belleville.fr"' in identity_page
    activity_page = member_client.get(step("activite"))
    assert activity_page.context["form"]["topics"].value() == [str(partial["topics"][0])]
    siret_page = member_client.get(step("siret")).content.decode()
    assert f'value="{SIRET}"' in siret_page


def test_the_full_wizard_creates_the_structure_and_shows_it_on_the_dashboard(member_client, user):
    assert member_client.post(STEP1, {"siret": f"{SIRET[:3]} {SIRET[3:6]} {SIRET[6:9]} {SIRET[9:]}"})[
        "Location"
    ] == step("identite")
    assert member_client.post(step("identite"), IDENTITY)["Location"] == step("activite")
    assert member_client.post(step("activite"), activity())["Location"] == step("capacite")
    assert Structure.objects.count() == 0  # created only at the very end
    response = member_client.post(step("capacite"), CAPACITY)
    structure = Structure.objects.get()
    assert response["Location"] == reverse("structures_space:detail", args=[structure.slug])
    assert structure.siret == SIRET
    assert structure.name == "Les Jardins de Belleville"
    assert structure.legal_form == "scic"
    assert structure.insertion_people_per_year == 12
    assert structure.verification_status == VerificationStatus.PENDING
    assert {a.code for a in structure.areas.all()} == {"75120", "93"}
    assert structure.memberships.get().user == user
    assert structure.memberships.get().role == Membership.Role.ADMIN

    detail = member_client.get(response["Location"]).content.decode()
    assert "En attente de vérification" in detail
    dashboard = member_client.get(reverse("dashboard")).content.decode()
    assert "Les Jardins de Belleville" in dashboard
    assert "Profil complet à" in dashboard
    assert "En attente de vérification" in dashboard
    # The wizard starts afresh afterwards.
    fresh = member_client.get(STEP1, follow=True)
    assert fresh.redirect_chain == [(step("siret"), 302)]
    assert f'value="{SIRET}"' not in fresh.content.decode()


def test_a_siret_registered_meanwhile_brings_back_to_step_1(member_client):
    member_client.post(STEP1, {"siret": SIRET})
    member_client.post(step("identite"), IDENTITY)
    member_client.post(step("activite"), activity())
    StructureFactory(siret=SIRET)  # someone else finished first
    response = member_client.post(step("capacite"), CAPACITY)
    assert response["Location"] == step("siret")
    assert "Cette structure est déjà inscrite" in member_client.get(STEP1, follow=True).content.decode()
    assert Structure.objects.count() == 1
