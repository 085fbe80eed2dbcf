"""The wizard's optional SIRET lookup ("Remplir depuis l'annuaire des entreprises"), against a local fake directory
(tests/structures/fake_directory.py: a real HTTP server in a thread, no mock). Off when SIRET_LOOKUP_URL is empty."""

import pytest
from django.test import override_settings
from django.urls import reverse

from structures.models import LegalForm, Structure, StructureDraft
from structures.services import directory_lookup
from tests.structures import fake_directory as fake
from tests.structures.fake_directory import fake_directory  # noqa: F401 - the session fixture

pytestmark = pytest.mark.django_db

STEP1 = reverse("structures_space:create_step", args=["siret"])
IDENTITY = reverse("structures_space:create_step", args=["identite"])
BUTTON = "Remplir depuis l'annuaire des entreprises"
CONTACT = {"contact_name": "Awa Diallo", "contact_email": "contact@jardins-ourcq.fr", "contact_phone": ""}


@pytest.fixture
def directory(fake_directory):  # noqa: F811 - the fixture imported above
    with override_settings(SIRET_LOOKUP_URL=fake_directory.url, SIRET_LOOKUP_TIMEOUT=0.3):
        fake_directory.queries.clear()
        yield fake_directory


@pytest.fixture
def member_client(client, user):
    client.force_login(user)
    return client


def form_values(response) -> dict:
    form = response.context["form"]
    return {name: form[name].value() for name in form.fields}


def test_the_service_reads_the_directory_answer(directory):
    assert directory_lookup.lookup_siret(fake.FOUND) == {
        "name": "Les Jardins de l'Ourcq",
        "address": "12 Rue des Cascades",
        "postcode": "75020",
        "city": "Paris",
        "legal_form": LegalForm.ASSOCIATION,
    }
    assert directory.queries == [fake.FOUND]
    # A SAS says nothing about our legal forms: the user chooses. Mixed-case values are kept as they are.
    assert directory_lookup.lookup_siret(fake.FOUND_SAS) == {
        "name": "Recyclerie du Canal",
        "address": "3 quai de la Loire",
        "postcode": "75019",
        "city": "Paris",
    }


@override_settings(SIRET_LOOKUP_URL="")
def test_without_the_setting_there_is_no_lookup(member_client, fake_directory):  # noqa: F811
    fake_directory.queries.clear()
    page = member_client.get(STEP1)
    assert "annuaire des entreprises" not in page.content.decode().replace("annuaire-entreprises.data.gouv.fr", "")
    # A "lookup" submitted anyway (an old page) is an ordinary "Continuer".
    response = member_client.post(STEP1, {"siret": fake.FOUND, "lookup": "1"})
    assert response["Location"] == IDENTITY
    assert fake_directory.queries == []
    assert form_values(member_client.get(IDENTITY))["name"] is None


def test_the_lookup_fills_the_identity_step_which_stays_editable(member_client, directory, user):
    page = member_client.get(STEP1).content.decode()
    assert BUTTON in page

    response = member_client.post(STEP1, {"siret": fake.FOUND, "lookup": "1"})
    assert response["Location"] == IDENTITY
    assert directory.queries == [fake.FOUND]

    identity = member_client.get(IDENTITY)
    html = identity.content.decode()
    assert "Les informations de l&#x27;annuaire des entreprises sont remplies" in html
    assert 'value="Les Jardins de l&#x27;Ourcq"' in html
    assert 'value="12 Rue des Cascades"' in html
    assert 'value="75020"' in html
    assert '<option value="association" selected>' in html
    assert 'class="error-summary"' not in html  # offered, not yet submitted: no error for the empty contact

    # Edited before going on: the user's words win.
    data = {**form_values(identity), **CONTACT, "name": "Jardins de l'Ourcq", "website": ""}
    assert member_client.post(IDENTITY, data)["Location"] == reverse("structures_space:create_step", args=["activite"])
    draft = StructureDraft.objects.get(user=user)
    assert draft.data["identite"]["name"] == ["Jardins de l'Ourcq"]
    assert draft.data["identite"]["city"] == ["Paris"]
    assert Structure.objects.count() == 0


def test_a_lookup_after_the_identity_was_typed_replaces_only_the_identity(member_client, directory, user):
    member_client.post(STEP1, {"siret": fake.FOUND})
    typed = {"name": "Mon nom", "legal_form": "scic", "address": "", "postcode": "93200", "city": "Saint-Denis"}
    member_client.post(IDENTITY, {**typed, **CONTACT, "website": ""})
    member_client.post(STEP1, {"siret": fake.FOUND, "lookup": "1"})
    values = form_values(member_client.get(IDENTITY))
    assert values["name"] == "Les Jardins de l'Ourcq"
    assert values["legal_form"] == "association"
    assert values["contact_email"] == CONTACT["contact_email"]  # the contact typed before is kept


def test_another_siret_forgets_what_the_directory_said(member_client, directory):
    member_client.post(STEP1, {"siret": fake.FOUND, "lookup": "1"})
    member_client.post(STEP1, {"siret": fake.FOUND_SAS})
    assert form_values(member_client.get(IDENTITY))["name"] is None


@pytest.mark.parametrize(
    ("siret", "path", "message"),
    [
        (fake.SLOW, "/search", "n&#x27;a pas répondu à temps"),
        (fake.SERVER_ERROR, "/search", "n&#x27;est pas disponible pour le moment"),
        (fake.BAD_JSON, "/search", "est illisible"),
        (fake.UNKNOWN, "/search", "Ce SIRET ne figure pas dans l&#x27;annuaire des entreprises"),
        (fake.OTHER_COMPANY, "/search", "Ce SIRET ne figure pas dans l&#x27;annuaire des entreprises"),
        (fake.FOUND, "/ailleurs", "Ce SIRET ne figure pas dans l&#x27;annuaire des entreprises"),  # a 404
        (fake.FOUND, ":1/search", "n&#x27;est pas disponible pour le moment"),  # nothing listens there
    ],
    ids=["timeout", "http-500", "not-json", "no-result", "other-siren", "http-404", "unreachable"],
)
def test_each_failure_says_so_in_french_and_the_wizard_goes_on(member_client, fake_directory, siret, path, message):  # noqa: F811
    base = fake_directory.base.rsplit(":", 1)[0] if path.startswith(":") else fake_directory.base
    with override_settings(SIRET_LOOKUP_URL=base + path, SIRET_LOOKUP_TIMEOUT=0.3):
        response = member_client.post(STEP1, {"siret": siret, "lookup": "1"})
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert f'value="{siret}"' in html  # what was typed is still there
        assert 'class="error-summary"' not in html  # the SIRET itself is fine
        # "Continuer" works as without the lookup; the identity step is empty, ready to be typed in.
        assert member_client.post(STEP1, {"siret": siret})["Location"] == IDENTITY
        assert form_values(member_client.get(IDENTITY))["name"] is None


def test_an_invalid_siret_is_not_looked_up(member_client, directory):
    response = member_client.post(STEP1, {"siret": "1234", "lookup": "1"})
    assert "vous en avez saisi 4" in response.content.decode()
    assert directory.queries == []
