"""What a profile proves (issue 14): client references, labels, photos, offers — rules, bad input, permissions,
files, and the public profile in a fixed number of queries."""

import datetime
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from structures.models import ClientReference, Label, Offer, StructureLabel, StructurePhoto, VerificationStatus
from structures.services import NotAllowed, StructureError, proofs
from structures.validators import make_siret
from tests.accounts.factories import UserFactory
from tests.structures.factories import ListedStructureFactory, MembershipFactory
from tests.structures.proof_helpers import EXE_BYTES, image_upload, label, pdf_upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def member(media):
    return MembershipFactory(structure=ListedStructureFactory(name="Les Jardins du Canal"))


@pytest.fixture
def signed_in(client, member):
    client.force_login(member.user)
    return client


def proofs_url(member, kind):
    return reverse("structures_space:proofs", args=[member.structure.slug, kind])


# --- The seeded list of labels -----------------------------------------------------------------------------------


def test_the_labels_list_is_seeded_by_the_migration():
    slugs = set(Label.objects.values_list("slug", flat=True))
    assert {"esus", "rge", "qualiopi", "ecocert", "entreprise-inclusive", "iso-14001", "lucie-26000"} <= slugs
    assert Label.objects.get(slug="commerce-equitable").name == "Commerce équitable"


# --- Client references ---------------------------------------------------------------------------------------------


def test_a_member_adds_references_and_they_come_newest_first(signed_in, member):
    for client_name, year in (("Ville de Montreuil", 2021), ("SOLIDEO", 2024), ("Paris 2024", 2023)):
        response = signed_in.post(
            proofs_url(member, "references"),
            {
                "client": client_name,
                "year": year,
                "description": "Entretien des espaces verts.",
                "amount_band": "lt40k",
            },
        )
        assert response.status_code == 302
    assert [r.client for r in member.structure.client_references.all()] == [
        "SOLIDEO",
        "Paris 2024",
        "Ville de Montreuil",
    ]
    page = signed_in.get(reverse("structures:detail", args=[member.structure.slug])).content.decode()
    assert page.index("SOLIDEO") < page.index("Paris 2024") < page.index("Ville de Montreuil")
    assert "Moins de 40 000 €" in page


