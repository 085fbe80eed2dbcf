import pytest
from django.utils import timezone

from outbox.models import OutboxEmail
from structures import services
from structures.models import Area, LegalForm, Membership, Structure, Topic, VerificationStatus
from structures.validators import make_siret
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db


def test_the_creator_becomes_administrator_and_the_structure_waits_for_verification(user):
    topic = Topic.objects.get(slug="restauration-durable")
    structure = services.structure_create(
        user=user,
        siret="120 027 016 00563",
        name="  La Table Solidaire  ",
        legal_form=LegalForm.SCIC,
        city="Montreuil",
        postcode="93100",
        topics=[topic],
        areas=Area.objects.filter(code="93"),
    )
    structure.refresh_from_db()
    assert structure.siret == "12002701600563"
    assert structure.siren == "120027016"
    assert structure.name == "La Table Solidaire"
    assert structure.slug == "la-table-solidaire"
    assert structure.verification_status == VerificationStatus.PENDING
    assert list(structure.topics.all()) == [topic]
    assert structure.memberships.get().user == user
    assert structure.memberships.get().role == Membership.Role.ADMIN


def test_a_taken_siret_offers_to_ask_to_join(user):
    existing = StructureFactory()
    with pytest.raises(services.SiretAlreadyRegistered) as info:
        services.structure_create(user=user, siret=existing.siret, name="Autre nom", legal_form=LegalForm.SCOP)
    assert info.value.structure == existing
    assert "déjà inscrite" in info.value.message
    assert "demander à la rejoindre" in info.value.message
    assert Structure.objects.count() == 1


def test_invalid_input_is_a_french_domain_error(user):
    with pytest.raises(services.StructureError, match="clé de contrôle"):
        services.structure_create(user=user, siret="12002701600564", name="X", legal_form=LegalForm.SCOP)
    with pytest.raises(services.StructureError, match="forme juridique"):
        services.structure_create(user=user, siret=make_siret(5), name="X", legal_form="sarl")
    with pytest.raises(services.StructureError, match="nom"):
        services.structure_create(user=user, siret=make_siret(5), name="  ", legal_form=LegalForm.SCOP)


def test_slugs_are_unique_and_avoid_reserved_paths(user):
    first = services.structure_create(user=user, siret=make_siret(1), name="Atelier Vélo", legal_form="scop")
    second = services.structure_create(user=user, siret=make_siret(2), name="Atelier vélo", legal_form="scop")
    reserved = services.structure_create(user=user, siret=make_siret(3), name="Nouvelle", legal_form="association")
    assert first.slug == "atelier-velo"
    assert second.slug == "atelier-velo-2"
    assert reserved.slug == "nouvelle-2"


def test_update_section_sets_fields_and_many_to_many(user):
    structure = MembershipFactory(user=user, role=Membership.Role.MEMBER).structure
    areas = list(Area.objects.filter(code__in=["75111", "93"]))
    updated = services.structure_update_section(
        structure=structure,
        by=user,
        section="activite",
        data={"topics": Topic.objects.filter(slug="accessibilite"), "sectors": [], "areas": areas},
    )
    assert {a.code for a in updated.areas.all()} == {"75111", "93"}
    assert [t.slug for t in updated.topics.all()] == ["accessibilite"]
    assert updated.back_to_pending is False


def test_changing_the_legal_form_of_a_verified_structure_sends_it_back_to_verification(user):
    structure = MembershipFactory(user=user, structure=StructureFactory(verified=True)).structure
    data = {name: getattr(structure, name) for name in services.SECTION_FIELDS["identite"]}
    same = services.structure_update_section(structure=structure, by=user, section="identite", data=data)
    assert same.is_verified and not same.back_to_pending
    changed = services.structure_update_section(
        structure=structure, by=user, section="identite", data={**data, "legal_form": LegalForm.EI}
    )
    assert changed.back_to_pending
    assert changed.verification_status == VerificationStatus.PENDING
    assert changed.category == "siae"
    assert changed.eligible_l2113_13


