"""Checking rows: pure functions over a row and the reference tables (`validate_row`, `plan_row`), and the dry-run
report they make (`check_rows`), with the few queries they need (`load_reference`, `load_existing`)."""

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.translation import gettext as _

from structures.imports.columns import (
    _NO,
    _POSTCODE,
    _YES,
    CREATE,
    FIELD_LABELS,
    LIST_SEPARATOR,
    M2M_FIELDS,
    MAX_LENGTHS,
    REJECT,
    SCALAR_FIELDS,
    UNCHANGED,
    UPDATE,
    normalize,
)
from structures.imports.parsing import RawRow
from structures.models import Area, Headcount, ImportJob, LegalForm, Sector, Structure, Topic
from structures.validators import clean_siret


@dataclass(frozen=True)
class Reference:
    """The lookup tables a row is checked against, loaded once per file (or per chunk)."""

    legal_forms: dict[str, str]
    topics: dict[str, int]
    sectors: dict[str, int]
    areas: dict[str, int]
    headcounts: dict[str, str]


def _legal_form_keys() -> dict[str, str]:
    keys = {}
    for value, label in LegalForm.choices:
        label = str(label)
        keys[normalize(value)] = value
        keys[normalize(label)] = value
        match = re.match(r"^(.+?) \((.+)\)$", label)
        if match:
            keys[normalize(match[1])] = value
            keys[normalize(match[2])] = value
    keys.update({normalize("mutuelle"): LegalForm.MUTUAL, normalize("fondation"): LegalForm.FOUNDATION})
    keys.update({normalize("autre"): LegalForm.OTHER, normalize("esus"): LegalForm.ESUS})
    return keys


def load_reference() -> Reference:
    topics, sectors, areas = {}, {}, {}
    for pk, slug, name in Topic.objects.values_list("pk", "slug", "name"):
        topics[normalize(slug)] = topics[normalize(name)] = pk
    for pk, slug, name in Sector.objects.values_list("pk", "slug", "name"):
        sectors[normalize(slug)] = sectors[normalize(name)] = pk
    for pk, code, name in Area.objects.values_list("pk", "code", "name"):
        areas[normalize(code)] = areas[normalize(name)] = pk
    headcounts = {}
    for value, label in Headcount.choices:
        headcounts[normalize(value)] = headcounts[normalize(str(label))] = value
    return Reference(
        legal_forms=_legal_form_keys(), topics=topics, sectors=sectors, areas=areas, headcounts=headcounts
    )


@dataclass
class CleanRow:
    line: int
    siret: str
    fields: dict[str, Any]  # scalar model fields given by the file (empty cells are left out)
    topics: set[int] = field(default_factory=set)
    sectors: set[int] = field(default_factory=set)
    areas: set[int] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.fields["name"]


def _lookup_list(raw: str, table: dict[str, int], message: str, errors: list[str]) -> set[int]:
    found = set()
    for item in (part.strip() for part in raw.split(LIST_SEPARATOR)):
        if not item:
            continue
        pk = table.get(normalize(item))
        if pk is None:
            errors.append(message % {"value": item})
        else:
            found.add(pk)
    return found


def validate_row(raw: RawRow, reference: Reference) -> tuple[CleanRow | None, list[str]]:
    """Check one row: (the clean row, []) or (None, French errors saying how to fix the row)."""
    if raw.errors:
        return None, list(raw.errors)
    values = raw.values
    errors: list[str] = []
    fields: dict[str, Any] = {}

    siret = ""
    try:
        siret = clean_siret(values.get("siret", ""))
    except ValidationError as error:
        errors.extend(error.messages)

    name = values.get("nom", "")
    if not name:
        errors.append(_("Le nom de la structure est obligatoire."))
    fields["name"] = name

    legal_form_raw = values.get("forme_juridique", "")
    legal_form = reference.legal_forms.get(normalize(legal_form_raw))
    if not legal_form_raw:
        errors.append(_("La forme juridique est obligatoire (par exemple : association, scop, ei, esat)."))
    elif legal_form is None:
        errors.append(
            _("Forme juridique inconnue : « %(value)s » (valeurs possibles : %(values)s).")
            % {"value": legal_form_raw, "values": ", ".join(LegalForm.values)}
        )
    fields["legal_form"] = legal_form

    for column, model_field in (
        ("adresse", "address"),
        ("ville", "city"),
        ("description", "description"),
        ("references", "references"),
        ("nom_contact", "contact_name"),
        ("telephone_contact", "contact_phone"),
    ):
        if values.get(column):
            fields[model_field] = values[column]

    postcode = values.get("code_postal", "").replace(" ", "")
    if postcode:
        if len(postcode) == 4 and postcode.isdigit():
            postcode = "0" + postcode  # Excel drops the leading zero of 01000…09999
        if _POSTCODE.match(postcode):
            fields["postcode"] = postcode
        else:
            errors.append(_("Code postal invalide : « %(value)s » (5 chiffres).") % {"value": values["code_postal"]})

    headcount_raw = values.get("effectif", "")
    if headcount_raw:
        headcount = reference.headcounts.get(normalize(headcount_raw).replace(" ", ""))
        headcount = headcount or reference.headcounts.get(normalize(headcount_raw))
        if headcount is None:
            errors.append(
                _("Effectif inconnu : « %(value)s » (valeurs possibles : %(values)s).")
                % {"value": headcount_raw, "values": ", ".join(Headcount.values)}
            )
        else:
            fields["headcount"] = headcount

    esus_raw = normalize(values.get("agrement_esus", ""))
    if esus_raw in _YES:
        fields["esus_accredited"] = True
    elif esus_raw and esus_raw in _NO:
        fields["esus_accredited"] = False
    elif esus_raw:
        errors.append(_("Agrément ESUS : écrivez « oui » ou « non » (et non « %(value)s »).") % {"value": esus_raw})

    website = values.get("site_web", "")
    if website:
        if "://" not in website:
            website = "https://" + website
        try:
            URLValidator(schemes=["http", "https"])(website)
            fields["website"] = website
        except ValidationError:
            errors.append(_("Adresse de site web invalide : « %(value)s ».") % {"value": values["site_web"]})

    email = values.get("email_contact", "").lower()
    if email:
        try:
            validate_email(email)
            fields["contact_email"] = email
        except ValidationError:
            errors.append(
                _("Adresse e-mail de contact invalide : « %(value)s ».") % {"value": values["email_contact"]}
            )

    for model_field, max_length in MAX_LENGTHS.items():
        value = fields.get(model_field)
        if isinstance(value, str) and len(value) > max_length:
            errors.append(
                _("%(field)s : %(max)s caractères au plus (%(count)s ici).")
                % {"field": str(FIELD_LABELS[model_field]).capitalize(), "max": max_length, "count": len(value)}
            )

    topics = _lookup_list(
        values.get("thematiques", ""), reference.topics, _("Thématique inconnue : « %(value)s »."), errors
    )
    sectors = _lookup_list(
        values.get("secteurs", ""), reference.sectors, _("Secteur inconnu : « %(value)s »."), errors
    )
    areas = _lookup_list(
        values.get("zones", ""),
        reference.areas,
        _("Zone inconnue : « %(value)s » (utilisez le code : 75, 93, 75111, FR…)."),
        errors,
    )

    if errors:
        return None, errors
    return CleanRow(line=raw.line, siret=siret, fields=fields, topics=topics, sectors=sectors, areas=areas), []


