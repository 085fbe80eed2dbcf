"""The public profile, edited one section at a time; a sensitive change sends a verified structure back to pending."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from structures import perms
from structures.models import (
    Structure,
    VerificationStatus,
)
from structures.services.common import _authored, _lock
from structures.services.errors import NotAllowed, StructureError

# --- Profile sections -------------------------------------------------------------------------------------------

# The profile is edited one section at a time (/espace/structure/<slug>/modifier/<section>/).
SECTIONS: dict[str, Any] = {
    "identite": gettext_lazy("Identité"),
    "contact": gettext_lazy("Contact public"),
    "activite": gettext_lazy("Activité"),
    "capacite": gettext_lazy("Capacité"),
    "logo": gettext_lazy("Logo"),
}
SECTION_FIELDS: dict[str, list[str]] = {
    "identite": ["name", "legal_form", "esus_accredited", "address", "postcode", "city", "website"],
    "contact": ["contact_name", "contact_email", "contact_phone"],
    "activite": ["topics", "sectors", "areas"],
    "capacite": [
        "headcount",
        "turnover",
        "insertion_people_per_year",
        "insertion_hours_per_year",
        "description",
        "references",
    ],
    "logo": ["logo"],
}
M2M_FIELDS = {"topics", "sectors", "areas"}
PROFILE_FIELDS = {name for section, names in SECTION_FIELDS.items() if section != "logo" for name in names}
# Fields whose change on a verified structure needs staff to look again (they decide the reserved markets).
SENSITIVE_FIELDS = {"legal_form", "esus_accredited"}

# Paths under /espace/structure/ and /structures/ that a slug must not take.
RESERVED_SLUGS = {
    "nouvelle",
    "invitation",
    "rejoindre",
    "export",
    "exporter",
    "import",
    "imports",
    "importer",
    "recherche",
    "carte",
    "csv",
    "rappel-completude",
    "sites",  # /espace/structure/sites/<slug>/ (geo)
}


def _set_fields(structure: Structure, fields: dict[str, Any]) -> dict[str, Any]:
    """Set plain fields on `structure`; return the many-to-many ones to set after saving."""
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise TypeError(f"Unknown structure fields: {sorted(unknown)}")
    m2m = {}
    for name, value in fields.items():
        if name in M2M_FIELDS:
            m2m[name] = list(value or [])
        else:
            setattr(structure, name, "" if value is None and name not in _NULLABLE else value)
    return m2m


_NULLABLE = {"insertion_people_per_year", "insertion_hours_per_year"}


@transaction.atomic
def structure_update_section(*, structure: Structure, by: User, section: str, data: dict[str, Any]) -> Structure:
    """Save one section of the profile (`data` holds exactly that section's fields, already validated by a form).

    Returns the structure; `structure.back_to_pending` tells whether the change sent it back to verification.
    """
    if section not in SECTION_FIELDS or section == "logo":
        raise StructureError(_("Cette partie du profil n'existe pas."), code="unknown_section")
    if not perms.can_edit(by, structure):
        raise NotAllowed()
    expected = set(SECTION_FIELDS[section])
    if set(data) != expected:
        raise TypeError(f"Section {section} expects the fields {sorted(expected)}, got {sorted(data)}")
    locked = _authored(_lock(structure), by)
    if locked.archived_at is not None:
        raise StructureError(
            _("Cette structure est archivée : son profil ne peut plus être modifié."), code="archived"
        )
    before = {name: getattr(locked, name) for name in expected & SENSITIVE_FIELDS}
    m2m = _set_fields(locked, data)
    back_to_pending = locked.is_verified and any(getattr(locked, name) != value for name, value in before.items())
    if back_to_pending:
        locked.verification_status = VerificationStatus.PENDING
        locked.verified_at = None
        locked.verified_by = None
    if "name" in data:
        locked.name = locked.name.strip()
    locked.save()
    for name, values in m2m.items():
        getattr(locked, name).set(values)
    locked.refresh_from_db()
    locked.back_to_pending = back_to_pending
    return locked