def test_a_stranger_cannot_update_a_profile():
    structure = StructureFactory()
    stranger = UserFactory()
    with pytest.raises(services.NotAllowed):
        services.structure_update_section(
            structure=structure,
            by=stranger,
            section="contact",
            data={"contact_name": "X", "contact_email": "", "contact_phone": ""},
        )


def test_archive_hides_from_the_directory_and_keeps_history(user):
    structure = MembershipFactory(user=user).structure
    member = MembershipFactory(structure=structure, role=Membership.Role.MEMBER)
    with pytest.raises(services.NotAllowed):
        services.structure_archive(structure=structure, by=member.user)
    services.structure_archive(structure=structure, by=user)
    structure.refresh_from_db()
    assert structure.archived_at is not None
    assert structure not in Structure.objects.listed()
    assert structure.memberships.count() == 2
    with pytest.raises(services.StructureError, match="déjà archivée"):
        services.structure_archive(structure=structure, by=user)
    staff = UserFactory(platform_staff=True)
    services.structure_restore(structure=structure, by=staff)
    assert Structure.objects.listed().filter(pk=structure.pk).exists()


def test_the_last_administrator_cannot_leave_be_removed_or_demoted(user):
    admin = MembershipFactory(user=user)
    member = MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    for action in (
        lambda: services.membership_remove(membership=admin, by=user),
        lambda: services.membership_change_role(membership=admin, role=Membership.Role.MEMBER, by=user),
    ):
        with pytest.raises(services.StructureError, match="au moins un administrateur"):
            action()
    with pytest.raises(services.NotAllowed):
        services.membership_change_role(membership=admin, role=Membership.Role.MEMBER, by=member.user)
    services.membership_change_role(membership=member, role=Membership.Role.ADMIN, by=user)
    services.membership_remove(membership=admin, by=user)  # someone else is administrator now: may leave
    assert list(admin.structure.memberships.values_list("user", flat=True)) == [member.user_id]


def test_a_member_may_leave_but_not_remove_others(user):
    admin = MembershipFactory()
    member = MembershipFactory(structure=admin.structure, user=user, role=Membership.Role.MEMBER)
    other = MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    with pytest.raises(services.NotAllowed):
        services.membership_remove(membership=other, by=user)
    services.membership_remove(membership=member, by=user)
    assert not Membership.objects.filter(pk=member.pk).exists()


def test_completeness_counts_what_is_filled_and_lists_what_is_missing():
    structure = StructureFactory(description="", postcode="", city="")
    bare = services.structure_completeness(structure)
    assert 0 < bare.percent < 20
    sections = [part["section"] for part in bare.missing]
    assert sections == [
        "identite",
        "contact",
        "activite",
        "capacite",
        "logo",
        "references",
        "labels",
        "photos",
        "offres",
    ]
    assert "Au moins une thématique" in bare.missing[2]["items"]

    structure = StructureFactory(
        address="3 rue de la Solidarité",
        website="https://exemple.fr",
        contact_name="Awa",
        contact_email="contact@exemple.fr",
        headcount="10-49",
        turnover="100k-500k",
        description="Collecte et réemploi des déchets de chantier, " * 4,
        references="Ville de Paris, 2023",
        logo="structures/logos/x.webp",
        topics=["accessibilite"],
        areas=["93"],
    )
    structure.sectors.set([1])
    full = services.structure_completeness(structure)
    # Every field is filled; what a profile proves (labels, photos, offers) is tested in test_completeness_proofs.py.
    assert [part["section"] for part in full.missing] == ["labels", "photos", "offres"]


def test_completeness_asks_insertion_capacity_from_siae_only():
    siae = StructureFactory(siae=True)
    siae.refresh_from_db()
    items = [item for part in services.structure_completeness(siae).missing for item in part["items"]]
    assert any("insertion" in item for item in items)
    association = StructureFactory()
    association.refresh_from_db()
    items = [item for part in services.structure_completeness(association).missing for item in part["items"]]
    assert not any("insertion" in item for item in items)


