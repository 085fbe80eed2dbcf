"""Registering a structure: SIRET checked, unique (even against a concurrent submission), a free slug."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from structures.models import (
    LegalForm,
    Membership,
    Structure,
)
from structures.services.errors import NotAllowed, SiretAlreadyRegistered, StructureError
from structures.services.profile import (
    RESERVED_SLUGS,
    _set_fields,
)
from structures.validators import clean_siret


def _slug_candidates(name: str) -> Iterable[str]:
    base = slugify(name)[:200].strip("-") or "structure"
    if base not in RESERVED_SLUGS:
        yield base
    number = 2
    while True:
        yield f"{base}-{number}"
        number += 1


def _free_slug(name: str) -> str:
    base = slugify(name)[:200].strip("-") or "structure"
    taken = set(Structure.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    return next(slug for slug in _slug_candidates(name) if slug not in taken)


@transaction.atomic
def structure_create(*, user: User, siret: str, name: str, legal_form: str, **profile: Any) -> Structure:
    """Register a structure; `user` becomes its administrator.

    `profile` holds the other profile fields (see SECTION_FIELDS; topics/sectors/areas as objects or ids).
    Raises SiretAlreadyRegistered when the SIRET is taken, even by a submission running at the same moment.
    """
    if not user.is_authenticated or not user.is_active:
        raise NotAllowed()
    try:
        siret = clean_siret(siret)
    except ValidationError as error:
        raise StructureError(error.messages[0], code="invalid_siret") from None
    name = (name or "").strip()
    if not name:
        raise StructureError(_("Indiquez le nom de la structure."), code="required")
    if legal_form not in LegalForm.values:
        raise StructureError(_("Choisissez la forme juridique de la structure."), code="invalid_legal_form")

    existing = Structure.objects.filter(siret=siret).first()
    if existing is not None:
        raise SiretAlreadyRegistered(existing)

    for _attempt in range(5):
        structure = Structure(siret=siret, name=name, legal_form=legal_form, slug=_free_slug(name))
        structure._history_user = user  # the history row of the creation names who registered it
        m2m = _set_fields(structure, profile)
        try:
            with transaction.atomic():
                structure.save(force_insert=True)
        except IntegrityError:
            # Either another submission registered this SIRET meanwhile (it committed: we see it now), or it took
            # the same slug: then try the next free one.
            existing = Structure.objects.filter(siret=siret).first()
            if existing is not None:
                raise SiretAlreadyRegistered(existing) from None
            continue
        break
    else:  # pragma: no cover - five slug collisions in a row
        raise StructureError(_("L'inscription n'a pas pu aboutir, réessayez dans un instant."), code="retry")

    for name_, values in m2m.items():
        getattr(structure, name_).set(values)
    Membership.objects.create(structure=structure, user=user, role=Membership.Role.ADMIN)
    return structure
