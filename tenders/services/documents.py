"""Tender documents (the DCE): what a buyer may upload, and how it is stored.

- Allowed: PDF, ODT, DOCX, XLSX and ZIP, recognised by their CONTENT (magic bytes), not by the name the browser
  sends: a PDF starts with `%PDF-`; ODT, DOCX and XLSX are ZIP containers holding the member their format
  requires (`mimetype` = the ODF text type; `[Content_Types].xml` plus `word/document.xml` or `xl/workbook.xml`).
  The extension must agree with the content (an .exe renamed .pdf is refused).
- At most `settings.TENDER_DOCUMENT_MAX_BYTES` (20 MB by default).
- Stored as `tenders/<tender id>/<random hex>.<ext>`: the user's file name never reaches the file system.
- `TenderDocument.original_name` keeps a SANITISED version of the user's name, safe to put in a
  Content-Disposition header: no path, no control character (NUL included), none of `<>:"/\\|?*`, no leading dot,
  NFC-normalised, at most 120 characters, and always ending with the extension of the detected type.
"""

from __future__ import annotations

import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from tenders.models import Tender, TenderDocument


@dataclass(frozen=True)
class DocumentKind:
    extension: str
    content_type: str
    label: str


PDF = DocumentKind("pdf", "application/pdf", "PDF")
ODT = DocumentKind("odt", "application/vnd.oasis.opendocument.text", "ODT")
DOCX = DocumentKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX")
XLSX = DocumentKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX")
ZIP = DocumentKind("zip", "application/zip", "ZIP")
KINDS = {kind.extension: kind for kind in (PDF, ODT, DOCX, XLSX, ZIP)}
ACCEPT = ",".join(f".{ext}" for ext in KINDS)  # for <input type="file" accept="…">

MAX_NAME_LENGTH = 120
_FORBIDDEN_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')


def max_bytes() -> int:
    return settings.TENDER_DOCUMENT_MAX_BYTES


def _extension(name: str) -> str:
    return os.path.splitext(name or "")[1].lower().lstrip(".")


def detect_kind(file) -> DocumentKind | None:
    """The document kind the file's CONTENT is, or None. Leaves the file position at 0."""
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if not head.startswith(b"PK"):
        return None
    try:
        if not zipfile.is_zipfile(file):
            return None
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").strip() == ODT.content_type.encode():
                return ODT
            if "[Content_Types].xml" in names:
                if "word/document.xml" in names:
                    return DOCX
                if "xl/workbook.xml" in names:
                    return XLSX
            return ZIP
    except (zipfile.BadZipFile, OSError, EOFError, KeyError, RuntimeError, NotImplementedError):
        return None
    finally:
        file.seek(0)


def safe_original_name(name: str, kind: DocumentKind) -> str:
    """A display/download name derived from what the user sent, safe for Content-Disposition (see module doc)."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]  # no directories, Windows or POSIX
    name = _FORBIDDEN_CHARS.sub("", name)
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"})
    name = " ".join(name.split())
    stem = name
    for extension in KINDS:
        if name.lower().endswith(f".{extension}"):
            stem = name[: -len(extension) - 1]
            break
    stem = stem.strip(" .") or _("document")
    suffix = f".{kind.extension}"
    return stem[: MAX_NAME_LENGTH - len(suffix)].rstrip(" .") + suffix


def validate_document(file) -> DocumentKind:
    """Check size, content type and extension agreement. Returns the kind, or raises a French ValidationError."""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, os.SEEK_END)
        size = file.tell()
        file.seek(0)
    if size == 0:
        raise ValidationError(_("Le fichier est vide."), code="empty")
    if size > max_bytes():
        raise ValidationError(
            _("Le fichier pèse %(size)s ; la taille maximale est de %(max)s. Compressez-le ou découpez-le.")
            % {"size": filesizeformat(size), "max": filesizeformat(max_bytes())},
            code="too_large",
        )
    kind = detect_kind(file)
    allowed = ", ".join(k.label for k in KINDS.values())
    if kind is None:
        raise ValidationError(
            _("Ce fichier n'est pas un document accepté. Formats acceptés : %(formats)s.") % {"formats": allowed},
            code="invalid_type",
        )
    extension = _extension(getattr(file, "name", ""))
    # A .zip that happens to be a DOCX is fine; a .pdf that is a ZIP, or a .docx that is a PDF, is not.
    if extension != kind.extension and not (extension == "zip" and kind in (ODT, DOCX, XLSX)):
        raise ValidationError(
            _(
                "Le contenu de ce fichier ne correspond pas à son extension « .%(extension)s » (c'est un fichier "
                "%(kind)s). Renommez-le ou exportez-le à nouveau. Formats acceptés : %(formats)s."
            )
            % {"extension": extension or "?", "kind": kind.label, "formats": allowed},
            code="extension_mismatch",
        )
    return kind


@transaction.atomic
def document_add(*, tender: Tender, file, title: str = "", by=None) -> TenderDocument:
    """Validate and attach `file` to `tender` under a generated name. Raises ValidationError when refused."""
    kind = validate_document(file)
    original_name = safe_original_name(getattr(file, "name", ""), kind)
    file.seek(0)
    document = TenderDocument(
        tender=tender,
        title=(title or "").strip()[:200] or os.path.splitext(original_name)[0][:200],
        original_name=original_name,
        content_type=kind.content_type,
        size=file.size,
    )
    # upload_to (tenders.models.document_path) adds the tender's folder; the name is ours, not the user's.
    document.file.save(f"{uuid.uuid4().hex}.{kind.extension}", file, save=False)
    document.save()
    return document


@transaction.atomic
def document_delete(*, document: TenderDocument, by=None) -> None:
    """Remove the row now and the stored file once the transaction commits."""
    storage, name = document.file.storage, document.file.name
    document.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
