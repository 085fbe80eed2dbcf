"""The directory's geographic filters (/structures/): commune, department, region, "près de" + radius, and the map."""

import json
import re
from html import unescape

import pytest
from django.urls import reverse

from tests.geo.factories import SiteFactory
from tests.structures.factories import ListedStructureFactory

pytestmark = pytest.mark.django_db

URL = reverse("structures:index")


def names(response) -> list[str]:
    html = response.content.decode()
    return [unescape(n) for n in re.findall(r'<h3 class="h5 card-title mb-1"><a href="[^"]+">([^<]+)</a></h3>', html)]


@pytest.fixture
def places():
    """One structure per place; "Plaine" has a second site in Lyon, "Lyon" only there."""
    made = {}
    for name, insee in [
        ("Plaine", "93066"),  # Saint-Denis
        ("Bastille", "75111"),  # Paris 11e, ~9.7 km from Saint-Denis
        ("Montreuil", "93048"),  # ~9.5 km
        ("Evry", "91228"),  # Évry-Courcouronnes, ~37 km
        ("Lyon", "69381"),
    ]:
        made[name] = SiteFactory(commune=insee, is_main=True, structure=ListedStructureFactory(name=name)).structure
    SiteFactory(structure=made["Plaine"], commune="69381")
    return made


def test_near_saint_denis_within_15_km(client, places):
    response = client.get(URL, {"pres_de": "93066", "rayon": "15"})
    assert response.status_code == 200
    assert sorted(names(response)) == ["Bastille", "Montreuil", "Plaine"]
    chips = unescape(response.content.decode()).replace("\xa0", " ")
    assert "Près de : Saint-Denis (93)" in chips and "Rayon (km) : 15" in chips


def test_near_a_commune_typed_by_name_with_the_default_radius_of_20_km(client, places):
    assert sorted(names(client.get(URL, {"pres_de": "Saint-Denis"}))) == ["Bastille", "Montreuil", "Plaine"]
    assert sorted(names(client.get(URL, {"pres_de": "saint denis", "rayon": "50"}))) == [
        "Bastille",
        "Evry",
        "Montreuil",
        "Plaine",
    ]


def test_a_structure_with_several_sites_near_is_listed_once(client, places):
    SiteFactory(structure=places["Bastille"], commune="75112")
    SiteFactory(structure=places["Bastille"], commune="75120")
    response = client.get(URL, {"pres_de": "75111", "rayon": "10"})
    assert names(response).count("Bastille") == 1


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"departement": "93"}, ["Montreuil", "Plaine"]),
        ({"departement": "69"}, ["Lyon", "Plaine"]),
        ({"region": "11"}, ["Bastille", "Evry", "Montreuil", "Plaine"]),
        ({"region": "84"}, ["Lyon", "Plaine"]),
        ({"commune": "75056"}, ["Bastille"]),  # Paris includes its arrondissements
        ({"commune": "75111"}, ["Bastille"]),
        ({"commune": "Montreuil 93100"}, ["Montreuil"]),
        ({"commune": "75112"}, []),
    ],
)
def test_commune_department_and_region_match_any_site_of_the_structure(client, places, params, expected):
    assert sorted(names(client.get(URL, params))) == expected


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"pres_de": "93066", "rayon": "500"}, "Le rayon est un nombre de kilomètres entre 1 et 200"),
        ({"pres_de": "93066", "rayon": "0"}, "Le rayon est un nombre de kilomètres entre 1 et 200"),
        ({"pres_de": "93066", "rayon": "vingt"}, "Le rayon est un nombre de kilomètres entre 1 et 200"),
        ({"pres_de": "Sant-Deni"}, "Aucune commune ne s'appelle « Sant-Deni »"),
        ({"commune": "00000"}, "Aucune commune n'a le code INSEE « 00000 »"),
        ({"departement": "999"}, "Sélectionnez un choix valide"),
        ({"region": "x" * 300}, "Sélectionnez un choix valide"),
    ],
)
def test_bad_values_get_a_french_error_on_the_form_and_no_500(client, places, params, message):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    # What was typed stays in the form.
    for value in params.values():
        assert f'value="{value}"' in unescape(response.content.decode()) or value in ("999", "x" * 300)


def test_a_radius_out_of_range_falls_back_to_20_km_around_the_commune(client, places):
    assert sorted(names(client.get(URL, {"pres_de": "93066", "rayon": "500"}))) == ["Bastille", "Montreuil", "Plaine"]


def test_the_map_shows_the_pages_sites_and_the_searched_circle(client, places):
    response = client.get(URL, {"pres_de": "93066", "rayon": "15"})
    html = response.content.decode()
    assert 'id="carte-structures"' in html and 'aria-hidden="true"' in html
    data = json.loads(
        re.search(r'<script id="carte-structures-donnees" type="application/json">(.*?)</script>', html, re.S)[1]
    )
    assert data["centre"]["name"] == "Saint-Denis" and data["radius_km"] == 15
    assert {m["name"] for m in data["markers"]} == {"Bastille", "Montreuil", "Plaine"}
    assert len(data["markers"]) == 4  # Plaine's Lyon site too: the map shows the listed structures' sites
    assert data["tiles"] == ""  # no tile server by default: the site works offline
    assert "dans un rayon de 15 km autour de Saint-Denis" in html


def test_the_map_takes_one_query_and_a_known_commune_none(client, places, django_assert_max_num_queries):
    """Rendered without the fragment cache (a new query string each time): the map's sites are one query, and a
    commune asked for before costs none (geo.services caches found communes)."""
    client.get(URL, {"pres_de": "93066", "rayon": "15"})
    with django_assert_max_num_queries(20) as near:
        client.get(URL, {"pres_de": "93066", "rayon": "15", "per_page": "10"})
    with django_assert_max_num_queries(20) as plain:
        client.get(URL, {"per_page": "10"})
    sql = [query["sql"] for query in near.captured_queries]
    assert len(near.captured_queries) == len(plain.captured_queries)
    assert sum('FROM "geo_site"' in q and 'structure_id" IN (' in q for q in sql) == 1  # the map's query
    assert not any('FROM "geo_commune"' in q for q in sql)


def test_distance_search_query_count_does_not_grow_with_the_page_size(client, django_assert_max_num_queries):
    for number in range(60):
        structure = ListedStructureFactory(name=f"Structure {number:02d}")
        SiteFactory(structure=structure, commune="93066")
        SiteFactory(structure=structure, commune="93048")
    client.get(URL, {"pres_de": "93066"})  # the commune is then known (cached)
    counts = set()
    for size in (10, 50):
        with django_assert_max_num_queries(20) as captured:
            response = client.get(URL, {"pres_de": "93066", "rayon": "15", "per_page": size})
        assert len(names(response)) == size
        counts.add(len(captured.captured_queries))
    assert len(counts) == 1
