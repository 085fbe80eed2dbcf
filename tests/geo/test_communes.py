"""The communes reference data (migration geo 0002) and finding a commune from what someone typed."""

import pytest

from geo import services
from geo.models import Commune

pytestmark = pytest.mark.django_db


def test_every_commune_of_france_is_loaded_with_coordinates_and_paris_arrondissements():
    assert Commune.objects.count() > 34_000
    arrondissements = Commune.objects.filter(insee__startswith="751", parent="75056")
    assert sorted(arrondissements.values_list("insee", flat=True)) == [f"751{n:02d}" for n in range(1, 21)]
    # Every metropolitan commune's point is in metropolitan France (no 0, no NaN, no swapped coordinates).
    metropolitan = Commune.objects.exclude(department__startswith="97").exclude(department__startswith="98")
    assert metropolitan.count() > 34_000
    assert not metropolitan.exclude(latitude__range=(41.3, 51.1), longitude__range=(-5.2, 9.6)).exists()
    eleventh = Commune.objects.get(insee="75111")
    assert eleventh.name == "Paris 11e Arrondissement"
    assert eleventh.postcode_list == ["75011"]
    assert 48.84 < eleventh.latitude < 48.87 and 2.36 < eleventh.longitude < 2.40
    saint_denis = Commune.objects.get(insee="93066")
    assert (saint_denis.department, saint_denis.region) == ("93", "11")
    assert "93200" in saint_denis.postcode_list


def test_departments_and_regions_are_named_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert services.departments()["93"] == ("Seine-Saint-Denis", "11")
        assert services.regions()["11"] == "Île-de-France"
        assert ("2A", "Corse-du-Sud (2A)") in services.department_choices()


@pytest.mark.parametrize(
    ("typed", "postcode", "insee"),
    [
        ("93066", "", "93066"),
        ("2a004", "", "2A004"),
        ("Montreuil 93100", "", "93048"),
        ("montreuil", "93100", "93048"),
        ("Saint-Denis (93)", "", "93066"),
        ("SAINT DENIS", "93200", "93066"),
        ("saint-denis 97400", "", "97411"),
        ("Paris 11e Arrondissement", "", "75111"),
        ("L'Île-Saint-Denis", "", "93039"),
        ("", "75011", "75111"),
        ("Paris", "75019", "75119"),  # the arrondissement of the postcode
        ("Lyon", "69003", "69383"),
        ("Paris", "", "75056"),
    ],
)
def test_resolve_a_commune_by_code_or_name_with_postcode_or_department(typed, postcode, insee):
    assert services.resolve_commune(typed, postcode=postcode).insee == insee


def test_a_shared_name_asks_for_the_postcode_and_lists_the_candidates():
    with pytest.raises(services.AmbiguousCommune) as error:
        services.resolve_commune("Saint-Denis")
    assert "Précisez le code postal" in error.value.message
    assert "Saint-Denis (93, 93200)" in error.value.message
    assert {c.insee for c in error.value.candidates} >= {"93066", "97411"}


def test_the_directory_takes_the_commune_in_ile_de_france_then_the_most_populated(django_assert_num_queries):
    # La Réunion's Saint-Denis is larger, but the Games' buyers mean Seine-Saint-Denis's.
    assert services.resolve_commune("Saint-Denis", prefer_largest=True).insee == "93066"
    assert services.resolve_commune("Montreuil", prefer_largest=True).insee == "93048"  # not Montreuil (62)
    assert services.resolve_commune("Valence", prefer_largest=True).insee == "26362"  # Drôme's, the largest
    with django_assert_num_queries(0):  # found communes are cached
        assert services.resolve_commune("saint denis", prefer_largest=True).insee == "93066"


@pytest.mark.parametrize(
    ("typed", "postcode", "message"),
    [
        ("Sant-Deni", "", "Aucune commune ne s'appelle « Sant-Deni »"),
        ("99999", "", "Aucune commune n'a le code INSEE « 99999 »"),
        ("Montreuil", "75011", "Aucune commune « Montreuil » n'a le code postal 75011"),
        ("Montreuil", "9310", "Un code postal a 5 chiffres"),
        ("", "", "Indiquez une commune"),
        ("!!!", "", "Indiquez le nom de la commune en lettres"),
    ],
)
def test_unknown_communes_get_a_french_message_saying_how_to_fix_it(typed, postcode, message):
    with pytest.raises(services.CommuneNotFound) as error:
        services.resolve_commune(typed, postcode=postcode)
    assert message in error.value.message
