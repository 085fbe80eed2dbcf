"""What a profile proves (issue 14): client references, labels and certifications, photos, offers.

Every write checks who acts (`perms.can_edit`: the structure's members and Les Canaux staff), locks the structure row
(so that two uploads at once cannot make a 7th photo), refuses an archived structure, and raises a `ProofError` whose
French message can be shown as is. Uploaded files never keep the user's file name:

- images (photos, a client's logo, the image of a label's document) are checked with Pillow and re-encoded as WebP
  without metadata (`structures.services.logo.image_reencode`), under a random name;
- a label's document is a PDF (recognised by its content, `%PDF-`) or an image; it is stored under
  `structures/labels/<structure id>/<random hex>.<ext>` like tender documents, with a sanitised display name, and
  served as an attachment by `structures.views_proofs.label_document`.

A replaced or deleted file is removed from the storage once the transaction commits.
"""

from __future__ import annotations

import datetime
import os
import re
import unicodedata
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts.models import User
from structures import perms
from structures.models import AmountBand, ClientReference, Label, Offer, Structure, StructureLabel, StructurePhoto
from structures.services.common import _lock
from structures.services.errors import NotAllowed, ProofError, StructureError
from structures.services.logo import image_reencode

PHOTOS_MAX = 6
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 1600
CLIENT_LOGO_MAX_BYTES = 2 * 1024 * 1024
CLIENT_LOGO_MAX_SIDE = 256
LABEL_DOCUMENT_IMAGE_MAX_SIDE = 2400
REFERENCE_FIRST_YEAR = 1950
ALT_TEXT_MAX = 250
DOCUMENT_NAME_MAX = 120
_FORBIDDEN_CHARS = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*;,%]')


def label_document_max_bytes() -> int:
    return getattr(settings, "STRUCTURE_LABEL_DOCUMENT_MAX_BYTES", 5 * 1024 * 1024)


def _editable(structure: Structure, by: User) -> Structure:
    """The locked structure row, if `by` may edit it and it is not archived."""
    if not perms.can_edit(by, structure):
        raise NotAllowed()
    locked = _lock(structure)
    if locked.archived_at is not None:
        raise StructureError(
            _("Cette structure est archivée : son profil ne peut plus être modifié."), code="archived"
        )
    return locked


def _delete_on_commit(field_file) -> None:
    name = field_file.name if field_file else ""
    if name:
        storage = field_file.storage
        transaction.on_commit(lambda: storage.delete(name))


def _random_name(extension: str) -> str:
    return f"{uuid.uuid4().hex}.{extension}"


def _next_position(queryset) -> int:
    return (queryset.aggregate(top=Max("position"))["top"] or 0) + 1


# --- Client references ------------------------------------------------------------------------------------------


def reference_year_bounds() -> tuple[int, int]:
    """A reference is past (or current) work: from 1950 to this year."""
    return REFERENCE_FIRST_YEAR, timezone.localdate().year


def client_logo_reencode(upload) -> ContentFile:
    return image_reencode(
        upload,
        max_side=CLIENT_LOGO_MAX_SIDE,
        max_bytes=CLIENT_LOGO_MAX_BYTES,
        too_big=_("Le logo du client pèse %(size)s Mo : la limite est de 2 Mo. Réduisez l'image puis réessayez."),
        unreadable=_("Ce fichier n'est pas une image lisible. Envoyez le logo du client en PNG, JPEG ou WebP."),
        bad_format=_("Le logo du client doit être une image PNG, JPEG ou WebP (ce fichier est au format %(format)s)."),
        error=ProofError,
    )


@transaction.atomic
def reference_save(
    *,
    structure: Structure,
    by: User,
    client: str,
    year: int,
    description: str,
    amount_band: str = "",
    client_logo=None,
    remove_client_logo: bool = False,
    reference: ClientReference | None = None,
) -> ClientReference:
    """Add a client reference (`reference=None`) or change one. `client_logo` is an upload, re-encoded."""
    locked = _editable(structure, by)
    if reference is not None and reference.structure_id != locked.pk:
        raise NotAllowed()
    client, description = (client or "").strip(), (description or "").strip()
    if not client:
        raise ProofError(_("Indiquez le nom du client."), code="required")
    if not description:
        raise ProofError(_("Dites en quelques mots ce qui a été fait pour ce client."), code="required")
    first, last = reference_year_bounds()
    if year is None or not first <= int(year) <= last:
        raise ProofError(
            _("L'année doit être comprise entre %(first)s et %(last)s.") % {"first": first, "last": last},
            code="invalid_year",
        )
    if amount_band not in AmountBand.values:
        raise ProofError(_("Choisissez une tranche de montant dans la liste."), code="invalid_amount")
    content = client_logo_reencode(client_logo) if client_logo else None
    item = reference or ClientReference(structure=locked)
    item.client, item.year, item.description, item.amount_band = client, int(year), description, amount_band
    if content is not None or remove_client_logo:
        _delete_on_commit(item.client_logo)
        item.client_logo = ""
    if content is not None:
        item.client_logo.save(_random_name("webp"), content, save=False)
    item.save()
    return item


