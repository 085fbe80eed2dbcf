"""Demo sites (`manage.py seed_demo`, after structures.demo): each demo structure's main site in its own city.

The main site is where the structure's address is (Paris: the arrondissement of its postcode), a few hundred metres
from the town hall so that markers do not pile up; about a third also get a second site elsewhere in
Île-de-France. Idempotent: a structure that already has a site is left alone.
"""

import math
import random

from ess2024 import fragment_cache
from geo.models import Commune, Site, name_key
from structures.models import Structure

# Second sites: communes of Île-de-France where ESS structures often have a workshop or a shop.
SECOND_SITE_COMMUNES = ["93066", "93048", "93001", "93055", "94041", "94081", "92050", "95018", "75119", "75111"]
SECOND_SITE_LABELS = ["Atelier", "Boutique", "Entrepôt", "Antenne", "Cuisine centrale"]


def _commune_for(structure: Structure, by_postcode: dict, by_name: dict) -> Commune | None:
    if structure.postcode.startswith("75") and structure.postcode in by_postcode:
        return by_postcode[structure.postcode]  # Paris 75011 → Paris 11e Arrondissement
    for commune in by_name.get(name_key(structure.city), []):
        if not structure.postcode or structure.postcode in commune.postcode_list:
            return commune
    return None


def _near(rng: random.Random, commune: Commune, max_m: float = 800) -> tuple[float, float]:
    """A point up to `max_m` metres from the commune's point (deterministic through `rng`)."""
    distance, bearing = rng.uniform(100, max_m), rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111_320
    dlon = distance * math.sin(bearing) / (111_320 * math.cos(math.radians(commune.latitude)))
    return round(commune.latitude + dlat, 6), round(commune.longitude + dlon, 6)


def seed(*, stdout=None) -> str:
    rng = random.Random(14)
    structures = list(
        Structure.objects.exclude(city="")
        .filter(sites__isnull=True)
        .order_by("pk")
        .only("pk", "city", "postcode", "address")
    )
    if not structures:
        return "0 site"
    names = {name_key(s.city) for s in structures}
    communes = list(Commune.objects.filter(name_key__in=names) | Commune.objects.filter(insee__startswith="751"))
    by_postcode = {c.postcode_list[0]: c for c in communes if c.parent == "75056"}
    by_name: dict[str, list[Commune]] = {}
    for commune in communes:
        by_name.setdefault(commune.name_key, []).append(commune)
    seconds = {c.insee: c for c in Commune.objects.filter(insee__in=SECOND_SITE_COMMUNES)}

    sites = []
    for structure in structures:
        commune = _commune_for(structure, by_postcode, by_name)
        if commune is None:
            continue
        lat, lon = _near(rng, commune)
        sites.append(
            Site(
                structure=structure,
                label="Siège",
                address=structure.address,
                commune=commune,
                latitude=lat,
                longitude=lon,
                is_main=True,
            )
        )
        if rng.random() < 0.33:
            other = seconds[rng.choice([code for code in SECOND_SITE_COMMUNES if code != commune.insee])]
            lat, lon = _near(rng, other, 1500)
            sites.append(
                Site(
                    structure=structure,
                    label=rng.choice(SECOND_SITE_LABELS),
                    commune=other,
                    latitude=lat,
                    longitude=lon,
                )
            )
    Site.objects.bulk_create(sites)
    fragment_cache.bump(fragment_cache.STRUCTURES)  # bulk_create sends no signal: the directory's cache is told here
    return f"{len(sites)} sites"
