"""Verifying a structure on one page: the queue, the checks, and the three decisions (verify, refuse, ask)."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from backoffice.models import ClarificationRequest
from outbox.models import OutboxEmail
from structures.models import LegalForm, Membership, Structure, VerificationStatus
from tests.accounts.factories import UserFactory
from tests.structures.factories import ListedStructureFactory, MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("backoffice:structures")


@pytest.fixture
def staff(client):
    user = UserFactory(platform_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def team():
    """A pending structure with an administrator and a member."""
    admin = MembershipFactory(
        structure=StructureFactory(name="Atelier du Canal", website="https://atelier-canal.fr"),
        user=UserFactory(email="ines@atelier-canal.fr", first_name="Inès"),
    )
    member = MembershipFactory(
        structure=admin.structure, user=UserFactory(email="paul@gmail.com"), role=Membership.Role.MEMBER
    )
    return admin.structure, admin.user, member.user


def _queue_names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/espace/equipe/structures/\d+/">([^<]+)</a>', html)


def test_queue_is_newest_first_by_default_sortable_both_ways_with_labels(client, staff):
    now = timezone.now()
    for days, name, form in ((5, "Ancienne", LegalForm.ESAT), (1, "Récente", LegalForm.EI), (3, "Milieu", "scop")):
        structure = StructureFactory(name=name, legal_form=form)
        Structure.objects.filter(pk=structure.pk).update(created_at=now - datetime.timedelta(days=days))
    ListedStructureFactory(name="Vérifiée")

    html = client.get(QUEUE).content.decode()
    assert _queue_names(html) == ["Récente", "Milieu", "Ancienne"]
    assert _queue_names(client.get(QUEUE, {"ordre": "anciennes"}).content.decode()) == [
        "Ancienne",
        "Milieu",
        "Récente",
    ]
    assert _queue_names(client.get(QUEUE, {"ordre": "n'importe"}).content.decode())[0] == "Récente"
    assert "Handicap (EA/ESAT)" in html and "Insertion (SIAE)" in html
    assert "ESAT (établissement et service d&#x27;accompagnement par le travail)" in html
    assert ">disability<" not in html and ">siae<" not in html and ">esat<" not in html


def test_queue_queries_are_flat(client, staff, django_assert_max_num_queries):
    MembershipFactory()
    with django_assert_max_num_queries(8) as few:
        client.get(QUEUE)
    for _ in range(20):
        MembershipFactory()
    with django_assert_max_num_queries(8) as many:
        client.get(QUEUE)
    assert len(few.captured_queries) == len(many.captured_queries)


def test_review_page_shows_identity_checks_members_and_their_domains(client, staff, team):
    structure, _admin, _member = team
    StructureFactory(name="Autre établissement", siret=structure.siret[:9] + "00000")  # same SIREN
    html = client.get(reverse("backoffice:structure", args=[structure.pk])).content.decode()

    assert "Vérifier « Atelier du Canal »" in html
    assert "Clé de contrôle du SIRET : correcte" in html
    assert "Même SIREN (autre établissement de la même entreprise)" in html and "Autre établissement" in html
    assert "Aucune autre structure avec ce SIRET" in html
    assert "Association" in html and "ESS (marchés réservés de l&#x27;article L2113-15)" in html
    assert "agrément ESUS (entreprise solidaire d&#x27;utilité sociale) délivré par la DREETS" in html
    assert "ines@atelier-canal.fr" in html and "même domaine que le site web" in html
    assert "paul@gmail.com" in html and "messagerie personnelle" in html
    for button in ("Vérifier</button>", "Refuser</button>", "Demander une précision</button>"):
        assert button in html


def test_a_wrong_checksum_is_flagged(client, staff):
    structure = StructureFactory(siret="12345678901234")
    html = client.get(reverse("backoffice:structure", args=[structure.pk])).content.decode()
    assert "Clé de contrôle du SIRET : incorrecte" in html


def test_verify_emails_every_member_and_lists_the_structure(client, staff, team, django_capture_on_commit_callbacks):
    structure, admin, member = team
    assert structure.name not in client.get(reverse("structures:index")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("backoffice:structure_verify", args=[structure.pk]), follow=True)

    assert "est vérifiée : ses membres sont prévenus" in response.content.decode()
    structure.refresh_from_db()
    assert structure.is_verified and structure.verified_by == staff
    emails = OutboxEmail.objects.filter(kind="structure_verified")
    assert sorted(emails.values_list("to", flat=True)) == sorted([admin.email, member.email])
    assert structure.name in client.get(reverse("structures:index")).content.decode()


def test_refusing_needs_a_reason_and_the_members_receive_it(client, staff, team, django_capture_on_commit_callbacks):
    structure, admin, member = team
    url = reverse("backoffice:structure_reject", args=[structure.pk])

    response = client.post(url, {"reason": "   "})
    assert response.status_code == 400
    assert "Indiquez le motif du refus" in response.content.decode()
    structure.refresh_from_db()
    assert structure.verification_status == VerificationStatus.PENDING
    assert not OutboxEmail.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"reason": "Le SIRET correspond à une boulangerie."})
    structure.refresh_from_db()
    assert structure.verification_status == VerificationStatus.REJECTED
    emails = OutboxEmail.objects.filter(kind="structure_rejected")
    assert sorted(emails.values_list("to", flat=True)) == sorted([admin.email, member.email])
    assert all("Le SIRET correspond à une boulangerie." in email.body_text for email in emails)


def test_asking_for_a_detail_keeps_it_pending_and_shows_in_its_space(
    client, staff, team, django_capture_on_commit_callbacks
):
    structure, admin, member = team
    url = reverse("backoffice:structure_clarify", args=[structure.pk])
    assert client.post(url, {"message": ""}).status_code == 400
    assert not ClarificationRequest.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"message": "Envoyez-nous votre conventionnement IAE."})

    structure.refresh_from_db()
    assert structure.verification_status == VerificationStatus.PENDING
    assert ClarificationRequest.objects.get().asked_by == staff
    emails = OutboxEmail.objects.filter(kind="structure_clarification")
    assert sorted(emails.values_list("to", flat=True)) == sorted([admin.email, member.email])
    assert all("Envoyez-nous votre conventionnement IAE." in email.body_text for email in emails)

    client.force_login(member)
    space = client.get(reverse("structures_space:detail", args=[structure.slug])).content.decode()
    assert "vous demande une précision" in space and "Envoyez-nous votre conventionnement IAE." in space
    assert "n'apparaît pas dans l'annuaire public" in space


def test_only_staff_decide(client, team):
    structure, admin, _member = team
    for user in (admin, UserFactory(is_staff=True)):
        client.force_login(user)
        for name in ("structure_verify", "structure_reject", "structure_clarify"):
            response = client.post(reverse(f"backoffice:{name}", args=[structure.pk]), {"reason": "x", "message": "x"})
            assert response.status_code == 404
    structure.refresh_from_db()
    assert structure.verification_status == VerificationStatus.PENDING
    assert not OutboxEmail.objects.exists()
