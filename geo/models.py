"""Communes (reference data) and the sites where structures work.

`Commune` is INSEE's list of current communes and municipal arrondissements (Paris 75101-75120, Lyon, Marseille),
with their postcodes and a point (the town hall), loaded by migration 0003 from `geo/data/communes.csv.gz`. It is
reference data: no form writes it.

A `Site` is a place where a structure works (its head office, a workshop, a shop): a commune and its coordinates,
the commune's point when no better one is known. Distances are computed by PostgreSQL's `earthdistance` extension:
each site stores its point on the sphere (`point`, a generated `cube` column) and the search keeps the sites of a
latitude/longitude box (btree index) within the exact distance, see `SiteQuerySet.near` and the README's
"Geography".
"""

import math

from django.db import models
from django.db.models import Func, Q, Value
from django.db.models.functions import Cast
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _


def name_key(name: str) -> str:
    """Lowercase, unaccented, hyphenated: "L'Île-Saint-Denis" and "l ile saint denis" give "l-ile-saint-denis"."""
    return slugify(name.replace("'", " ").replace("\u2019", " "))[:80]


# earthdistance's sphere (its earth() function, in metres): the chord for a radius is computed here, once.
EARTH_RADIUS_M = 6378168.0


class CubeField(models.Field):
    """A `cube` value of the `cube` extension: here, a point of earthdistance's sphere (x, y, z in metres)."""

    description = _("point sur la sphère terrestre (cube)")

    def db_type(self, connection):
        return "cube"


class LlToEarth(Func):
    """earthdistance's `ll_to_earth(latitude, longitude)`: a point on the sphere (an `earth`, a domain over cube)."""

    function = "ll_to_earth"
    arity = 2
    output_field = CubeField()


class CubeDistance(Func):
    """Straight-line (chord) distance in metres between two points of the sphere: a C function, cheap per row."""

    function = "cube_distance"
    arity = 2
    output_field = models.FloatField()


class ChordToGreatCircle(Func):
    """earthdistance's `sec_to_gc`: the great-circle distance (metres) of a chord."""

    function = "sec_to_gc"
    arity = 1
    output_field = models.FloatField()


def chord_m(radius_m: float) -> float:
    """The chord of a great-circle distance: `chord <= chord_m(r)` is exactly `earth_distance <= r`."""
    return 2 * EARTH_RADIUS_M * math.sin(min(radius_m / (2 * EARTH_RADIUS_M), math.pi / 2))


class Commune(models.Model):
    insee = models.CharField(_("code INSEE"), max_length=5, primary_key=True)
    name = models.CharField(_("nom"), max_length=80)
    # Lowercase, unaccented, words joined by hyphens (django's slugify): "Saint-Denis", "saint denis", "SAINT DENIS"
    # all find it; an index makes the lookup by name a point query.
    name_key = models.CharField(max_length=80, db_index=True, editable=False)
    department = models.CharField(_("département"), max_length=3, db_index=True)
    region = models.CharField(_("région"), max_length=2, db_index=True)
    postcodes = models.CharField(_("codes postaux"), max_length=250, help_text=_("Séparés par des espaces."))
    parent = models.CharField(
        _("commune de l'arrondissement"), max_length=5, blank=True, db_index=True, help_text=_("Paris : 75056.")
    )
    population = models.PositiveIntegerField(_("population"), default=0)
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))

    class Meta:
        # Created by migration 0001 (SQL) and filled by 0002: unmanaged, so that the tests' flushes keep it.
        managed = False
        ordering = ["name", "insee"]
        verbose_name = _("commune")
        verbose_name_plural = _("communes")

    def __str__(self):
        return f"{self.name} ({self.department})"

    @property
    def postcode_list(self) -> list[str]:
        return self.postcodes.split()


class SiteQuerySet(models.QuerySet):
    def near(self, *, latitude: float, longitude: float, km: float) -> "SiteQuerySet":
        """Sites within `km` kilometres (great circle) of the point, annotated with `distance_km`.

        A latitude/longitude box around the circle (btree index `site_latlon_idx`) keeps the candidates; the chord
        from each one's stored `point` to the centre (`cube_distance`, one C call) then keeps the circle, exactly:
        a chord grows with the arc. Why a btree box rather than earthdistance's `earth_box` on a GiST index: the
        planner estimates a range on latitude/longitude from their statistics, but any cube containment at a fixed
        0.1 % of the rows; with 40 % of the sites within 20 km of Saint-Denis it then probed the structures one by
        one (0.4 s) instead of hashing them (README, "Geography"; bench/bench_geo.py measures both).
        """
        radius_m = float(km) * 1000.0
        dlat = math.degrees(radius_m / EARTH_RADIUS_M)
        # The circle is widest in longitude on its side nearer the pole: a box that holds it whole.
        dlon = min(180.0, dlat / math.cos(math.radians(min(89.9, abs(latitude) + dlat))))
        centre = LlToEarth(Value(float(latitude)), Value(float(longitude)))
        chord = CubeDistance("point", centre)
        return (
            self.filter(
                latitude__range=(latitude - dlat, latitude + dlat),
                longitude__range=(longitude - dlon, longitude + dlon),
            )
            .alias(chord_m=chord)
            .filter(chord_m__lte=chord_m(radius_m))
            .annotate(distance_km=ChordToGreatCircle(chord) / 1000.0)
        )


class Site(models.Model):
    structure = models.ForeignKey(
        "structures.Structure", verbose_name=_("structure"), on_delete=models.CASCADE, related_name="sites"
    )
    label = models.CharField(
        _("nom du site"), max_length=120, blank=True, help_text=_("Par exemple « Siège », « Atelier », « Boutique ».")
    )
    address = models.CharField(_("adresse"), max_length=250, blank=True)
    commune = models.ForeignKey(Commune, verbose_name=_("commune"), on_delete=models.PROTECT, related_name="sites")
    latitude = models.FloatField(_("latitude"))
    longitude = models.FloatField(_("longitude"))
    # The point on earthdistance's sphere, computed once by PostgreSQL when the row is written: the distance search
    # reads it (and its GiST index) instead of calling ll_to_earth for every row.
    point = models.GeneratedField(
        expression=Cast(LlToEarth("latitude", "longitude"), CubeField()), output_field=CubeField(), db_persist=True
    )
    is_main = models.BooleanField(_("site principal"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteQuerySet.as_manager()

    class Meta:
        ordering = ["-is_main", "commune__name", "label", "pk"]
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        constraints = [
            models.UniqueConstraint(fields=["structure"], condition=Q(is_main=True), name="site_one_main"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="site_coordinates_on_earth",
            ),
        ]
        indexes = [
            # The distance search's box (SiteQuerySet.near).
            models.Index(fields=["latitude", "longitude"], name="site_latlon_idx"),
        ]

    def __str__(self):
        return self.label or str(self.commune)
