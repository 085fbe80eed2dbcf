"""GEO_TILES_URL: no tiles by default (the map works offline); a tile server's host is the one image origin added."""

import json

import pytest
from django.urls import reverse

from tests.test_settings import run_python

pytestmark = pytest.mark.django_db

PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings; "
    "print(json.dumps([settings.GEO_TILES_URL, [str(s) for s in settings.SECURE_CSP['img-src']]]))"
)


@pytest.mark.parametrize(
    ("tiles", "img_src"),
    [
        ("", ["'self'", "data:"]),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", ["'self'", "data:", "https://*.tile.example.org"]),
        ("https://tiles.example.fr:8443/wmts/{z}/{x}/{y}.png", ["'self'", "data:", "https://tiles.example.fr:8443"]),
    ],
)
def test_the_tile_servers_host_is_the_only_image_origin_added(tiles, img_src):
    result = run_python("-c", PRINT_SETTINGS, SECRET_KEY="x" * 50, GEO_TILES_URL=tiles)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [tiles, img_src]


def test_the_map_passes_the_tile_url_and_shows_the_providers_credit(client, settings):
    from tests.geo.factories import SiteFactory

    settings.GEO_TILES_URL = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    settings.GEO_TILES_ATTRIBUTION = "© Les contributeurs d'Exemple"
    SiteFactory(commune="93066")
    html = client.get(reverse("structures:index")).content.decode()
    assert '"tiles": "https://{s}.tile.example.org/{z}/{x}/{y}.png"' in html
    assert "© Les contributeurs d&#x27;Exemple" in html
