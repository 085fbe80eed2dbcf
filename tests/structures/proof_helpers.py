"""Files and fixtures shared by the tests of what a profile proves (references, labels, photos, offers)."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from structures.models import Label

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
EXE_BYTES = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run"
)


def image_upload(name="photo.jpg", fmt="JPEG", size=(2400, 1600), exif=False):
    buffer = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "Appareil secret"  # Make
        data[0x8825] = {1: "N"}  # GPS
        kwargs["exif"] = data
    Image.new("RGB", size, (200, 90, 40)).save(buffer, format=fmt, **kwargs)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=f"image/{fmt.lower()}")


def pdf_upload(name="attestation.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def label(slug="qualiopi") -> Label:
    """A label seeded by migration 0012 (re-created if a transactional test flushed it)."""
    found = Label.objects.filter(slug=slug).first()
    return found or Label.objects.create(slug=slug, name=slug.replace("-", " ").title())
