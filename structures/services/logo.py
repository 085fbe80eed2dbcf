"""The logo (and every other image a structure uploads): checked with Pillow, re-encoded as WebP without metadata."""

from __future__ import annotations

import io
import warnings

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.models import User
from structures import perms
from structures.models import (
    Structure,
)
from structures.services.common import _lock
from structures.services.errors import LogoError, NotAllowed, StructureError

LOGO_MAX_BYTES = 2 * 1024 * 1024
LOGO_MAX_SIDE = 512
LOGO_MAX_PIXELS = 40_000_000  # decoding more than this is refused (a "decompression bomb")
LOGO_FORMATS = {"PNG", "JPEG", "WEBP"}


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def image_reencode(
    upload,
    *,
    max_side: int,
    max_bytes: int,
    too_big: str,
    unreadable: str,
    bad_format: str,
    error: type[StructureError] = LogoError,
) -> ContentFile:
    """Check an uploaded image with Pillow (not its name) and re-encode it as WebP, at most `max_side` pixels a side,
    without metadata. The logo, the photos, the clients' logos and the images of label documents go through here.

    The messages are French templates: `too_big` gets %(size)s (in MB), `bad_format` gets %(format)s.
    """
    if upload.size > max_bytes:
        raise error(too_big % {"size": _megabytes(upload.size)})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                if probe.format not in LOGO_FORMATS:
                    raise error(bad_format % {"format": probe.format or _("inconnu")})
                width, height = probe.size
                if width * height > LOGO_MAX_PIXELS:
                    raise error(_("Cette image est trop grande (%(w)s × %(h)s pixels).") % {"w": width, "h": height})
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as opened:
                opened.load()
                image = ImageOps.exif_transpose(opened)
                has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                image = image.convert("RGBA" if has_alpha else "RGB")
                image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
                out = io.BytesIO()
                # No exif, no icc_profile, no xmp: the metadata of the original is not carried over.
                image.save(out, format="WEBP", quality=85, method=4)
    except StructureError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise error(unreadable) from None
    except (OSError, SyntaxError, ValueError):
        raise error(unreadable) from None
    return ContentFile(out.getvalue())


def logo_reencode(upload) -> ContentFile:
    """Check an uploaded logo with Pillow (not its name) and re-encode it as WebP, at most 512 px, no metadata."""
    return image_reencode(
        upload,
        max_side=LOGO_MAX_SIDE,
        max_bytes=LOGO_MAX_BYTES,
        too_big=_("Le logo pèse %(size)s Mo : la limite est de 2 Mo. Réduisez l'image puis réessayez."),
        unreadable=_("Ce fichier n'est pas une image lisible. Envoyez un logo au format PNG, JPEG ou WebP."),
        bad_format=_("Le logo doit être une image PNG, JPEG ou WebP (ce fichier est au format %(format)s)."),
    )


@transaction.atomic
def structure_set_logo(*, structure: Structure, by: User, upload) -> Structure:
    """Replace the logo with a re-encoded copy of `upload` (raises LogoError on a bad file)."""
    if not perms.can_edit(by, structure):
        raise NotAllowed()
    content = logo_reencode(upload)
    locked = _lock(structure)
    old_name = locked.logo.name
    locked.logo.save(f"{locked.siret[:9]}.webp", content, save=False)
    locked.save(update_fields=["logo", "updated_at"])
    if old_name and old_name != locked.logo.name:
        storage = locked.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return locked


@transaction.atomic
def structure_remove_logo(*, structure: Structure, by: User) -> Structure:
    if not perms.can_edit(by, structure):
        raise NotAllowed()
    locked = _lock(structure)
    old_name = locked.logo.name
    if old_name:
        locked.logo = ""
        locked.save(update_fields=["logo", "updated_at"])
        storage = locked.logo.storage
        transaction.on_commit(lambda: storage.delete(old_name))
    return locked
