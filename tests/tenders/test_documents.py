import os

import pytest
from django.core.exceptions import ValidationError

from tenders.models import TenderDocument
from tenders.services.documents import KINDS, document_add, document_delete, safe_original_name, validate_document
from tests.tenders.factories import TenderFactory
from tests.tenders.helpers import (
    BY_EXTENSION,
    DOCX_BYTES,
    EXE_BYTES,
    PDF_BYTES,
    ZIP_BYTES,
    reference_data,  # noqa: F401  (fixture)
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

SAFE_NAME_FORBIDDEN = set('<>:"/\\|?*') | {chr(c) for c in range(32)} | {"\x7f"}


@pytest.mark.parametrize("extension", ["pdf", "odt", "docx", "xlsx", "zip"])
def test_each_accepted_kind_is_recognised_by_its_content(extension):
    tender = TenderFactory()
    document = document_add(tender=tender, file=upload(f"Règlement.{extension}", BY_EXTENSION[extension]), title="")
    assert document.content_type == KINDS[extension].content_type
    assert document.original_name == f"Règlement.{extension}"
    assert document.title == "Règlement"
    assert document.size == len(BY_EXTENSION[extension])
    # Stored under a generated name in the tender's folder, never the user's name.
    folder, stored = os.path.split(document.file.name)
    assert folder == f"tenders/{tender.pk}"
    assert stored.endswith(f".{extension}") and "Règlement" not in stored and len(stored) == 32 + 1 + len(extension)
    with document.file.open("rb") as handle:
        assert handle.read() == BY_EXTENSION[extension]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("facture.pdf", EXE_BYTES),  # an executable renamed .pdf
        ("setup.exe", EXE_BYTES),
        ("notes.txt", b"juste du texte"),
        ("page.html", b"<html><script>alert(1)</script></html>"),
        ("image.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("faux.zip", b"PK\x03\x04 not really a zip"),
        ("faux.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_wrong_types_are_refused(name, content):
    tender = TenderFactory()
    with pytest.raises(ValidationError) as error:
        document_add(tender=tender, file=upload(name, content))
    assert error.value.code == "invalid_type"
    assert "Formats acceptés : PDF, ODT, DOCX, XLSX, ZIP" in error.value.messages[0]
    assert not TenderDocument.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("contrat.pdf", DOCX_BYTES),  # a DOCX named .pdf
        ("contrat.docx", PDF_BYTES),  # a PDF named .docx
        ("archive.xlsx", ZIP_BYTES),  # a plain ZIP named .xlsx
        ("sans-extension", PDF_BYTES),
    ],
)
def test_content_and_extension_must_agree(name, content):
    with pytest.raises(ValidationError) as error:
        validate_document(upload(name, content))
    assert error.value.code == "extension_mismatch"


def test_an_office_file_named_zip_is_accepted_as_what_it_is():
    assert validate_document(upload("dossier.zip", DOCX_BYTES)).extension == "docx"


def test_too_large_is_refused(settings):
    settings.TENDER_DOCUMENT_MAX_BYTES = len(PDF_BYTES) - 1
    with pytest.raises(ValidationError) as error:
        document_add(tender=TenderFactory(), file=upload("gros.pdf", PDF_BYTES))
    assert error.value.code == "too_large"
    assert "taille maximale" in error.value.messages[0]
    settings.TENDER_DOCUMENT_MAX_BYTES = len(PDF_BYTES)
    assert document_add(tender=TenderFactory(), file=upload("juste.pdf", PDF_BYTES))


def test_default_limit_is_20_megabytes(settings):
    from ess2024 import settings as base

    assert base.TENDER_DOCUMENT_MAX_BYTES == 20 * 1024 * 1024


def test_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        validate_document(upload("vide.pdf", b""))
    assert error.value.code == "empty"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("../../etc/passwd", "passwd.pdf"),
        ("..\\..\\Windows\\system32\\cmd.pdf", "cmd.pdf"),
        ("<script>alert(1)</script>.pdf", "script.pdf"),  # "/" starts a path: only its end is kept
        ("<script>.pdf", "script.pdf"),
        ('rapport"; filename="autre.exe.pdf', "rapport; filename=autre.exe.pdf"),
        ("nul\x00byte.pdf", "nulbyte.pdf"),
        ("retour\r\nligne.pdf", "retourligne.pdf"),
        (
            "Cahier des clauses — Lot n°2 (version définitive).pdf",
            "Cahier des clauses — Lot n°2 (version définitive).pdf",
        ),
        ("Re\u0300glement.pdf", "Règlement.pdf"),  # decomposed accents are recomposed (NFC)
        ("\u202egnp.pdf", "gnp.pdf"),  # right-to-left override removed
        (".htaccess", "htaccess.pdf"),
        ("...", "document.pdf"),
        ("", "document.pdf"),
        ("   .pdf", "document.pdf"),
        ("rapport.PDF", "rapport.pdf"),
        ("photo.jpg", "photo.jpg.pdf"),
    ],
)
def test_hostile_names_are_made_safe(name, expected):
    assert safe_original_name(name, KINDS["pdf"]) == expected


def test_very_long_names_are_cut_keeping_the_extension():
    name = safe_original_name("é" * 500 + ".pdf", KINDS["pdf"])
    assert len(name) == 120 and name.endswith("é.pdf")


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.pdf",
        "<script>.pdf",
        "a" * 300 + ".pdf",
        "ünï©ødé ✓ 文件.pdf",
        "nul\x00.pdf",
        "\\\\srv\\x.pdf",
    ],
)
def test_hostile_names_through_the_service(name):
    tender = TenderFactory()
    document = document_add(tender=tender, file=upload(name, PDF_BYTES), title="")
    assert not (set(document.original_name) & SAFE_NAME_FORBIDDEN)
    assert not document.original_name.startswith(".")
    assert len(document.original_name) <= 120
    assert document.original_name.endswith(".pdf")
    assert document.file.name.startswith(f"tenders/{tender.pk}/")
    assert ".." not in document.file.name and "<" not in document.file.name
    assert document.title and len(document.title) <= 200


def test_a_path_without_extension_is_refused_not_written_anywhere():
    with pytest.raises(ValidationError) as error:
        document_add(tender=TenderFactory(), file=upload("../../etc/passwd", PDF_BYTES))
    assert error.value.code == "extension_mismatch"
    assert not TenderDocument.objects.exists()


def test_delete_removes_the_file_once_committed(django_capture_on_commit_callbacks):
    document = document_add(tender=TenderFactory(), file=upload("a.pdf", PDF_BYTES))
    storage, name = document.file.storage, document.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(document=document)
    assert not storage.exists(name)
    assert not TenderDocument.objects.exists()
