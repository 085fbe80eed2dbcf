from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum import luhn
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.fr import siret as stdnum_siret

# SIRENs typed to get past a form: a single repeated digit (000000000 passes Luhn) and counting sequences.
PLACEHOLDER_SIRENS = frozenset({digit * 9 for digit in "0123456789"} | {"123456789", "987654321", "012345678"})


def is_placeholder_siret(siret: str) -> bool:
    """A SIREN or SIRET made only of zeros, or another well-known placeholder (a repeated digit, 123456789…).

    La Poste's SIREN (356000000) is a real one: it is not a repeated digit nor a sequence."""
    return siret[:9] in PLACEHOLDER_SIRENS or len(set(siret)) == 1


def clean_siret(value: str) -> str:
    """Return the SIRET as 14 digits, or raise a ValidationError whose French message says how to fix it.

    La Poste's SIRETs (SIREN 356000000) do not follow the Luhn checksum; python-stdnum knows the exception.
    """
    compact = stdnum_siret.compact(value or "")
    if not compact:
        raise ValidationError(_("Indiquez le numéro SIRET de la structure (14 chiffres)."), code="required")
    if not compact.isdigit():
        raise ValidationError(
            _("Le SIRET ne contient que des chiffres (14 chiffres, sans lettres)."), code="invalid_format"
        )
    if len(compact) != 14:
        raise ValidationError(
            _("Le SIRET compte 14 chiffres ; vous en avez saisi %(count)s.") % {"count": len(compact)},
            code="invalid_length",
        )
    try:
        stdnum_siret.validate(compact)
    except (InvalidChecksum, InvalidComponent):
        raise ValidationError(
            _("Ce numéro SIRET n'existe pas (la clé de contrôle ne correspond pas) : vérifiez les chiffres."),
            code="invalid_checksum",
        ) from None
    except (InvalidFormat, InvalidLength):
        raise ValidationError(_("Le SIRET doit compter 14 chiffres."), code="invalid_format") from None
    if is_placeholder_siret(compact):
        raise ValidationError(
            _("Ce numéro SIRET est un numéro d'exemple, pas celui d'une structure : saisissez le vrai SIRET."),
            code="placeholder",
        )
    return compact


def make_siret(seed: int) -> str:
    """A valid SIRET built from a number (for demo data and tests): SIREN and SIRET both pass Luhn."""
    siren_base = f"{(seed * 7919) % 10**8:08d}"
    siren = siren_base + luhn.calc_check_digit(siren_base)
    nic_base = f"{seed % 10**4:04d}"
    return siren + nic_base + luhn.calc_check_digit(siren + nic_base)
