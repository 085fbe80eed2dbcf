"""Geography: finding a commune from what someone typed, structures near a commune, and a structure's sites.

- `resolve_commune(text, postcode=...)` reads "93066", "Saint-Denis", "saint denis 93200", "Saint-Denis (93)" and
  returns one commune or raises `CommuneNotFound` / `AmbiguousCommune` with a French message saying how to fix it.
- `structures_near(queryset, commune, km)`: the structures of `queryset` with a site within `km` km, each once,
  annotated with `distance_km` (its nearest site). PostgreSQL computes it (earthdistance, see geo.models).
- `site_add` / `site_delete`: writes, checked against `structures.perms.can_edit` whatever the caller.
"""

from __future__ import annotations

import csv
import re
from functools import cache as memoize
from pathlib import Path

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Min, OuterRef, Q, QuerySet, Subquery, When
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ess2024 import fragment_cache
from geo.models import Commune, Site, name_key
from structures import perms
from structures.models import Structure

DATA = Path(__file__).resolve().parent / "data"
MIN_RADIUS_KM = 1
MAX_RADIUS_KM = 200
DEFAULT_RADIUS_KM = 20
CITIES_WITH_ARRONDISSEMENTS = {"75056", "69123", "13055"}  # Paris, Lyon, Marseille
PREFERRED_REGION = "11"  # Île-de-France: "Saint-Denis" in the directory is the Games' one, not La Réunion's
COMMUNE_CACHE_SECONDS = 24 * 3600
MAX_SITES_PER_STRUCTURE = 50

INSEE_RE = re.compile(r"^(?:\d{5}|2[AaBb]\d{3})$")
POSTCODE_RE = re.compile(r"(?<![\dA-Za-z])(\d{5})(?![\dA-Za-z])")
DEPARTMENT_IN_BRACKETS_RE = re.compile(r"\((\d{2,3}|2[AaBb])\)\s*$")


class GeoError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CommuneNotFound(GeoError):
    pass


class AmbiguousCommune(GeoError):
    def __init__(self, message: str, candidates: list[Commune]):
        super().__init__(message)
        self.candidates = candidates


# --- Reference lists (read from the shipped files, no query) ----------------------------------------------------


