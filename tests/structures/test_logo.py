import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from structures import services
from tests.structures.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def image_file(fmt="PNG", size=(1200, 800), name=None, mode="RGB", exif=False):
    buffer = io.BytesIO()
    image = Image.new(mode, size, (30, 120, 80) if mode == "RGB" else (30, 120, 80, 128))
    kwargs = {}
    if exif:
        exif_data = Image.Exif()
        exif_data[0x010F] = "Appareil secret"  # Make
        kwargs["exif"] = exif_data
    image.save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name or f"logo.{fmt.lower()}", buffer.getvalue(), content_type=f"image/{fmt.lower()}")


@pytest.fixture
def admin(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return MembershipFactory()


def test_a_png_is_re_encoded_as_small_webp_without_metadata(admin):
    structure = services.structure_set_logo(
        structure=admin.structure, by=admin.user, upload=image_file("JPEG", (2000, 1000), exif=True)
    )
    assert structure.logo.name.endswith(".webp")
    with Image.open(structure.logo.path) as stored:
        assert stored.format == "WEBP"
        assert stored.size == (512, 256)
        assert not stored.getexif()
        assert "exif" not in stored.info


def test_transparency_is_kept(admin):
    structure = services.structure_set_logo(
        structure=admin.structure, by=admin.user, upload=image_file("PNG", (300, 300), mode="RGBA")
    )
    with Image.open(structure.logo.path) as stored:
        assert stored.mode == "RGBA"
        assert stored.size == (300, 300)


def test_a_gif_is_refused_whatever_its_name(admin):
    with pytest.raises(services.LogoError, match="PNG, JPEG ou WebP .*GIF"):
        services.structure_set_logo(
            structure=admin.structure, by=admin.user, upload=image_file("GIF", name="logo.png")
        )


def test_a_text_file_named_png_is_refused(admin):
    upload = SimpleUploadedFile("logo.png", b"<script>alert(1)</script>", content_type="image/png")
    with pytest.raises(services.LogoError, match="pas une image lisible"):
        services.structure_set_logo(structure=admin.structure, by=admin.user, upload=upload)


def test_a_truncated_image_is_refused(admin):
    data = image_file("PNG").read()
    upload = SimpleUploadedFile("logo.png", data[: len(data) // 2], content_type="image/png")
    with pytest.raises(services.LogoError, match="pas une image lisible"):
        services.structure_set_logo(structure=admin.structure, by=admin.user, upload=upload)


def test_a_file_over_2_mb_is_refused(admin):
    upload = SimpleUploadedFile("logo.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024), content_type="image/png")
    with pytest.raises(services.LogoError, match="limite est de 2 Mo"):
        services.structure_set_logo(structure=admin.structure, by=admin.user, upload=upload)


def test_a_huge_canvas_is_refused(admin):
    # 7000 × 7000 pixels compresses to a few kilobytes but would take ~150 MB to decode.
    with pytest.raises(services.LogoError, match="trop grande"):
        services.structure_set_logo(structure=admin.structure, by=admin.user, upload=image_file("PNG", (7000, 7000)))


def test_logo_upload_over_http(client, admin):
    client.force_login(admin.user)
    url = reverse("structures_space:edit", args=[admin.structure.slug, "logo"])
    response = client.post(url, {"logo": image_file("GIF", name="logo.png")})
    assert response.status_code == 200
    assert "Le logo doit être une image PNG, JPEG ou WebP" in response.content.decode()
    assert 'id="id_logo_error"' in response.content.decode()
    response = client.post(url, {"logo": image_file("PNG")})
    assert response.status_code == 302
    admin.structure.refresh_from_db()
    first = admin.structure.logo.name
    assert first.endswith(".webp")
    client.post(url, {"logo": image_file("WEBP")})
    admin.structure.refresh_from_db()
    assert admin.structure.logo.name.endswith(".webp")
    client.post(url, {"remove": "1"})
    admin.structure.refresh_from_db()
    assert not admin.structure.logo
