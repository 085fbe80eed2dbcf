"""The sign-up wizard keeps a draft per user in the database: it resumes where the user left, after a logout or on
another device, with everything typed (errors included); the draft goes when the structure is created, when the
user joins an existing one, or on "Recommencer"."""

import pytest
from django.test import Client
from django.urls import reverse

from structures.models import Area, Structure, StructureDraft, Topic
from structures.validators import make_siret
from tests.accounts.factories import UserFactory
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db

SIRET = make_siret(5151)
ENTRY = reverse("structures_space:create")
IDENTITY = {
    "name": "La Boussole solidaire",
    "legal_form": "association",
    "address": "4 rue de l'Ourcq",
    "postcode": "75019",
    "city": "Paris",
    "website": "",
    "contact_name": "Inès Moreau",
    "contact_email": "contact@boussole.example",
    "contact_phone": "",
}
CAPACITY = {
    "headcount": "10-49",
    "turnover": "100k-500k",
    "insertion_people_per_year": "",
    "insertion_hours_per_year": "",
    "description": "Accompagnement vers l'emploi et ateliers de réparation de vélos dans le 19e arrondissement.",
    "references": "",
}


def step(name):
    return reverse("structures_space:create_step", args=[name])


def activity():
    return {"topics": [Topic.objects.filter(is_active=True).first().pk], "areas": [Area.objects.first().pk]}


def signed_in(user) -> Client:
    """A new browser: no cookie, no session, only the account."""
    client = Client()
    client.force_login(user)
    return client


def test_a_new_user_starts_at_step_1_and_nothing_is_written_before_a_submission(user):
    client = signed_in(user)
    response = client.get(ENTRY, follow=True)
    assert response.redirect_chain == [(step("siret"), 302)]
    assert "Recommencer" not in response.content.decode()
    assert not StructureDraft.objects.exists()


def test_after_logout_and_login_the_wizard_opens_at_step_3_with_everything_kept(user):
    client = signed_in(user)
    client.post(ENTRY, {"siret": SIRET})
    assert client.post(step("identite"), IDENTITY)["Location"] == step("activite")
    client.get(step("activite"))
    client.logout()

    other_device = signed_in(user)
    assert other_device.get(ENTRY)["Location"] == step("activite")
    page = other_device.get(step("activite"))
    steps = {item["name"]: item["done"] for item in page.context["steps"]}
    assert steps == {"siret": True, "identite": True, "activite": False, "capacite": False}
    identity = other_device.get(step("identite")).content.decode()
    assert 'value="La Boussole solidaire"' in identity
    assert 'value="contact@boussole.example"' in identity
    assert f'value="{SIRET}"' in other_device.get(step("siret")).content.decode()


def test_invalid_input_is_kept_and_shown_again_with_its_errors(user):
    client = signed_in(user)
    client.post(ENTRY, {"siret": SIRET})
    client.post(step("identite"), {**IDENTITY, "postcode": "7501", "contact_email": "pas-une-adresse"})
    client.logout()

    client = signed_in(user)
    assert client.get(ENTRY)["Location"] == step("identite")
    page = client.get(step("identite"))
    html = page.content.decode()
    assert 'value="7501"' in html and 'value="pas-une-adresse"' in html
    assert page.context["form"].errors["postcode"] == ["Le code postal compte 5 chiffres, par exemple 93200."]
    assert 'class="error-summary"' in html


def test_it_resumes_at_the_step_last_shown_when_the_user_went_back(user):
    client = signed_in(user)
    client.post(ENTRY, {"siret": SIRET})
    client.post(step("identite"), IDENTITY)
    client.post(step("activite"), activity())
    client.get(step("identite"))  # back to correct something
    client.logout()
    assert signed_in(user).get(ENTRY)["Location"] == step("identite")


def test_the_draft_is_deleted_when_the_structure_is_created(user):
    client = signed_in(user)
    client.post(ENTRY, {"siret": SIRET})
    client.post(step("identite"), IDENTITY)
    client.post(step("activite"), activity())
    assert StructureDraft.objects.filter(user=user).exists()
    response = client.post(step("capacite"), CAPACITY)
    structure = Structure.objects.get(siret=SIRET)
    assert response["Location"] == reverse("structures_space:detail", args=[structure.slug])
    assert not StructureDraft.objects.filter(user=user).exists()
    assert client.get(ENTRY)["Location"] == step("siret")


def test_a_failed_creation_keeps_the_draft(user):
    client = signed_in(user)
    client.post(ENTRY, {"siret": SIRET})
    client.post(step("identite"), IDENTITY)
    client.post(step("activite"), activity())
    StructureFactory(siret=SIRET)  # registered meanwhile by someone else
    assert client.post(step("capacite"), CAPACITY)["Location"] == step("siret")
    draft = StructureDraft.objects.get(user=user)
    assert draft.data["identite"]["name"] == [IDENTITY["name"]]
    assert draft.data["capacite"]["description"] == [CAPACITY["description"]]


def test_recommencer_clears_the_draft_after_a_confirmation(user):
    client = signed_in(user)
    client.post(ENTRY, {"siret": SIRET})
    client.post(step("identite"), IDENTITY)
    page = client.get(step("activite")).content.decode()
    assert "<summary>Recommencer l'inscription</summary>" in page  # a disclosure: the button comes after a click
    assert 'name="restart"' in page and "Effacer mes réponses et recommencer" in page

    response = client.post(step("activite"), {"restart": "1"}, follow=True)
    assert response.redirect_chain == [(step("siret"), 302)]
    assert "Tout ce que vous aviez saisi est effacé" in response.content.decode()
    assert not StructureDraft.objects.filter(user=user).exists()
    assert f'value="{SIRET}"' not in response.content.decode()
    assert client.get(step("identite"))["Location"] == step("siret")


def test_each_user_has_their_own_draft(user):
    client = signed_in(user)
    client.post(ENTRY, {"siret": SIRET})
    client.post(step("identite"), IDENTITY)
    other = signed_in(UserFactory())
    assert other.get(ENTRY)["Location"] == step("siret")
    assert SIRET not in other.get(step("siret")).content.decode()
    assert StructureDraft.objects.get(user=user).valid_steps == ["siret", "identite"]


def test_joining_an_existing_structure_ends_the_draft(user):
    existing = StructureFactory()
    client = signed_in(user)
    client.post(ENTRY, {"siret": existing.siret})  # "déjà inscrite": the page offers to join
    assert StructureDraft.objects.filter(user=user).exists()
    client.post(reverse("structures_space:join", args=[existing.siret]), {"message": "Je suis salariée ici."})
    assert not StructureDraft.objects.filter(user=user).exists()


def test_the_space_offers_to_resume_an_unfinished_sign_up(user):
    client = signed_in(user)
    assert "Inscrire ma structure" in client.get(reverse("dashboard")).content.decode()
    client.post(ENTRY, {"siret": SIRET})

    page = client.get(reverse("dashboard")).content.decode()
    assert "Reprendre l'inscription de ma structure" in page
