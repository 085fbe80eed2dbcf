"""The errors every meet-up service raises: a French message that can be shown as is."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from meetups.models import (
    Registration,
)


class MeetupError(Exception):
    """A business rule said no. `message` is French and meant for the person acting."""

    def __init__(self, message, *, code: str = "invalid"):
        super().__init__(str(message))
        self.message = str(message)
        self.code = code

    def __str__(self) -> str:
        return self.message


class NotAllowed(MeetupError):
    def __init__(self, message=None):
        super().__init__(message or _("Vous n'avez pas les droits nécessaires pour cette action."), code="forbidden")


class AlreadyRegistered(MeetupError):
    def __init__(self, registration: Registration):
        super().__init__(
            _("%(structure)s est déjà inscrite à cette rencontre.") % {"structure": registration.structure.name},
            code="already_registered",
        )
        self.registration = registration