def test_personal_data_lists_memberships_and_requests(user):
    membership = MembershipFactory(user=user)
    other = StructureFactory(name="Coopérative du Canal")
    services.join_request_create(structure=other, user=user, message="Je suis la trésorière.")
    data = services.personal_data(user)
    assert data["structures"][0]["structure"] == membership.structure.name
    assert data["structures"][0]["role"] == "Administrateur"
    assert data["demandes_pour_rejoindre_une_structure"][0]["message"] == "Je suis la trésorière."
    assert data["inscription_en_cours"] is None


def test_personal_data_includes_the_unfinished_sign_up(user):
    from structures.models import StructureDraft

    StructureDraft.objects.create(user=user, data={"contact": {"contact_name": ["Inès Bah"]}}, current_step="contact")
    draft = services.personal_data(user)["inscription_en_cours"]
    assert draft["etapes"] == {"contact": {"contact_name": ["Inès Bah"]}}


def test_account_deletion_is_refused_for_the_last_admin_of_a_team(user):
    from accounts.services import AccountDeletionRefused, user_delete

    alone = MembershipFactory(user=user, structure=StructureFactory(name="Seule"))
    assert services.account_deletion_check(user) is None  # sole member: nobody is stranded
    team = MembershipFactory(user=user, structure=StructureFactory(name="Équipe Verte"))
    MembershipFactory(structure=team.structure, role=Membership.Role.MEMBER)
    message = services.account_deletion_check(user)
    assert "« Équipe Verte »" in message and "Seule" not in message
    with pytest.raises(AccountDeletionRefused):
        user_delete(user=user)
    MembershipFactory(structure=team.structure)  # a second administrator
    assert services.account_deletion_check(user) is None
    user_delete(user=user)
    assert not Membership.objects.filter(pk=alone.pk).exists()


def test_verify_and_reject_are_staff_only_and_email_the_members(django_capture_on_commit_callbacks):
    staff = UserFactory(platform_staff=True)
    admin = MembershipFactory(user=UserFactory(first_name="Inès"))
    member = MembershipFactory(structure=admin.structure, role=Membership.Role.MEMBER)
    structure = admin.structure
    with pytest.raises(services.NotAllowed):
        services.structure_verify(structure=structure, by=admin.user)
    buyer = UserFactory(is_staff=True)  # is_staff without the Les Canaux group: a buyer
    with pytest.raises(services.NotAllowed):
        services.structure_verify(structure=structure, by=buyer)

    with django_capture_on_commit_callbacks(execute=True):
        verified = services.structure_verify(structure=structure, by=staff)
    assert verified.is_verified and verified.verified_by == staff and verified.verified_at <= timezone.now()
    emails = OutboxEmail.objects.filter(kind="structure_verified")
    assert sorted(emails.values_list("to", flat=True)) == sorted([admin.user.email, member.user.email])
    email = emails.get(to=admin.user.email)
    assert "Bonjour Inès" in email.body_text
    assert "Structure vérifiée" in email.body_text
    assert f"/structures/{structure.slug}/" in email.body_text
    assert email.status == "sent"

    with pytest.raises(services.StructureError, match="motif"):
        services.structure_reject(structure=structure, by=staff, reason="  ")
    services.structure_reject(structure=structure, by=staff, reason="Le SIRET ne correspond pas au nom.")
    structure.refresh_from_db()
    assert structure.verification_status == VerificationStatus.REJECTED
    assert OutboxEmail.objects.filter(kind="structure_rejected").count() == 2  # every member is told why
    rejected = OutboxEmail.objects.get(kind="structure_rejected", to=member.user.email)
    assert "Le SIRET ne correspond pas au nom." in rejected.body_text
    assert "n'a pas été validée" in rejected.subject

    services.structure_request_review(structure=structure, by=admin.user)
    structure.refresh_from_db()
    assert structure.verification_status == VerificationStatus.PENDING