@dataclass
class Existing:
    """What the database holds for a SIRET, in the shape a row is compared with."""

    pk: int
    fields: dict[str, Any]
    topics: set[int]
    sectors: set[int]
    areas: set[int]


def load_existing(sirets: Iterable[str], *, lock: bool = False) -> dict[str, Existing]:
    """The structures with these SIRETs, with their M2M ids: four queries whatever the number of SIRETs."""
    sirets = list(sirets)
    if not sirets:
        return {}
    structures = Structure.objects.filter(siret__in=sirets).order_by("pk")
    if lock:
        structures = structures.select_for_update(of=("self",))
    existing = {}
    for values in structures.values("pk", "siret", *SCALAR_FIELDS):
        existing[values["siret"]] = Existing(
            pk=values["pk"], fields={f: values[f] for f in SCALAR_FIELDS}, topics=set(), sectors=set(), areas=set()
        )
    by_pk = {item.pk: item for item in existing.values()}
    for relation, target in (("topics", "topic_id"), ("sectors", "sector_id"), ("areas", "area_id")):
        through = getattr(Structure, relation).through
        for structure_id, pk in through.objects.filter(structure_id__in=by_pk).values_list("structure_id", target):
            getattr(by_pk[structure_id], relation).add(pk)
    return existing


def plan_row(row: CleanRow, existing: Existing | None) -> tuple[str, list[str]]:
    """(action, changed fields) for a valid row: create, update (the fields that differ) or unchanged."""
    if existing is None:
        return CREATE, []
    changes = [name for name, value in row.fields.items() if existing.fields.get(name) != value]
    for relation in M2M_FIELDS:
        if getattr(row, relation) - getattr(existing, relation):
            changes.append(relation)
    return (UPDATE, changes) if changes else (UNCHANGED, [])


def _entry(raw: RawRow, *, action: str, changes=(), errors=(), siret: str = "") -> dict:
    return {
        "line": raw.line,
        "siret": siret or raw.values.get("siret", ""),
        "name": raw.values.get("nom", ""),
        "action": action,
        "changes": list(changes),
        "errors": list(errors),
    }


def _chunks(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def check_rows(rows: list[RawRow], *, reference: Reference, seen: dict[str, int]) -> list[dict]:
    """The dry-run report entries of some rows. `seen` (SIRET -> first line) carries over between chunks."""
    checked = []
    for raw in rows:
        clean, errors = validate_row(raw, reference)
        if clean is not None and clean.siret in seen:
            errors = [_("Ce SIRET figure déjà ligne %(line)s du fichier.") % {"line": seen[clean.siret]}]
            clean = None
        if clean is not None:
            seen[clean.siret] = raw.line
        checked.append((raw, clean, errors))
    existing = load_existing(clean.siret for _raw, clean, _errors in checked if clean is not None)
    report = []
    for raw, clean, errors in checked:
        if clean is None:
            report.append(_entry(raw, action=REJECT, errors=errors))
        else:
            action, changes = plan_row(clean, existing.get(clean.siret))
            report.append(_entry(raw, action=action, changes=changes, siret=clean.siret))
    return report


def counts(report: list[dict]) -> dict[str, int]:
    result = {CREATE: 0, UPDATE: 0, UNCHANGED: 0, REJECT: 0}
    for entry in report:
        result[entry["action"]] += 1
    return result


def _set_counts(job: ImportJob, report: list[dict]) -> None:
    totals = counts(report)
    job.created_count = totals[CREATE]
    job.updated_count = totals[UPDATE]
    job.unchanged_count = totals[UNCHANGED]
    job.rejected_count = totals[REJECT]
