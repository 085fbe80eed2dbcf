"""The geometry of areas for the matching: which areas cover a tender's places, and at which precision level.

Areas are a small tree (France > departments > Paris arrondissements), read once per call (`load_areas`). A structure
area covers a place at one of the levels below, from the most precise; `matching.services` turns each level into
points (AREA_POINTS) and into a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from structures.models import Area

AREA_ARRONDISSEMENT = 4  # the structure works in the very arrondissement of the place
AREA_DEPARTMENT = 3  # the structure's department is the place, or covers it
AREA_PART = 2  # the structure works in an arrondissement inside the department place
AREA_NATIONAL = 1  # the structure works nationwide


@dataclass(frozen=True)
class AreaInfo:
    id: int
    name: str
    kind: str
    parent_id: int | None
    position: int


def load_areas() -> dict[int, AreaInfo]:
    # Names in the active language (str(): the English name on English pages, issue 15 item 3).
    return {
        area.pk: AreaInfo(area.pk, str(area), area.kind, area.parent_id, area.position)
        for area in Area.objects.order_by("position", "code").only(
            "id", "name", "name_en", "kind", "parent_id", "position"
        )
    }


def _ancestors(area_id: int, areas: Mapping[int, AreaInfo]) -> list[int]:
    found, parent = [], areas[area_id].parent_id
    while parent is not None and parent not in found:
        found.append(parent)
        parent = areas[parent].parent_id
    return found


def _descendants(area_id: int, areas: Mapping[int, AreaInfo]) -> list[int]:
    return [other for other in areas if area_id in _ancestors(other, areas)]


def _level_of_ancestor(area: AreaInfo) -> int | None:
    if area.kind == Area.Kind.NATIONAL:
        return AREA_NATIONAL
    if area.kind == Area.Kind.DEPARTMENT:
        return AREA_DEPARTMENT
    return None


def structure_areas_covering(place_ids: Iterable[int], areas: Mapping[int, AreaInfo]) -> dict[int, int]:
    """For a tender's places: every structure area that covers one of them, with the best precision level."""
    levels: dict[int, int] = {}

    def keep(area_id: int, level: int) -> None:
        levels[area_id] = max(level, levels.get(area_id, 0))

    for place_id in place_ids:
        place = areas[place_id]
        if place.kind == Area.Kind.NATIONAL:
            keep(place_id, AREA_NATIONAL)
            continue
        keep(place_id, AREA_ARRONDISSEMENT if place.kind == Area.Kind.ARRONDISSEMENT else AREA_DEPARTMENT)
        for ancestor in _ancestors(place_id, areas):
            level = _level_of_ancestor(areas[ancestor])
            if level:
                keep(ancestor, level)
        if place.kind == Area.Kind.DEPARTMENT:
            for inner in _descendants(place_id, areas):
                keep(inner, AREA_PART)
    return levels


def places_covered_by(structure_area_ids: Iterable[int], areas: Mapping[int, AreaInfo]) -> dict[int, tuple[int, int]]:
    """The mirror of `structure_areas_covering`: place -> (best level, the structure area that covers it)."""
    covered: dict[int, tuple[int, int]] = {}

    def keep(place_id: int, level: int, by: int) -> None:
        if level > covered.get(place_id, (0, 0))[0]:
            covered[place_id] = (level, by)

    for area_id in sorted(structure_area_ids, key=lambda pk: areas[pk].position):
        area = areas[area_id]
        if area.kind == Area.Kind.NATIONAL:
            for place_id in areas:
                keep(place_id, AREA_NATIONAL, area_id)
        elif area.kind == Area.Kind.DEPARTMENT:
            keep(area_id, AREA_DEPARTMENT, area_id)
            for inner in _descendants(area_id, areas):
                keep(inner, AREA_DEPARTMENT, area_id)
        else:
            keep(area_id, AREA_ARRONDISSEMENT, area_id)
            for ancestor in _ancestors(area_id, areas):
                if areas[ancestor].kind == Area.Kind.DEPARTMENT:
                    keep(ancestor, AREA_PART, area_id)
    return covered
