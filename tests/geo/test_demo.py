"""Demo sites (geo.demo, called by seed_demo): each structure's main site is in its own city."""

import pytest

from geo import demo
from geo.models import Site
from structures import demo as structures_demo
from structures.models import Structure

pytestmark = pytest.mark.django_db


def test_demo_sites_match_each_structures_city_and_seeding_twice_adds_nothing():
    structures_demo.seed()
    demo.seed()
    count = Site.objects.count()
    structures = Structure.objects.exclude(city="").count()
    assert count >= structures  # one main site each, and some second sites
    mains = Site.objects.filter(is_main=True).select_related("commune", "structure")
    assert mains.count() == structures
    for site in mains:
        structure = site.structure
        assert site.commune.department == structure.postcode[:2]
        assert structure.postcode in site.commune.postcode_list
        if structure.postcode.startswith("75"):
            assert site.commune.parent == "75056"  # Paris: the arrondissement, not the city
        else:
            assert site.commune.name == structure.city
        # A few hundred metres from the commune's point, never on top of another marker by accident.
        assert (
            abs(site.latitude - site.commune.latitude) < 0.01 and abs(site.longitude - site.commune.longitude) < 0.02
        )
    assert Site.objects.filter(commune_id="93066").exists() and Site.objects.filter(commune_id="93048").exists()
    demo.seed()
    assert Site.objects.count() == count
