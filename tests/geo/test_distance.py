"""Distances computed by PostgreSQL (earthdistance): correctness, each structure once, its nearest site."""

import math

import pytest
from django.db import connection

from geo import services
from geo.models import Site
from structures.models import Structure
from tests.geo.factories import SiteFactory, commune

pytestmark = pytest.mark.django_db


def haversine_km(lat1, lon1, lat2, lon2, radius_km=6378.168):
    """Great-circle distance on earthdistance's sphere, written independently of the database."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * radius_km * math.asin(math.sqrt(a))


def test_saint_denis_to_paris_is_about_nine_kilometres():
    site = SiteFactory(commune="75056")  # Paris, the city's point
    saint_denis = commune("93066")
    found = services.sites_near(saint_denis, 15).get(pk=site.pk)
    assert 8.5 <= found.distance_km <= 10.5
    paris = commune("75056")
    expected = haversine_km(saint_denis.latitude, saint_denis.longitude, paris.latitude, paris.longitude)
    assert found.distance_km == pytest.approx(expected, rel=1e-3)


def test_the_radius_is_a_circle_not_the_index_box():
    """The index finds a box around the circle: a site in its corner (in the box, not the circle) is left out."""
    saint_denis = commune("93066")
    # 7.07 km north and 7.07 km east, 10 km as the crow flies: inside the 7.5 km box, outside its circle.
    dlat = 7.07 / 111.32
    dlon = 7.07 / (111.32 * math.cos(math.radians(saint_denis.latitude)))
    corner = SiteFactory(commune="93066", latitude=saint_denis.latitude + dlat, longitude=saint_denis.longitude + dlon)
    inside = SiteFactory(commune="93066")
    assert set(services.sites_near(saint_denis, 7.5).values_list("pk", flat=True)) == {inside.pk}
    assert corner.pk in set(services.sites_near(saint_denis, 10.5).values_list("pk", flat=True))


def test_structures_near_lists_each_structure_once_with_its_nearest_site():
    saint_denis = commune("93066")
    both = SiteFactory(commune="75111").structure  # Paris 11e, ~9.7 km
    SiteFactory(structure=both, commune="93066")  # and Saint-Denis itself
    paris_only = SiteFactory(commune="75114").structure  # Paris 14e, ~12.5 km
    far = SiteFactory(commune="69381").structure  # Lyon
    nothing = Structure.objects.filter(pk__in=[both.pk, paris_only.pk, far.pk])

    near = services.structures_near(nothing, saint_denis, 15).order_by("distance_km")
    rows = [(s.pk, s.distance_km) for s in near]
    assert [pk for pk, _d in rows] == [both.pk, paris_only.pk]
    assert rows[0][1] < 0.5  # its Saint-Denis site, not the Paris one
    assert 11 < rows[1][1] < 14
    assert near.count() == 2
    assert list(services.structures_near(nothing, saint_denis, 5)) == [both]


def test_the_distance_filter_reads_the_latitude_longitude_index_and_the_stored_point():
    SiteFactory.create_batch(3, commune="93066")
    near = services.sites_near(commune("93066"), 20)
    sql = str(near.query)
    assert "cube_distance" in sql and '"geo_site"."point"' in sql
    assert 'll_to_earth("geo_site"' not in sql  # nothing per row but a C call on the stored point
    with connection.cursor() as cursor:  # 3 rows: make the planner show it can use the index at all
        cursor.execute("SET LOCAL enable_seqscan = off")
    assert "site_latlon_idx" in near.explain()


def test_a_site_without_coordinates_takes_its_communes_point():
    structure = SiteFactory(commune="93048").structure
    site = Site.objects.get(structure=structure)
    montreuil = commune("93048")
    assert (site.latitude, site.longitude) == (montreuil.latitude, montreuil.longitude)
