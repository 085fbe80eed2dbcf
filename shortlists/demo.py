"""Demo data of the shortlists (`manage.py seed_demo`, after structures and tenders). Idempotent.

The demo buyer (acheteur@demo.ess2024.fr, SOLIDEO) has two lists of directory structures, each with notes.
"""

from __future__ import annotations

from shortlists.models import Shortlist, ShortlistEntry
from structures.visibility import directory_structures
from tenders.demo.reference import DEMO_BUYER
from tenders.models import BuyerMembership

# name, topic slug, notes for the first structures (the others have none)
LISTS = [
    (
        "Traiteurs solidaires pour les chantiers",
        "restauration-durable",
        [
            "Rencontrée au salon de l'ESS : capacité de 300 repas par jour.",
            "À rappeler pour le lot petit-déjeuner ; demander des références sur chantier.",
            "Cuisine en insertion, livraison en vélo-cargo.",
        ],
    ),
    (
        "Nettoyage et propreté : village des athlètes",
        "nettoyage-et-proprete",
        [
            "Déjà titulaire d'un marché de la Ville de Paris.",
            "Structure d'insertion : vérifier les heures d'insertion possibles.",
        ],
    ),
]
PER_LIST = 6


def seed(*, stdout=None) -> str:
    membership = BuyerMembership.objects.filter(user__email=DEMO_BUYER).select_related("user").first()
    if membership is None:
        return "acheteur de démonstration absent : rien à faire"
    entries = 0
    for name, topic, notes in LISTS:
        shortlist, _created = Shortlist.objects.get_or_create(
            organisation_id=membership.organisation_id, name=name, defaults={"created_by": membership.user}
        )
        structures = directory_structures().filter(topics__slug=topic).order_by("name", "pk")[:PER_LIST]
        for position, structure in enumerate(structures):
            _entry, created = ShortlistEntry.objects.get_or_create(
                shortlist=shortlist,
                structure=structure,
                defaults={"added_by": membership.user, "note": notes[position] if position < len(notes) else ""},
            )
            entries += created
    return f"{len(LISTS)} listes, {entries} structures ajoutées"
