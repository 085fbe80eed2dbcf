"""Template tags of the geo app: a structure's sites, and the directory's map of the current page."""

from django import template
from django.conf import settings
from django.urls import reverse

from geo.models import Site

register = template.Library()


@register.simple_tag
def structure_sites(structure):
    """The structure's sites with their commune, main site first (one query)."""
    return list(structure.sites.select_related("commune"))


@register.inclusion_tag("geo/_map.html")
def structures_map(structures, near=None, radius_km=None):
    """The map of the listed structures (the current page): one marker per site, from one query.

    `near` (a Commune) and `radius_km` draw the searched circle. The list stays the accessible equivalent: the map
    is hidden from assistive technologies and takes no keyboard focus (static/geo/map.js).
    """
    structures = list(structures)
    order = {structure.pk: index for index, structure in enumerate(structures)}
    rows = Site.objects.filter(structure_id__in=order).values_list(
        "structure_id", "structure__name", "structure__slug", "latitude", "longitude", "commune__name"
    )
    markers = [
        {
            "name": name,
            "url": reverse("structures:detail", args=[slug]),
            "lat": round(lat, 5),
            "lon": round(lon, 5),
            "commune": commune,
        }
        for structure_id, name, slug, lat, lon, commune in sorted(rows, key=lambda row: (order[row[0]], row[5]))
    ]
    data = {
        "markers": markers,
        "tiles": getattr(settings, "GEO_TILES_URL", ""),
        "centre": {"lat": near.latitude, "lon": near.longitude, "name": near.name} if near is not None else None,
        "radius_km": radius_km if near is not None else None,
    }
    return {
        "map_data": data,
        "structure_count": len({m["url"] for m in markers}),
        "tiles_attribution": getattr(settings, "GEO_TILES_ATTRIBUTION", ""),
    }
