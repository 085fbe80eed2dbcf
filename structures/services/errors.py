"""The errors every structures service raises: a French message that can be shown as is."""

from __future__ import annotations

from django.utils.translation import gettext as _

from structures.models import (
    Structure,
)


class StructureError(Exception):
    """A business rule said no. `message` is French and meant for the person acting."""

    def __init__(self, message: str, *, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.code = code

    def __str__(self) -> str:
        return self.message


class NotAllowed(StructureError):
    def __init__(self, message: str | None = None):
        super().__init__(message or _("Vous n'avez pas les droits nécessaires pour cette action."), code="forbidden")


class SiretAlreadyRegistered(StructureError):
    """Another structure already has this SIRET; `structure` is it (offer to ask to join)."""

    def __init__(self, structure: Structure):
        super().__init__(
            _("Cette structure est déjà inscrite (SIRET %(siret)s). Vous pouvez demander à la rejoindre.")
            % {"siret": structure.siret},
            code="duplicate_siret",
        )
        self.structure = structure


class LogoError(StructureError):
    def __init__(self, message: str):
        super().__init__(message, code="invalid_logo")


class ProofError(StructureError):
    """A reference, label, photo or offer was refused (bad file, too many photos, a label already there…)."""

    def __init__(self, message: str, *, code: str = "invalid_proof"):
        super().__init__(message, code=code)
