"""Validation of tender data that is more than a database constraint.

CPV codes (Common Procurement Vocabulary, Regulation (EC) 213/2008) are written `DDDDDDDD-C`: eight digits and a
check digit, e.g. `45000000-7` (construction work). We check the FORMAT only, not the check digit: the EU does not
publish the check-digit algorithm, and the one often guessed (weights 3, 7, 1 repeated, modulo 10) fits most
published codes but not all of them (it gives 2 for `51000000-9` "installation services" and 4 for `09100000-0`
"fuels"). Rejecting real codes would be worse than accepting a mistyped check digit, so we do not check it.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

CPV_RE = re.compile(r"^[0-9]{8}-[0-9]$")
_CPV_LOOSE_RE = re.compile(r"^([0-9]{8})\s*[-‐‑–—]?\s*([0-9])$")


def normalise_cpv(value: str) -> str:
    """`45000000 7`, `450000007`, ` 45000000–7 ` → `45000000-7`; anything else is returned stripped."""
    value = (value or "").strip()
    match = _CPV_LOOSE_RE.match(value)
    return f"{match[1]}-{match[2]}" if match else value


def validate_cpv(value: str) -> None:
    """Raise a ValidationError, in French, saying what a CPV code looks like."""
    if not CPV_RE.match(value or ""):
        raise ValidationError(
            _(
                "« %(value)s » n'est pas un code CPV : un code CPV compte 8 chiffres, un tiret et un chiffre de "
                "contrôle, par exemple 45000000-7."
            )
            % {"value": value},
            code="invalid_cpv",
        )


def clean_cpv_codes(values) -> list[str]:
    """Normalise, validate and de-duplicate a list of CPV codes (order kept). Raises one error per bad code."""
    codes: list[str] = []
    errors: list[ValidationError] = []
    for raw in values or []:
        code = normalise_cpv(raw)
        if not code:
            continue
        try:
            validate_cpv(code)
        except ValidationError as error:
            errors.append(error)
            continue
        if code not in codes:
            codes.append(code)
    if errors:
        raise ValidationError(errors)
    return codes