def test_a_reference_year_in_the_future_is_refused_in_french_and_what_was_typed_stays(signed_in, member):
    next_year = timezone.localdate().year + 1
    response = signed_in.post(
        proofs_url(member, "references"),
        {"client": "Ville de Saint-Denis", "year": next_year, "description": "Repas pour 300 personnes."},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "L&#x27;année doit être comprise entre 1950 et" in body
    assert 'value="Ville de Saint-Denis"' in body and "Repas pour 300 personnes." in body
    assert not ClientReference.objects.exists()


def test_a_missing_client_is_explained(signed_in, member):
    response = signed_in.post(proofs_url(member, "references"), {"client": "", "year": 2023, "description": "x"})
    assert "Indiquez le nom du client." in response.content.decode()
    assert not ClientReference.objects.exists()


def test_a_client_logo_is_re_encoded_small_and_without_metadata(member):
    reference = proofs.reference_save(
        structure=member.structure,
        by=member.user,
        client="Plaine Commune",
        year=2022,
        description="Collecte des biodéchets.",
        client_logo=image_upload("logo client.jpg", exif=True),
    )
    assert reference.client_logo.name.startswith(f"structures/references/{member.structure.pk}/")
    assert "logo client" not in reference.client_logo.name
    with Image.open(reference.client_logo.path) as stored:
        assert stored.format == "WEBP"
        assert max(stored.size) == proofs.CLIENT_LOGO_MAX_SIDE
        assert not stored.getexif()


def test_a_client_logo_that_is_not_an_image_is_refused_and_nothing_is_saved(signed_in, member):
    response = signed_in.post(
        proofs_url(member, "references"),
        {
            "client": "Est Ensemble",
            "year": 2023,
            "description": "Réemploi de mobilier.",
            "client_logo_upload": SimpleUploadedFile("logo.png", EXE_BYTES),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "pas une image lisible" in body
    assert 'value="Est Ensemble"' in body
    assert not ClientReference.objects.exists()


def test_changing_a_reference_replaces_its_logo_and_deletes_the_old_file(member, django_capture_on_commit_callbacks):
    reference = proofs.reference_save(
        structure=member.structure, by=member.user, client="A", year=2020, description="B", client_logo=image_upload()
    )
    old_path = reference.client_logo.path
    with django_capture_on_commit_callbacks(execute=True):
        proofs.reference_save(
            structure=member.structure,
            by=member.user,
            client="A",
            year=2021,
            description="B",
            remove_client_logo=True,
            reference=reference,
        )
    reference.refresh_from_db()
    assert not reference.client_logo
    assert reference.year == 2021
    assert not os.path.exists(old_path)


# --- Labels --------------------------------------------------------------------------------------------------------


def test_a_label_with_a_pdf_is_stored_under_a_random_name_and_downloaded_as_an_attachment(signed_in, member, client):
    qualiopi = label("qualiopi")
    response = signed_in.post(
        proofs_url(member, "labels"),
        {
            "label": qualiopi.pk,
            "expires_on": "2030-06-30",
            "document_upload": pdf_upload("../../Certificat Qualiopi.pdf"),
        },
    )
    assert response.status_code == 302
    item = StructureLabel.objects.get(structure=member.structure)
    assert item.expires_on == datetime.date(2030, 6, 30)
    assert item.document.name.startswith(f"structures/labels/{member.structure.pk}/")
    assert "Certificat" not in item.document.name
    assert item.document_name == "Certificat Qualiopi.pdf"
    client.logout()
    download = client.get(reverse("structures:label_document", args=[member.structure.slug, item.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")


def test_a_label_document_that_is_an_executable_is_refused_in_french(signed_in, member):
    response = signed_in.post(
        proofs_url(member, "labels"),
        {
            "label": label("rge").pk,
            "expires_on": "2030-01-01",
            "document_upload": SimpleUploadedFile("rge.pdf", EXE_BYTES),
        },
    )
    body = response.content.decode()
    assert "Le justificatif doit être un PDF ou une image PNG, JPEG ou WebP." in body
    assert 'value="2030-01-01"' in body  # the date typed is still there
    assert not StructureLabel.objects.exists()


def test_a_label_document_over_the_limit_is_refused(member, settings):
    settings.STRUCTURE_LABEL_DOCUMENT_MAX_BYTES = 100
    with pytest.raises(StructureError, match="taille maximale"):
        proofs.label_save(structure=member.structure, by=member.user, label=label("rge"), document=pdf_upload())
    assert not StructureLabel.objects.exists()


def test_an_image_document_is_re_encoded(member):
    item = proofs.label_save(
        structure=member.structure,
        by=member.user,
        label=label("ecocert"),
        document=image_upload("scan.jpg", exif=True),
    )
    assert item.document.name.endswith(".webp") and item.document_name == "scan.webp"
    with Image.open(item.document.path) as stored:
        assert stored.format == "WEBP" and not stored.getexif()


def test_the_same_label_twice_is_refused_and_an_inactive_label_is_not_offered(member):
    esus = label("esus")
    proofs.label_save(structure=member.structure, by=member.user, label=esus)
    with pytest.raises(StructureError, match="figure déjà"):
        proofs.label_save(structure=member.structure, by=member.user, label=esus)
    retired = Label.objects.create(slug="ancien", name="Ancien label", is_active=False)
    with pytest.raises(StructureError, match="n'est plus proposé"):
        proofs.label_save(structure=member.structure, by=member.user, label=retired)
    from structures.forms_proofs import StructureLabelForm

    choices = StructureLabelForm(structure=member.structure).fields["label"].queryset
    assert retired not in choices and esus not in choices and label("rge") in choices


def test_an_expired_label_shows_as_expired_on_the_profile(client, member):
    proofs.label_save(
        structure=member.structure,
        by=member.user,
        label=label("iso-14001"),
        expires_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    proofs.label_save(
        structure=member.structure, by=member.user, label=label("rge"), expires_on=datetime.date(2099, 1, 1)
    )
    body = client.get(reverse("structures:detail", args=[member.structure.slug])).content.decode()
    assert body.count("Expiré") == 1
    assert "Valable jusqu&#x27;au 1 janvier 2099" in body or "Valable jusqu'au 1 janvier 2099" in body


def test_a_label_document_of_a_refused_structure_is_not_public(client, member):
    item = proofs.label_save(structure=member.structure, by=member.user, label=label("rge"), document=pdf_upload())
    member.structure.verification_status = VerificationStatus.REJECTED
    member.structure.rejection_reason = "SIRET inconnu."
    member.structure.save()
    assert client.get(reverse("structures:label_document", args=[member.structure.slug, item.pk])).status_code == 404
    client.force_login(member.user)  # its members still see their own document
    assert client.get(reverse("structures:label_document", args=[member.structure.slug, item.pk])).status_code == 200


# --- Photos --------------------------------------------------------------------------------------------------------


def test_photos_are_re_encoded_without_metadata(member):
    photo = proofs.photo_add(
        structure=member.structure, by=member.user, image=image_upload(exif=True), alt_text="  L'atelier   de tri  "
    )
    assert photo.alt_text == "L'atelier de tri"
    with Image.open(photo.image.path) as stored:
        assert stored.format == "WEBP"
        assert max(stored.size) == proofs.PHOTO_MAX_SIDE
        assert not stored.getexif()


def test_the_seventh_photo_is_refused_with_a_clear_message(signed_in, member):
    for number in range(6):
        proofs.photo_add(
            structure=member.structure, by=member.user, image=image_upload(size=(60, 40)), alt_text=f"Photo {number}"
        )
    with pytest.raises(StructureError, match="déjà 6 photos, le maximum"):
        proofs.photo_add(structure=member.structure, by=member.user, image=image_upload(), alt_text="Une de trop")
    page = signed_in.get(proofs_url(member, "photos")).content.decode()
    assert "déjà 6 photos, le maximum" in page and 'name="image_upload"' not in page
    response = signed_in.post(
        proofs_url(member, "photos"), {"alt_text": "Une de trop", "image_upload": image_upload(size=(60, 40))}
    )
    body = response.content.decode()
    assert "déjà 6 photos, le maximum" in body and 'value="Une de trop"' in body
    assert StructurePhoto.objects.filter(structure=member.structure).count() == 6


def test_a_photo_without_a_description_is_refused(signed_in, member):
    response = signed_in.post(proofs_url(member, "photos"), {"alt_text": "  ", "image_upload": image_upload()})
    assert "Décrivez la photo en une phrase" in response.content.decode()
    assert not StructurePhoto.objects.exists()
    with pytest.raises(StructureError, match="texte alternatif"):
        proofs.photo_add(structure=member.structure, by=member.user, image=image_upload(), alt_text="")


def test_photos_are_reordered(signed_in, member):
    first, second, third = (
        proofs.photo_add(structure=member.structure, by=member.user, image=image_upload(size=(30, 20)), alt_text=name)
        for name in ("Un", "Deux", "Trois")
    )
    url = reverse("structures_space:photo_move", args=[member.structure.slug, third.pk])
    assert signed_in.post(url, {"direction": "up"}).status_code == 302
    assert [p.alt_text for p in member.structure.photos.all()] == ["Un", "Trois", "Deux"]
    proofs.photo_move(photo=StructurePhoto.objects.get(pk=first.pk), by=member.user, direction="up")  # already first
    assert [p.alt_text for p in member.structure.photos.all()] == ["Un", "Trois", "Deux"]


# --- Offers --------------------------------------------------------------------------------------------------------


def test_offers_are_saved_and_a_title_too_long_is_explained(signed_in, member):
    response = signed_in.post(proofs_url(member, "offres"), {"title": "T" * 121, "description": "Une offre."})
    assert "120 caractères au plus (vous en avez saisi 121)" in response.content.decode()
    assert not Offer.objects.exists()
    signed_in.post(
        proofs_url(member, "offres"), {"title": "Traiteur solidaire", "description": "Repas bio et locaux."}
    )
    signed_in.post(proofs_url(member, "offres"), {"title": "Conciergerie", "description": "Pressing, retouches."})
    assert [o.title for o in member.structure.offers.all()] == ["Traiteur solidaire", "Conciergerie"]
    offer = member.structure.offers.first()
    edit = reverse("structures_space:proof_edit", args=[member.structure.slug, "offres", offer.pk])
    assert signed_in.post(edit, {"title": "Traiteur", "description": "Repas."}).status_code == 302
    offer.refresh_from_db()
    assert offer.title == "Traiteur"


def test_deleting_removes_the_item_and_its_file(signed_in, member, django_capture_on_commit_callbacks):
    photo = proofs.photo_add(structure=member.structure, by=member.user, image=image_upload(), alt_text="Le jardin")
    path = photo.image.path
    url = reverse("structures_space:proof_delete", args=[member.structure.slug, "photos", photo.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(url)
    assert response.status_code == 302
    assert not StructurePhoto.objects.exists()
    assert not os.path.exists(path)


# --- Permissions ---------------------------------------------------------------------------------------------------


def test_a_member_of_another_structure_can_neither_see_nor_edit(client, member):
    reference = proofs.reference_save(
        structure=member.structure, by=member.user, client="Ville de Paris", year=2022, description="Nettoyage."
    )
    outsider = MembershipFactory()
    client.force_login(outsider.user)
    slug = member.structure.slug
    assert client.get(proofs_url(member, "references")).status_code == 404
    assert client.post(proofs_url(member, "offres"), {"title": "Pris", "description": "Par B"}).status_code == 404
    edit = reverse("structures_space:proof_edit", args=[slug, "references", reference.pk])
    assert client.post(edit, {"client": "Pris par B", "year": 2022, "description": "x"}).status_code == 404
    delete = reverse("structures_space:proof_delete", args=[slug, "references", reference.pk])
    assert client.post(delete).status_code == 404
    # Its own structure's URL with A's item id: still a 404.
    own = reverse("structures_space:proof_edit", args=[outsider.structure.slug, "references", reference.pk])
    assert client.get(own).status_code == 404
    reference.refresh_from_db()
    assert reference.client == "Ville de Paris"
    assert not Offer.objects.exists()


def test_the_services_refuse_a_non_member_and_an_archived_structure(member):
    stranger = UserFactory()
    with pytest.raises(NotAllowed):
        proofs.offer_save(structure=member.structure, by=stranger, title="Offre", description="Texte")
    member.structure.archived_at = timezone.now()
    member.structure.save()
    with pytest.raises(StructureError, match="archivée"):
        proofs.offer_save(structure=member.structure, by=member.user, title="Offre", description="Texte")
    assert not Offer.objects.exists()


def test_an_unknown_kind_is_a_404(signed_in, member):
    assert signed_in.get(proofs_url(member, "trophees")).status_code == 404


# --- The public profile --------------------------------------------------------------------------------------------


def _fill(structure, user, count):
    for number in range(count):
        proofs.reference_save(
            structure=structure, by=user, client=f"Client {number}", year=2020 + number % 5, description="Fait."
        )
        proofs.offer_save(structure=structure, by=user, title=f"Offre {number}", description="Texte.")
        StructurePhoto.objects.create(structure=structure, image=f"x{number}.webp", alt_text=f"Photo {number}")
    for slug in ["esus", "rge", "qualiopi", "ecocert"][:count]:
        proofs.label_save(structure=structure, by=user, label=label(slug), document=pdf_upload())


def test_the_public_profile_shows_every_proof_in_a_fixed_number_of_queries(
    client, member, django_assert_max_num_queries, django_assert_num_queries
):
    small = MembershipFactory(structure=ListedStructureFactory())
    _fill(small.structure, small.user, 1)
    _fill(member.structure, member.user, 4)
    url_small = reverse("structures:detail", args=[small.structure.slug])
    url_big = reverse("structures:detail", args=[member.structure.slug])
    client.get(url_small)  # warm the caches (content types, sessions…)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small_queries:
        client.get(url_small)
    # The structure, topics, sectors, areas, the four proofs, the sites (geo), and ATOMIC_REQUESTS savepoints.
    with django_assert_max_num_queries(12):
        response = client.get(url_big)
    with django_assert_num_queries(len(small_queries)):
        client.get(url_big)
    body = response.content.decode()
    for text in ("Client 3", "Offre 3", 'alt="Photo 3"', "Ecocert", "Capacités", "Télécharger le justificatif"):
        assert text in body


def test_the_references_typed_in_the_wizard_show_on_both_profiles(client, user):
    from structures import services

    structure = services.structure_create(
        user=user,
        siret=make_siret(7777),
        name="La Coop du Canal",
        legal_form="scic",
        references="Ville de Pantin, entretien des berges, 2023\nSOLIDEO, tri des déchets, 2022",
        description="Une coopérative.",
    )
    public = client.get(reverse("structures:detail", args=[structure.slug])).content.decode()
    assert "Ville de Pantin, entretien des berges, 2023" in public
    client.force_login(user)
    space = client.get(reverse("structures_space:detail", args=[structure.slug])).content.decode()
    assert "SOLIDEO, tri des déchets, 2022" in space
    listing = client.get(reverse("structures_space:proofs", args=[structure.slug, "references"])).content.decode()
    assert "Ville de Pantin, entretien des berges, 2023" in listing


def test_staff_see_the_proofs_on_the_structure_admin_page_and_keep_the_labels_list(client, member):
    proofs.reference_save(structure=member.structure, by=member.user, client="RATP", year=2023, description="Fait.")
    proofs.label_save(structure=member.structure, by=member.user, label=label("rge"), document=pdf_upload())
    staff = UserFactory(platform_staff=True)
    client.force_login(staff)
    page = client.get(reverse("admin:structures_structure_change", args=[member.structure.pk])).content.decode()
    assert "RATP" in page and "attestation.pdf" in page
    added = client.post(
        reverse("admin:structures_label_add"),
        {"name": "Label Emploi Handicap", "slug": "emploi-handicap", "description": "", "url": "", "is_active": "on"},
    )
    assert added.status_code == 302
    assert Label.objects.filter(slug="emploi-handicap", is_active=True).exists()
    assert "RGE" in client.get(reverse("admin:structures_label_changelist")).content.decode()


def test_the_profile_with_proofs_renders_in_english(client, member):
    _fill(member.structure, member.user, 2)
    response = client.get(f"/en/structures/{member.structure.slug}/")
    assert response.status_code == 200
    assert "Client 1" in response.content.decode()