# --- Labels and certifications ----------------------------------------------------------------------------------


def _document_display_name(name: str, extension: str) -> str:
    """A display/download name from what the user sent: no path, no control or unsafe character, our extension."""
    name = unicodedata.normalize("NFC", str(name or "")).replace("\\", "/").rsplit("/", 1)[-1]
    name = _FORBIDDEN_CHARS.sub("", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    stem = " ".join(os.path.splitext(name)[0].split()).strip(" .") or _("justificatif")
    suffix = f".{extension}"
    return stem[: DOCUMENT_NAME_MAX - len(suffix)].rstrip(" .") + suffix


def label_document_prepare(upload) -> tuple[ContentFile, str, str, str]:
    """Check a label's document: (content, extension, content type, display name), or a French ProofError.

    A PDF is recognised by its content (`%PDF-`), whatever its name says, and kept as is; an image (PNG, JPEG,
    WebP) is re-encoded as WebP without metadata; anything else is refused.
    """
    limit = label_document_max_bytes()
    size = upload.size
    if not size:
        raise ProofError(_("Le fichier est vide."), code="empty")
    if size > limit:
        raise ProofError(
            _("Le justificatif pèse %(size)s ; la taille maximale est de %(max)s. Compressez-le puis réessayez.")
            % {"size": filesizeformat(size), "max": filesizeformat(limit)},
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    name = getattr(upload, "name", "")
    if head == b"%PDF-":
        content = ContentFile(upload.read())
        return content, "pdf", "application/pdf", _document_display_name(name, "pdf")
    unreadable = _("Le justificatif doit être un PDF ou une image PNG, JPEG ou WebP.")
    content = image_reencode(
        upload,
        max_side=LABEL_DOCUMENT_IMAGE_MAX_SIDE,
        max_bytes=limit,
        too_big=_("Le justificatif pèse %(size)s Mo : réduisez-le puis réessayez."),
        unreadable=unreadable,
        bad_format=unreadable,
        error=ProofError,
    )
    return content, "webp", "image/webp", _document_display_name(name, "webp")


@transaction.atomic
def label_save(
    *,
    structure: Structure,
    by: User,
    label: Label,
    expires_on: datetime.date | None = None,
    document=None,
    remove_document: bool = False,
    structure_label: StructureLabel | None = None,
) -> StructureLabel:
    """Add a label to the structure (`structure_label=None`) or change its expiry date and document."""
    locked = _editable(structure, by)
    if structure_label is not None and structure_label.structure_id != locked.pk:
        raise NotAllowed()
    adding_or_changing = structure_label is None or structure_label.label_id != label.pk
    if adding_or_changing and not label.is_active:
        raise ProofError(_("Ce label n'est plus proposé : choisissez-en un autre dans la liste."), code="inactive")
    duplicate = StructureLabel.objects.filter(structure=locked, label=label)
    if structure_label is not None:
        duplicate = duplicate.exclude(pk=structure_label.pk)
    if duplicate.exists():
        raise ProofError(
            _("« %(label)s » figure déjà parmi les labels de la structure : modifiez-le plutôt.") % {"label": label},
            code="duplicate",
        )
    prepared = label_document_prepare(document) if document else None
    item = structure_label or StructureLabel(structure=locked)
    item.label, item.expires_on = label, expires_on
    if prepared is not None or remove_document:
        _delete_on_commit(item.document)
        item.document, item.document_name, item.document_type = "", "", ""
    if prepared is not None:
        content, extension, content_type, display_name = prepared
        item.document.save(_random_name(extension), content, save=False)
        item.document_name, item.document_type = display_name, content_type
    item.save()
    return item


# --- Photos -----------------------------------------------------------------------------------------------------


def photo_reencode(upload) -> ContentFile:
    return image_reencode(
        upload,
        max_side=PHOTO_MAX_SIDE,
        max_bytes=PHOTO_MAX_BYTES,
        too_big=_("La photo pèse %(size)s Mo : la limite est de 5 Mo. Réduisez l'image puis réessayez."),
        unreadable=_("Ce fichier n'est pas une image lisible. Envoyez une photo au format PNG, JPEG ou WebP."),
        bad_format=_("La photo doit être une image PNG, JPEG ou WebP (ce fichier est au format %(format)s)."),
        error=ProofError,
    )


def _clean_alt_text(alt_text: str) -> str:
    alt_text = " ".join((alt_text or "").split())
    if not alt_text:
        raise ProofError(
            _("Décrivez la photo en une phrase pour les personnes qui ne la voient pas (texte alternatif)."),
            code="alt_required",
        )
    if len(alt_text) > ALT_TEXT_MAX:
        raise ProofError(
            _("La description de la photo compte %(count)s caractères : %(max)s au plus.")
            % {"count": len(alt_text), "max": ALT_TEXT_MAX},
            code="alt_too_long",
        )
    return alt_text


def photos_full_message() -> str:
    return _("La structure a déjà %(max)s photos, le maximum. Supprimez-en une avant d'en ajouter une autre.") % {
        "max": PHOTOS_MAX
    }


@transaction.atomic
def photo_add(*, structure: Structure, by: User, image, alt_text: str) -> StructurePhoto:
    """Add a photo at the end (at most PHOTOS_MAX per structure; the structure's lock makes the count exact)."""
    locked = _editable(structure, by)
    alt_text = _clean_alt_text(alt_text)
    photos = StructurePhoto.objects.filter(structure=locked)
    if photos.count() >= PHOTOS_MAX:
        raise ProofError(photos_full_message(), code="too_many_photos")
    content = photo_reencode(image)
    photo = StructurePhoto(structure=locked, alt_text=alt_text, position=_next_position(photos))
    photo.image.save(_random_name("webp"), content, save=False)
    photo.save()
    return photo


@transaction.atomic
def photo_update(*, photo: StructurePhoto, by: User, alt_text: str, image=None) -> StructurePhoto:
    _editable(photo.structure, by)
    photo.alt_text = _clean_alt_text(alt_text)
    if image:
        content = photo_reencode(image)
        _delete_on_commit(photo.image)
        photo.image.save(_random_name("webp"), content, save=False)
    photo.save()
    return photo


@transaction.atomic
def photo_move(*, photo: StructurePhoto, by: User, direction: str) -> None:
    """Swap the photo with its neighbour ("up": earlier, "down": later); the first cannot go up."""
    locked = _editable(photo.structure, by)
    photos = list(StructurePhoto.objects.filter(structure=locked).order_by("position", "pk"))
    index = next(i for i, item in enumerate(photos) if item.pk == photo.pk)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(photos):
        return
    photos[index], photos[other] = photos[other], photos[index]
    for position, item in enumerate(photos, start=1):
        if item.position != position:
            item.position = position
            item.save(update_fields=["position"])


# --- Offers -----------------------------------------------------------------------------------------------------


@transaction.atomic
def offer_save(*, structure: Structure, by: User, title: str, description: str, offer: Offer | None = None) -> Offer:
    locked = _editable(structure, by)
    if offer is not None and offer.structure_id != locked.pk:
        raise NotAllowed()
    title, description = " ".join((title or "").split()), (description or "").strip()
    if not title:
        raise ProofError(_("Donnez un titre à l'offre."), code="required")
    if not description:
        raise ProofError(_("Décrivez l'offre en quelques phrases."), code="required")
    if len(title) > 120 or len(description) > 1000:
        raise ProofError(_("Le titre compte 120 caractères au plus, la description 1 000."), code="too_long")
    item = offer or Offer(structure=locked, position=_next_position(Offer.objects.filter(structure=locked)))
    item.title, item.description = title, description
    item.save()
    return item


# --- Removing any of them ---------------------------------------------------------------------------------------


@transaction.atomic
def proof_delete(*, item: ClientReference | StructureLabel | StructurePhoto | Offer, by: User) -> None:
    """Remove a reference, label, photo or offer, and its file once the transaction commits."""
    _editable(item.structure, by)
    for field_name in ("client_logo", "document", "image"):
        if hasattr(item, field_name):
            _delete_on_commit(getattr(item, field_name))
    item.delete()


# The kinds of proof, in the order the profile shows them; the key is the URL's /espace/structure/<slug>/<kind>/.
PROOF_KINDS = {
    "references": _lazy("Références clients"),
    "labels": _lazy("Labels et certifications"),
    "photos": _lazy("Photos"),
    "offres": _lazy("Offres"),
}


def proof_summary(structure: Structure) -> list[dict]:
    """Per kind: its title, how many the profile shows, how many labels expired (reads prefetched rows)."""
    today = timezone.localdate()
    labels = structure.structure_labels.all()
    counts = {
        "references": len(structure.client_references.all()),
        "labels": len(labels),
        "photos": len(structure.photos.all()),
        "offres": len(structure.offers.all()),
    }
    return [
        {
            "kind": kind,
            "title": title,
            "count": counts[kind],
            "expired": sum(1 for item in labels if item.is_expired(today)) if kind == "labels" else 0,
        }
        for kind, title in PROOF_KINDS.items()
    ]
