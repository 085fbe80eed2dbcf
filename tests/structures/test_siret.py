import pytest
from django.core.exceptions import ValidationError

from structures.validators import clean_siret, make_siret

# Real SIRETs: the INSEE head office and a La Poste establishment (SIREN 356000000, no Luhn checksum).
INSEE = "12002701600563"
LA_POSTE = "35600000000048"


def _error(value):
    with pytest.raises(ValidationError) as info:
        clean_siret(value)
    return info.value


def test_a_valid_siret_is_returned_compact():
    assert clean_siret(INSEE) == INSEE
    assert clean_siret("120 027 016 00563") == INSEE
    assert clean_siret(make_siret(42)) == make_siret(42)


def test_la_poste_is_the_documented_exception_to_the_checksum():
    assert clean_siret(LA_POSTE) == LA_POSTE


def test_a_bad_checksum_is_refused_in_french():
    error = _error("12002701600564")
    assert error.code == "invalid_checksum"
    assert "clé de contrôle" in error.messages[0]


@pytest.mark.parametrize(("value", "count"), [("1200270160056", 13), ("120027016005630", 15)])
def test_the_wrong_length_says_how_many_digits_were_typed(value, count):
    error = _error(value)
    assert error.code == "invalid_length"
    assert f"vous en avez saisi {count}" in error.messages[0]


def test_letters_are_refused():
    error = _error("1200270160056A")
    assert error.code == "invalid_format"
    assert "que des chiffres" in error.messages[0]


def test_empty_is_required():
    assert _error("  ").code == "required"
