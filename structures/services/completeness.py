"""How complete a public profile is, and what is missing (shown to the structure; the monthly reminder uses it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.translation import gettext as _

from structures.models import (
    Structure,
)
from structures.services.profile import (
    SECTIONS,
)
from structures.services.proofs import PROOF_KINDS


@dataclass(frozen=True)
class Completeness:
    percent: int
    # [{"section": "activite", "title": "Activité", "items": ["Au moins une thématique", …], "url": "/espace/…"}],
    # in the profile's order
    missing: list[dict] = field(default_factory=list)

    @property
    def is_complete(self) -> bool:
        return not self.missing


def _completeness_items(structure: Structure):
    # Reads the related rows through .all() so that a prefetch_related() on a list of structures is used
    # (Structure.objects.with_proofs() for the references, labels, photos and offers).
    yield "identite", _("Nom, SIRET et forme juridique"), True
    yield "identite", _("Adresse complète"), bool(structure.address and structure.postcode and structure.city)
    yield "identite", _("Site web"), bool(structure.website)
    yield "contact", _("Nom du contact"), bool(structure.contact_name)
    yield "contact", _("E-mail ou téléphone de contact"), bool(structure.contact_email or structure.contact_phone)
    yield "activite", _("Au moins une thématique"), bool(len(structure.topics.all()))
    yield "activite", _("Au moins un secteur d'activité"), bool(len(structure.sectors.all()))
    yield "activite", _("Au moins une zone d'intervention"), bool(len(structure.areas.all()))
    yield "capacite", _("Effectif"), bool(structure.headcount)
    yield "capacite", _("Chiffre d'affaires"), bool(structure.turnover)
    yield "capacite", _("Description de l'activité (100 caractères au moins)"), len(structure.description) >= 100
    if structure.category == "siae":
        yield (
            "capacite",
            _("Capacité d'insertion (personnes ou heures par an)"),
            bool(structure.insertion_people_per_year or structure.insertion_hours_per_year),
        )
    yield "logo", _("Une image du logo (PNG, JPEG ou WebP)"), bool(structure.logo)
    # The references typed as free text (sign-up wizard, step 4) count too: what was typed is never lost.
    yield (
        "references",
        _("Au moins une référence client"),
        bool(len(structure.client_references.all()) or structure.references.strip()),
    )
    yield "labels", _("Au moins un label ou une certification"), bool(len(structure.structure_labels.all()))
    yield "photos", _("Au moins une photo de vos réalisations"), bool(len(structure.photos.all()))
    yield "offres", _("Au moins une offre décrite"), bool(len(structure.offers.all()))


def _section_url(structure: Structure, section: str) -> str:
    if section in PROOF_KINDS:
        return reverse("structures_space:proofs", args=[structure.slug, section])
    return reverse("structures_space:edit", args=[structure.slug, section])


def structure_completeness(structure: Structure) -> Completeness:
    """How complete the public profile is (in %), and what is missing, grouped by section."""
    items = list(_completeness_items(structure))
    done = sum(1 for _section, _label, ok in items if ok)
    missing: dict[str, list[str]] = {}
    for section, label, ok in items:
        if not ok:
            missing.setdefault(section, []).append(label)
    titles = {**SECTIONS, **PROOF_KINDS}
    return Completeness(
        percent=round(100 * done / len(items)),
        missing=[
            {
                "section": section,
                "title": titles[section],
                "items": missing[section],
                "url": _section_url(structure, section),
            }
            for section in titles
            if section in missing
        ],
    )
