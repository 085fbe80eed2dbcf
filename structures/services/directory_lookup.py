"""Fill a structure's identity from the public company directory, the "API Recherche d'entreprises".

Used by step 1 of the sign-up wizard when `settings.SIRET_LOOKUP_URL` is set (off by default and in tests, where a
local fake server stands in). One GET `<SIRET_LOOKUP_URL>?q=<siret>&per_page=1` with a short timeout; the answer is
`{"results": [{"siren", "nom_raison_sociale", "nom_complet", "nature_juridique", "siege": {"adresse",
"code_postal", "libelle_commune", "numero_voie", "type_voie", "libelle_voie", ...}, "matching_etablissements":
[...]}], ...}`. The structure's address is its head office's (`siege`), as the wizard asks for.

`lookup_siret` returns the identity fields it could fill ({"name", "address", "postcode", "city", "legal_form"}, the
last one only when the INSEE legal category maps to one of ours) or raises DirectoryLookupError with a French message
for the user; any failure (timeout, HTTP error, unreadable answer, no match) leaves the wizard as without the lookup.
Nothing is written here.
"""

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request

from django.conf import settings
from django.utils.translation import gettext as _

from structures.models import LegalForm

logger = logging.getLogger(__name__)

MAX_RESPONSE_BYTES = 1_000_000

# INSEE legal categories ("nature juridique", level III) that say which of our legal forms a structure has. The
# others (a SAS, a plain SARL, ...) say nothing about it: the user chooses.
LEGAL_FORMS_BY_CATEGORY = {
    # Associations: declared, of public utility, of local law (Alsace-Moselle), not declared.
    "9210": LegalForm.ASSOCIATION,
    "9220": LegalForm.ASSOCIATION,
    "9221": LegalForm.ASSOCIATION,
    "9230": LegalForm.ASSOCIATION,
    "9260": LegalForm.ASSOCIATION,
    # "Association intermédiaire", an insertion structure of its own kind.
    "9222": LegalForm.AI,
    # Worker cooperatives (SCOP) as SARL, SA with a board, SA with a directorate.
    "5458": LegalForm.SCOP,
    "5558": LegalForm.SCOP,
    "5658": LegalForm.SCOP,
    # Mutuals.
    "8210": LegalForm.MUTUAL,
    "8250": LegalForm.MUTUAL,
    "8290": LegalForm.MUTUAL,
    "6411": LegalForm.MUTUAL,
    # Foundations.
    "9300": LegalForm.FOUNDATION,
}

# Lower-case words inside a name or an address written in capitals ("RUE DES CASCADES" -> "Rue des Cascades").
SMALL_WORDS = {"à", "au", "aux", "de", "des", "du", "en", "et", "la", "le", "les", "sur", "sous", "par", "pour"}