@memoize
def departments() -> dict[str, tuple[str, str]]:
    """{code: (name, region code)} for the 101 departments and the overseas collectivities."""
    with (DATA / "departments.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: (row["name"], row["region"]) for row in csv.DictReader(handle)}


@memoize
def regions() -> dict[str, str]:
    """{code: name} for the 18 regions."""
    with (DATA / "regions.csv").open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def department_choices() -> list[tuple[str, str]]:
    return [(code, f"{name} ({code})") for code, (name, _region) in departments().items()]


def region_choices() -> list[tuple[str, str]]:
    return sorted(regions().items(), key=lambda item: slugify(item[1]))


# --- Finding a commune --------------------------------------------------------------------------------------------


def _describe(commune: Commune) -> str:
    return f"{commune.name} ({commune.department}, {commune.postcode_list[0] if commune.postcodes else commune.insee})"


def resolve_commune(text: str, *, postcode: str = "", prefer_largest: bool = False) -> Commune:
    """The one commune `text` names: an INSEE code, or a name with an optional postcode or department.

    A name shared by several communes ("Saint-Denis": Seine-Saint-Denis and La Réunion) needs a postcode or a
    department, unless `prefer_largest` (the directory's "près de"): then the one in Île-de-France, where the
    Games' buyers are, else the most populated, and the page says which one it took.

    Found communes are cached (reference data, changed by migrations only): the directory's "près de" costs no
    query once a commune has been asked for.
    """
    text = " ".join((text or "").split())
    key = ":".join(
        ["geo", "commune", "v1", str(int(prefer_largest)), name_key(text), re.sub(r"\D", "", postcode or "")]
    )
    cached = cache.get(key) if len(key) < 200 else None
    if cached is not None:
        return cached
    commune = _resolve_commune(text, postcode=(postcode or "").strip(), prefer_largest=prefer_largest)
    if len(key) < 200:
        cache.set(key, commune, COMMUNE_CACHE_SECONDS)
    return commune


def _resolve_commune(text: str, *, postcode: str, prefer_largest: bool) -> Commune:
    postcode = (postcode or "").strip()
    if not text and not postcode:
        raise CommuneNotFound(_("Indiquez une commune : son nom ou son code INSEE."))
    if INSEE_RE.match(text):
        commune = Commune.objects.filter(insee=text.upper()).first()
        if commune is None:
            raise CommuneNotFound(_("Aucune commune n'a le code INSEE « %(code)s ».") % {"code": text})
        return commune

    department = ""
    match = DEPARTMENT_IN_BRACKETS_RE.search(text)
    if match:
        department = match.group(1).upper().zfill(2)
        text = text[: match.start()].strip()
    match = POSTCODE_RE.search(text)
    if match and not postcode:
        postcode = match.group(1)
        text = (text[: match.start()] + " " + text[match.end() :]).strip(" ,()-")
    if postcode and not re.fullmatch(r"\d{5}", postcode):
        raise CommuneNotFound(_("Un code postal a 5 chiffres, par exemple 93200."))

    candidates = Commune.objects.all()
    if text:
        key = name_key(text)
        if not key:
            raise CommuneNotFound(_("Indiquez le nom de la commune en lettres, par exemple « Saint-Denis »."))
        candidates = candidates.filter(name_key=key)
    if department:
        candidates = candidates.filter(department=department)
    if postcode:
        candidates = candidates.filter(postcodes__contains=postcode)
    ranked = candidates.order_by(Case(When(region=PREFERRED_REGION, then=0), default=1), "-population", "insee")[:20]
    found = [c for c in ranked if not postcode or postcode in c.postcode_list]
    if not found:
        if text and postcode:
            raise CommuneNotFound(
                _("Aucune commune « %(name)s » n'a le code postal %(postcode)s. Vérifiez l'orthographe ou le code.")
                % {"name": text, "postcode": postcode}
            )
        if text:
            raise CommuneNotFound(
                _(
                    "Aucune commune ne s'appelle « %(name)s ». Vérifiez l'orthographe (par exemple « Saint-Denis »), "
                    "ou indiquez son code INSEE."
                )
                % {"name": text}
            )
        raise CommuneNotFound(_("Aucune commune n'a le code postal %(postcode)s.") % {"postcode": postcode})
    # An arrondissement and its city share a postcode ("Paris" 75011): the arrondissement is the more precise.
    if len(found) > 1 and postcode and not text:
        arrondissements = [c for c in found if c.parent]
        if len(arrondissements) == 1:
            return arrondissements[0]
    # "Paris" with 75019: its 19th arrondissement (so for Lyon and Marseille).
    if len(found) == 1 and postcode and found[0].insee in CITIES_WITH_ARRONDISSEMENTS:
        arrondissement = next(
            (c for c in Commune.objects.filter(parent=found[0].insee) if postcode in c.postcode_list), None
        )
        return arrondissement or found[0]
    if len(found) > 1 and not prefer_largest:
        listed = ", ".join(_describe(c) for c in found[:6])
        raise AmbiguousCommune(
            _("Plusieurs communes correspondent : %(list)s. Précisez le code postal ou le code INSEE.")
            % {"list": listed},
            found,
        )
    return found[0]


# --- Distance -----------------------------------------------------------------------------------------------------


def sites_near(commune: Commune, km: float) -> QuerySet[Site]:
    return Site.objects.near(latitude=commune.latitude, longitude=commune.longitude, km=km)


def structures_near(queryset: QuerySet[Structure], commune: Commune, km: float) -> QuerySet[Structure]:
    """Structures of `queryset` with a site within `km` km of `commune`, once each, with `distance_km`.

    The filter is a semi-join on the sites the GiST index finds (`pk IN (...)`: no DISTINCT, no duplicate rows);
    the nearest distance is a subquery PostgreSQL evaluates only for the rows it returns (a page).
    """
    near = sites_near(commune, km)
    nearest = (
        near.filter(structure_id=OuterRef("pk"))
        .order_by()
        .values("structure_id")
        .annotate(nearest=Min("distance_km"))
        .values("nearest")
    )
    return queryset.filter(pk__in=near.values("structure_id")).annotate(distance_km=Subquery(nearest))


def structures_in(
    queryset: QuerySet[Structure], *, commune: Commune | None = None, department: str = "", region: str = ""
) -> QuerySet[Structure]:
    """Structures with a site in the commune (a city includes its arrondissements), department or region."""
    sites = Site.objects.all()
    if commune is not None:
        sites = sites.filter(Q(commune_id=commune.insee) | Q(commune__parent=commune.insee))
    if department:
        sites = sites.filter(commune__department=department)
    if region:
        sites = sites.filter(commune__region=region)
    return queryset.filter(pk__in=sites.values("structure_id"))


def _directory_changed() -> None:
    """The directory's cached fragments (filters by place, the map) are read again (ess2024.fragment_cache)."""
    fragment_cache.bump(fragment_cache.STRUCTURES)


# --- Writes ---------------------------------------------------------------------------------------------------------


@transaction.atomic
def site_add(
    *,
    structure: Structure,
    by,
    commune: Commune,
    label: str = "",
    address: str = "",
    is_main: bool = False,
    latitude: float | None = None,
    longitude: float | None = None,
) -> Site:
    """Add a site. Without coordinates, the commune's point (its town hall) stands for it.

    The first site is the main one; marking another as main moves the mark (one per structure, a constraint).
    """
    if not perms.can_edit(by, structure):
        raise GeoError(_("Vous ne pouvez pas modifier les sites de cette structure."))
    locked = Structure.objects.select_for_update().get(pk=structure.pk)
    existing = locked.sites.count()
    if existing >= MAX_SITES_PER_STRUCTURE:
        raise GeoError(
            _("Une structure a au plus %(count)s sites : supprimez-en un avant d'en ajouter un autre.")
            % {"count": MAX_SITES_PER_STRUCTURE}
        )
    is_main = is_main or existing == 0
    if is_main:
        locked.sites.filter(is_main=True).update(is_main=False)
    _directory_changed()
    return Site.objects.create(
        structure=locked,
        commune=commune,
        label=label.strip(),
        address=address.strip(),
        is_main=is_main,
        latitude=commune.latitude if latitude is None else latitude,
        longitude=commune.longitude if longitude is None else longitude,
    )


@transaction.atomic
def site_delete(*, site: Site, by) -> None:
    """Delete a site; if it was the main one, the oldest remaining site becomes main."""
    if not perms.can_edit(by, site.structure):
        raise GeoError(_("Vous ne pouvez pas modifier les sites de cette structure."))
    structure = Structure.objects.select_for_update().get(pk=site.structure_id)
    was_main = site.is_main
    site.delete()
    _directory_changed()
    if was_main:
        following = structure.sites.order_by("created_at", "pk").first()
        if following is not None:
            following.is_main = True
            following.save(update_fields=["is_main"])


@transaction.atomic
def site_set_main(*, site: Site, by) -> Site:
    if not perms.can_edit(by, site.structure):
        raise GeoError(_("Vous ne pouvez pas modifier les sites de cette structure."))
    Structure.objects.select_for_update().get(pk=site.structure_id)
    Site.objects.filter(structure_id=site.structure_id, is_main=True).exclude(pk=site.pk).update(is_main=False)
    _directory_changed()
    site.is_main = True
    site.save(update_fields=["is_main"])
    return site
