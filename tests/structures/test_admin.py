"""Staff verification in the admin: the pending queue, verify and reject actions (with a reason), the emails."""

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from outbox.models import OutboxEmail
from structures.models import Membership, VerificationStatus
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:structures_structure_changelist")
QUEUE = reverse("admin:structures_structuretoverify_changelist")


@pytest.fixture
def staff_client(client):
    client.force_login(UserFactory(platform_staff=True))
    return client


def test_the_queue_lists_pending_structures_only(staff_client, django_assert_max_num_queries):
    pending = StructureFactory.create_batch(3)
    StructureFactory(verified=True, name="Déjà vérifiée")
    StructureFactory(name="Archivée", archived_at="2024-01-01T00:00:00Z")
    with django_assert_max_num_queries(20):
        response = staff_client.get(QUEUE)
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == pending[::-1]  # newest first
    assert "Déjà vérifiée" not in response.content.decode()


def test_the_queue_and_the_change_page_speak_french_labels_not_codes(staff_client):
    structure = StructureFactory(disability=True, name="Atelier protégé")
    html = staff_client.get(QUEUE).content.decode()
    assert "Handicap (EA/ESAT)" in html
    assert ">disability<" not in html and "=disability" not in html or "categorie=disability" in html
    assert reverse("backoffice:structure", args=[structure.pk]) in html
    assert staff_client.get(QUEUE, {"o": "6"}).status_code == 200  # "Créée le", oldest first

    staff = UserFactory(platform_staff=True, first_name="Camille", last_name="Roux")
    from structures import services

    services.structure_verify(structure=structure, by=staff)
    page = staff_client.get(reverse("admin:structures_structure_change", args=[structure.pk])).content.decode()
    assert "Vérifiée par" in page and "Verified by" not in page
    assert "Oui" in page and "Non" in page
    assert "True" not in page and "False" not in page
    assert "Handicap (EA/ESAT)" in page
    assert "Vérifier, refuser ou demander une précision" in page


def test_staff_verify_through_the_admin_action_and_the_administrators_are_emailed(
    staff_client, django_capture_on_commit_callbacks
):
    admin = MembershipFactory(user=UserFactory(first_name="Nadia"))
    structure = admin.structure
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(
            QUEUE, {"action": "verify_structures", ACTION_CHECKBOX_NAME: [structure.pk]}, follow=True
        )
    assert "1 structure vérifiée" in response.content.decode()
    structure.refresh_from_db()
    assert structure.verification_status == VerificationStatus.VERIFIED
    email = OutboxEmail.objects.get(kind="structure_verified")
    assert email.to == admin.user.email
    assert email.subject == f"« {structure.name} » est vérifiée sur ESS 2024"
    assert "Bonne nouvelle : l'équipe des Canaux a vérifié les informations" in email.body_text
    assert email.status == "sent"
    # Verifying again is refused with a message, and sends nothing more.
    response = staff_client.post(
        CHANGELIST, {"action": "verify_structures", ACTION_CHECKBOX_NAME: [structure.pk]}, follow=True
    )
    assert "est déjà vérifiée" in response.content.decode()
    assert OutboxEmail.objects.filter(kind="structure_verified").count() == 1


def test_reject_asks_for_a_reason_on_an_intermediate_page(staff_client):
    admin = MembershipFactory()
    second_admin = MembershipFactory(structure=admin.structure)
    member = MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    structure = admin.structure
    data = {"action": "reject_structures", ACTION_CHECKBOX_NAME: [structure.pk]}
    page = staff_client.post(CHANGELIST, data)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Motif du refus" in html and structure.name in html
    again = staff_client.post(CHANGELIST, {**data, "apply": "1", "reason": ""})
    assert "Indiquez le motif du refus." in again.content.decode()
    structure.refresh_from_db()
    assert structure.verification_status == VerificationStatus.PENDING

    response = staff_client.post(
        CHANGELIST, {**data, "apply": "1", "reason": "Le SIRET correspond à une autre activité."}, follow=True
    )
    assert "1 structure refusée" in response.content.decode()
    structure.refresh_from_db()
    assert structure.verification_status == VerificationStatus.REJECTED
    assert structure.rejection_reason == "Le SIRET correspond à une autre activité."
    emails = OutboxEmail.objects.filter(kind="structure_rejected")
    assert sorted(emails.values_list("to", flat=True)) == sorted(
        [admin.user.email, second_admin.user.email, member.user.email]
    )
    assert all("Le SIRET correspond à une autre activité." in e.body_text for e in emails)


def test_buyers_have_no_structures_admin(client):
    buyer = UserFactory(is_staff=True)
    client.force_login(buyer)
    assert client.get(CHANGELIST).status_code == 403
    assert client.get(QUEUE).status_code == 403
    index = client.get(reverse("admin:index"))
    assert "Structures à vérifier" not in index.content.decode()


def test_staff_edit_reference_data_and_see_teams(staff_client):
    assert staff_client.get(reverse("admin:structures_topic_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:structures_topic_add")).status_code == 200
    assert staff_client.get(reverse("admin:structures_area_changelist")).status_code == 200
    structure = MembershipFactory().structure
    assert staff_client.get(reverse("admin:structures_structure_change", args=[structure.pk])).status_code == 200
    assert staff_client.get(reverse("admin:structures_membership_changelist")).status_code == 200
    assert staff_client.get(reverse("admin:structures_joinrequest_changelist")).status_code == 200
    # The verification status is not editable on the form: only the actions change it.
    form = staff_client.get(reverse("admin:structures_structure_change", args=[structure.pk])).context["adminform"]
    assert "verification_status" not in form.form.fields


def test_the_admin_form_checks_the_siret_in_french(staff_client):
    structure = StructureFactory()
    url = reverse("admin:structures_structure_change", args=[structure.pk])
    form = staff_client.get(url).context["adminform"].form
    data = {
        name: form[name].value() or "" for name in form.fields if name not in ("topics", "sectors", "areas", "logo")
    }
    data.update({"siret": "12345678901234", "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"})
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "clé de contrôle" in response.content.decode()
    structure.refresh_from_db()
    assert structure.siret != "12345678901234"


def test_the_category_filter_and_column_use_labels_not_codes(staff_client):
    StructureFactory(name="Atelier d'insertion", siae=True)
    StructureFactory(name="Association du quartier")

    page = staff_client.get(CHANGELIST, {"categorie": "siae"}).content.decode()

    assert "Atelier d&#x27;insertion" in page and "Association du quartier" not in page
    assert "Insertion (SIAE)" in page  # the filter's choice and the column, not the raw code "siae"