class DirectoryLookupError(Exception):
    """The directory gave nothing usable; `message` says so in French, and what to do."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def is_enabled() -> bool:
    return bool(settings.SIRET_LOOKUP_URL)


def lookup_siret(siret: str) -> dict[str, str]:
    """The identity fields the directory knows for this SIRET (14 digits, already validated)."""
    payload = _fetch(siret)
    result = _matching_result(payload, siret)
    return _identity(result, siret)


def _request_url(siret: str) -> str:
    base = settings.SIRET_LOOKUP_URL
    separator = "&" if urllib.parse.urlsplit(base).query else "?"
    return f"{base}{separator}{urllib.parse.urlencode({'q': siret, 'page': 1, 'per_page': 1})}"


def _fetch(siret: str) -> object:
    url = _request_url(siret)
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        logger.error("SIRET_LOOKUP_URL must be an http(s) URL, not %r", settings.SIRET_LOOKUP_URL)
        raise DirectoryLookupError(_unavailable())
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        url, headers={"Accept": "application/json", "User-Agent": "ESS2024 (inscription d'une structure)"}
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.SIRET_LOOKUP_TIMEOUT) as response:  # noqa: S310
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as error:
        logger.warning("Company directory answered HTTP %s for %s", error.code, siret)
        if error.code == 404:
            raise DirectoryLookupError(_not_found()) from error
        raise DirectoryLookupError(_unavailable()) from error
    except TimeoutError as error:
        logger.warning("Company directory did not answer within %ss", settings.SIRET_LOOKUP_TIMEOUT)
        raise DirectoryLookupError(_too_slow()) from error
    except (urllib.error.URLError, OSError) as error:
        if isinstance(getattr(error, "reason", None), TimeoutError):
            logger.warning("Company directory did not answer within %ss", settings.SIRET_LOOKUP_TIMEOUT)
            raise DirectoryLookupError(_too_slow()) from error
        logger.warning("Company directory unreachable: %s", error)
        raise DirectoryLookupError(_unavailable()) from error
    if len(body) > MAX_RESPONSE_BYTES:
        logger.warning("Company directory answer too long for %s", siret)
        raise DirectoryLookupError(_unreadable())
    try:
        return json.loads(body)
    except ValueError as error:
        logger.warning("Company directory answer is not JSON for %s", siret)
        raise DirectoryLookupError(_unreadable()) from error


def _matching_result(payload: object, siret: str) -> dict:
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        logger.warning("Company directory answer has no result list for %s", siret)
        raise DirectoryLookupError(_unreadable())
    for result in results:
        if isinstance(result, dict) and result.get("siren") == siret[:9]:
            return result
    raise DirectoryLookupError(_not_found())


def _identity(result: dict, siret: str) -> dict[str, str]:
    office = result.get("siege")
    if not isinstance(office, dict):
        office = next(
            (
                e
                for e in result.get("matching_etablissements") or []
                if isinstance(e, dict) and e.get("siret") == siret
            ),
            {},
        )
    postcode = _text(office.get("code_postal"))
    city = _text(office.get("libelle_commune"))
    fields = {
        "name": _tidy(_text(result.get("nom_raison_sociale")) or _text(result.get("nom_complet"))),
        "address": _tidy(_street(office, postcode, city)),
        "postcode": postcode if re.fullmatch(r"[0-9]{5}", postcode) else "",
        "city": _tidy(city),
    }
    legal_form = LEGAL_FORMS_BY_CATEGORY.get(_text(result.get("nature_juridique")))
    if legal_form:
        fields["legal_form"] = str(legal_form)
    fields = {name: value for name, value in fields.items() if value}
    if not fields.get("name"):
        raise DirectoryLookupError(_not_found())
    return fields


def _text(value) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int) else ""


def _street(office: dict, postcode: str, city: str) -> str:
    """The street line: the parts when the directory gives them, else its one-line address without postcode and
    city ("12 RUE DES CASCADES 75020 PARIS" -> "12 RUE DES CASCADES")."""
    parts = [_text(office.get(key)) for key in ("numero_voie", "indice_repetition", "type_voie", "libelle_voie")]
    line = _text(office.get("adresse"))
    if postcode and postcode in line:
        line = line[: line.index(postcode)].strip(" ,")
    if line:
        return line
    return " ".join(part for part in parts if part)


def _tidy(value: str) -> str:
    """A value written in capitals, as the registers keep them, in ordinary case; other values as they are."""
    if not value or value != value.upper():
        return value
    words = []
    for index, word in enumerate(value.lower().split(" ")):
        if index and word in SMALL_WORDS:
            words.append(word)
            continue
        words.append(re.sub(r"(^|[-'’(])(\w)", lambda m: m.group(1) + m.group(2).upper(), word))
    # Elided articles stay lower-case inside a name ("Maison D'Ourcq" -> "Maison d'Ourcq").
    return re.sub(r"(?<=\s)([DL])(?=['’])", lambda m: m.group(1).lower(), " ".join(words))


def _too_slow() -> str:
    return _(
        "L'annuaire des entreprises n'a pas répondu à temps. Continuez et remplissez les champs vous-même, "
        "ou réessayez dans un moment."
    )


def _unavailable() -> str:
    return _(
        "L'annuaire des entreprises n'est pas disponible pour le moment. Continuez et remplissez les champs "
        "vous-même, ou réessayez plus tard."
    )


def _unreadable() -> str:
    return _("La réponse de l'annuaire des entreprises est illisible. Continuez et remplissez les champs vous-même.")


def _not_found() -> str:
    return _(
        "Ce SIRET ne figure pas dans l'annuaire des entreprises. Vérifiez-le, ou continuez et remplissez les "
        "champs vous-même."
    )
