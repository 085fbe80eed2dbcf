"""Bulk import of structures from a CSV file (Les Canaux staff onboarding the existing registry).

Three steps, each re-runnable:
1. `import_create` stores the upload as an ImportJob and queues the check (`structures.tasks.check_import`).
2. `check_import` parses the file and checks every row (SIRET, legal form, topics, areas, required fields, …)
   against the database without writing a structure: the dry-run report says, row by row, what would be created,
   updated (and which fields), left unchanged or rejected (and why).
3. `import_start_apply` then `apply_next_chunk` (one Celery task per chunk) write the rows in bounded chunks, each
   in its own transaction, and advance `processed_rows`. Rows are keyed on SIRET and only fields that differ are
   written, so applying the same file twice — or resuming after a crash — changes nothing the second time.

The parsing and checking are pure functions over rows (`parse_csv`, `validate_row`, `plan_row`) so that they can
be tested without a file or a database. Empty cells never erase what a structure already says; topics, sectors
and areas from the file are added to the structure's own, never removed.
"""

import csv
import hashlib
import io
import re
import secrets
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from structures.models import (
    Area,
    Headcount,
    ImportJob,
    LegalForm,
    Sector,
    Structure,
    Topic,
)
from structures.validators import clean_siret

MAX_FILE_BYTES = 5 * 1024 * 1024  # the registry of ~4,500 structures is about 2 MB
MAX_ROWS = 20_000
CHUNK_SIZE = 250  # rows written per transaction (and per Celery task)
LIST_SEPARATOR = "|"

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
REJECT = "reject"
ACTION_LABELS = {
    CREATE: gettext_lazy("À créer"),
    UPDATE: gettext_lazy("À mettre à jour"),
    UNCHANGED: gettext_lazy("Inchangée"),
    REJECT: gettext_lazy("Rejetée"),
}
APPLIED_LABELS = {
    CREATE: gettext_lazy("Créée"),
    UPDATE: gettext_lazy("Mise à jour"),
    UNCHANGED: gettext_lazy("Inchangée"),
    REJECT: gettext_lazy("Rejetée"),
}


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    required: bool = False
    example: str = ""
    model_field: str = ""


COLUMNS = [
    Column("siret", gettext_lazy("14 chiffres, espaces acceptés."), True, "732 829 320 00074", "siret"),
    Column("nom", gettext_lazy("Nom de la structure."), True, "La Table Solidaire", "name"),
    Column(
        "forme_juridique",
        gettext_lazy(
            "association, scop, scic, cae, mutuelle, fondation, esus, ei, etti, aci, ai, eiti, ea, esat, tpe, pme ou "
            "autre (le libellé complet est aussi accepté, par exemple « Entreprise d'insertion »)."
        ),
        True,
        "scop",
        "legal_form",
    ),
    Column("adresse", gettext_lazy("Numéro et rue."), False, "12 rue des Coopératives", "address"),
    Column("code_postal", gettext_lazy("5 chiffres."), False, "93200", "postcode"),
    Column("ville", gettext_lazy("Commune."), False, "Saint-Denis", "city"),
    Column(
        "thematiques",
        gettext_lazy("Thématiques stratégiques, par identifiant ou par nom, séparées par « | »."),
        False,
        "restauration-durable|Gestion et valorisation des déchets",
    ),
    Column("secteurs", gettext_lazy("Secteurs d'activité, par identifiant ou par nom, séparés par « | »."), False, ""),
    Column(
        "zones",
        gettext_lazy("Zones d'intervention par code, séparées par « | » : FR, 75, 77, 78, 91, 92, 93, 94, 95, 75101…"),
        False,
        "93|75118",
    ),
    Column("effectif", gettext_lazy("0, 1-9, 10-49, 50-249 ou 250+."), False, "10-49", "headcount"),
    Column("agrement_esus", gettext_lazy("oui ou non."), False, "non", "esus_accredited"),
    Column("description", gettext_lazy("Description de l'activité."), False, "", "description"),
    Column("references", gettext_lazy("Références (clients passés)."), False, "", "references"),
    Column("site_web", gettext_lazy("Adresse du site (https:// ajouté s'il manque)."), False, "", "website"),
    Column("nom_contact", gettext_lazy("Nom de la personne à contacter."), False, "", "contact_name"),
    Column("email_contact", gettext_lazy("Adresse e-mail de contact."), False, "", "contact_email"),
    Column("telephone_contact", gettext_lazy("Téléphone de contact."), False, "", "contact_phone"),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
REQUIRED_COLUMNS = [column.name for column in COLUMNS if column.required]
# A few other headers found in registries, mapped to ours.
COLUMN_ALIASES = {
    "raison_sociale": "nom",
    "denomination": "nom",
    "forme": "forme_juridique",
    "cp": "code_postal",
    "commune": "ville",
    "thematique": "thematiques",
    "secteur": "secteurs",
    "zone": "zones",
    "email": "email_contact",
    "e_mail_contact": "email_contact",
    "telephone": "telephone_contact",
    "site": "site_web",
    "site_internet": "site_web",
    "esus": "agrement_esus",
}
# Model fields an import may write, with the French label the report shows when they change.
FIELD_LABELS = {
    "name": gettext_lazy("nom"),
    "legal_form": gettext_lazy("forme juridique"),
    "address": gettext_lazy("adresse"),
    "postcode": gettext_lazy("code postal"),
    "city": gettext_lazy("ville"),
    "headcount": gettext_lazy("effectif"),
    "esus_accredited": gettext_lazy("agrément ESUS"),
    "description": gettext_lazy("description"),
    "references": gettext_lazy("références"),
    "website": gettext_lazy("site web"),
    "contact_name": gettext_lazy("nom du contact"),
    "contact_email": gettext_lazy("e-mail de contact"),
    "contact_phone": gettext_lazy("téléphone de contact"),
    "topics": gettext_lazy("thématiques"),
    "sectors": gettext_lazy("secteurs"),
    "areas": gettext_lazy("zones"),
}
SCALAR_FIELDS = [f for f in FIELD_LABELS if f not in ("topics", "sectors", "areas")]
M2M_FIELDS = ["topics", "sectors", "areas"]
MAX_LENGTHS = {
    name: Structure._meta.get_field(name).max_length
    for name in SCALAR_FIELDS
    if getattr(Structure._meta.get_field(name), "max_length", None) and name not in ("description", "references")
}
# Paths under /structures/ that a slug must not take.
RESERVED_SLUGS = {"imports", "import", "export", "nouvelle"}

_YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
_NO = {"non", "n", "no", "faux", "false", "0", ""}
_POSTCODE = re.compile(r"^[0-9]{5}$")


def normalize(text: str) -> str:
    """Lower case, no accents, single spaces: the key under which names and codes are compared."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.replace("\u2019", "'").lower().split())


def normalize_header(text: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", normalize(text)).strip("_")
    return COLUMN_ALIASES.get(key, key)


# --- Parsing ------------------------------------------------------------------------------------------------------


@dataclass
class RawRow:
    line: int  # line number in the file (the header is line 1)
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    rows: list[RawRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems with the whole file: nothing can be imported
    ignored_columns: list[str] = field(default_factory=list)


def _has_bad_bytes(text: str) -> bool:
    # Bytes that are not UTF-8 were decoded as lone surrogates (errors="surrogateescape").
    return any("\udc80" <= char <= "\udcff" for char in text)


def parse_csv(data: bytes) -> ParsedFile:
    """Split the file into rows keyed by our column names. Never raises on bad content: it reports it.

    The separator is `;` or `,` (whichever the header uses most). A row with the wrong number of cells or with bytes
    that are not UTF-8 is kept with an error, so that it is reported and the other rows still go through.
    """
    parsed = ParsedFile()
    if len(data) > MAX_FILE_BYTES:
        parsed.errors.append(
            _("Le fichier dépasse %(size)s Mo : découpez-le en plusieurs fichiers.")
            % {"size": MAX_FILE_BYTES // 2**20}
        )
        return parsed
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="surrogateescape")
    if not text.strip():
        parsed.errors.append(_("Le fichier est vide."))
        return parsed
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
        columns = [normalize_header(name) for name in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            parsed.errors.append(
                _(
                    "Colonnes obligatoires absentes : %(columns)s. "
                    "La première ligne doit nommer les colonnes (%(all)s)."
                )
                % {"columns": ", ".join(missing), "all": ", ".join(REQUIRED_COLUMNS)}
            )
            return parsed
        parsed.ignored_columns = [header[i] for i, name in enumerate(columns) if name not in COLUMN_NAMES]
        previous_end = reader.line_num
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank line
            if len(parsed.rows) >= MAX_ROWS:
                parsed.errors.append(
                    _("Le fichier compte plus de %(max)s lignes : découpez-le en plusieurs fichiers.")
                    % {"max": f"{MAX_ROWS:,}".replace(",", "\u202f")}
                )
                return parsed
            row = RawRow(line=line, values={})
            if len(cells) != len(columns):
                row.errors.append(
                    _(
                        "La ligne compte %(found)s colonnes au lieu de %(expected)s : un « %(sep)s » dans un texte "
                        "doit être entre guillemets."
                    )
                    % {"found": len(cells), "expected": len(columns), "sep": delimiter}
                )
            if any(_has_bad_bytes(cell) for cell in cells):
                row.errors.append(
                    _(
                        "Caractères illisibles : le fichier n'est pas en UTF-8 (dans Excel, enregistrez-le en "
                        "« CSV UTF-8 »)."
                    )
                )
            if not row.errors:
                row.values = {
                    name: cell.strip() for name, cell in zip(columns, cells, strict=True) if name in COLUMN_NAMES
                }
            else:
                # Keep what identifies the row in the report, made readable.
                for name in ("siret", "nom"):
                    if name in columns and columns.index(name) < len(cells):
                        raw = cells[columns.index(name)]
                        row.values[name] = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace").strip()
            parsed.rows.append(row)
    except csv.Error as error:
        parsed.errors.append(
            _("Le fichier n'a pas pu être lu comme un CSV (ligne %(line)s : %(error)s).")
            % {"line": reader.line_num, "error": error}
        )
    return parsed


# --- Checking -----------------------------------------------------------------------------------------------------


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


# --- Services -----------------------------------------------------------------------------------------------------


class ImportStateError(Exception):
    """An import cannot move on (wrong state); the message is French and shown to staff."""


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


@transaction.atomic
def import_create(*, upload, by) -> ImportJob:
    """Store an uploaded CSV as a new ImportJob and queue its check once the transaction commits."""
    from structures import tasks

    data = upload.read()
    job = ImportJob(uploaded_by=by, file_sha256=hashlib.sha256(data).hexdigest())
    # The file holds contact details: an unguessable name, in case the media directory is ever served.
    original = upload.name.rsplit("/", 1)[-1] or "import.csv"
    job.file.save(f"{secrets.token_hex(8)}-{original}", ContentFile(data), save=False)
    job.save()
    tasks.check_import.delay_on_commit(job.pk)
    return job


def import_fail(*, job_id: int, error: str) -> None:
    """Mark an import as failed (the check crashed): staff see the message instead of an endless progress bar."""
    ImportJob.objects.filter(pk=job_id).exclude(status=ImportJob.Status.DONE).update(
        status=ImportJob.Status.FAILED, error=error
    )


def display_name(job: ImportJob) -> str:
    """The uploaded file's own name, without the directory and the random prefix import_create adds."""
    name = job.file.name.rsplit("/", 1)[-1]
    prefix, separator, rest = name.partition("-")
    return rest if separator and len(prefix) == 16 else name


def check_import(*, job_id: int, chunk_size: int = 1000) -> ImportJob:
    """Dry run: check every row and write the report. Progress is saved after each chunk of `chunk_size` rows."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job_id)
        if job.status not in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKING):
            return job  # already checked (a task delivered twice)
        job.status = ImportJob.Status.CHECKING
        job.processed_rows = 0
        job.save(update_fields=["status", "processed_rows", "updated_at"])
    parsed = parse_csv(_read(job))
    if parsed.errors:
        job.status = ImportJob.Status.FAILED
        job.error = "\n".join(parsed.errors)
        job.total_rows = len(parsed.rows)
        job.save(update_fields=["status", "error", "total_rows", "updated_at"])
        return job
    job.total_rows = len(parsed.rows)
    job.error = (
        _("Colonnes ignorées (inconnues) : %(columns)s.") % {"columns": ", ".join(parsed.ignored_columns)}
        if parsed.ignored_columns
        else ""
    )
    job.save(update_fields=["total_rows", "error", "updated_at"])
    reference = load_reference()
    seen: dict[str, int] = {}
    report: list[dict] = []
    for rows in _chunks(parsed.rows, chunk_size):
        report.extend(check_rows(rows, reference=reference, seen=seen))
        job.processed_rows = len(report)
        job.save(update_fields=["processed_rows", "updated_at"])
    job.report = report
    _set_counts(job, report)
    job.status = ImportJob.Status.CHECKED
    job.processed_rows = 0
    job.save()
    return job


@transaction.atomic
def import_start_apply(*, job: ImportJob, by) -> ImportJob:
    """Start (or resume) writing a checked import; the chunks run in Celery."""
    from structures import tasks

    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != ImportJob.Status.CHECKED:
        raise ImportStateError(
            _("Cet import ne peut pas être appliqué : %(status)s.") % {"status": locked.get_status_display()}
        )
    if not (locked.created_count or locked.updated_count):
        raise ImportStateError(_("Rien à appliquer : aucune ligne à créer ni à mettre à jour."))
    locked.status = ImportJob.Status.APPLYING
    locked.save(update_fields=["status", "updated_at"])
    tasks.apply_import.delay_on_commit(locked.pk)
    return locked


@transaction.atomic
def import_stop(*, job: ImportJob, by) -> ImportJob:
    """Pause an import being applied: the chunk in progress finishes, the next ones wait for a resume."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status == ImportJob.Status.APPLYING:
        locked.status = ImportJob.Status.CHECKED
        locked.save(update_fields=["status", "updated_at"])
    return locked


def _free_slugs(names: list[str]) -> list[str]:
    """A unique slug per name (like the sign-up's: the name, then name-2, name-3…), free in the database."""
    bases = [slugify(name)[:200].strip("-") or "structure" for name in names]
    query = Q()
    for base in set(bases):
        query |= Q(slug=base) | Q(slug__startswith=f"{base}-")
    taken = set(Structure.objects.filter(query).values_list("slug", flat=True)) | RESERVED_SLUGS
    slugs = []
    for base in bases:
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base}-{number}", number + 1
        taken.add(candidate)
        slugs.append(candidate)
    return slugs


def _write(rows: list[tuple[RawRow, CleanRow]], existing: dict[str, Existing]) -> list[dict]:
    """Write valid rows: create the new structures, update only the fields that differ. Returns report entries."""
    entries = {}
    to_create: list[tuple[RawRow, CleanRow]] = []
    links: list[tuple[str, int, set[int]]] = []  # (relation, structure id, ids to add)
    for raw, clean in rows:
        current = existing.get(clean.siret)
        action, changes = plan_row(clean, current)
        if action == CREATE:
            to_create.append((raw, clean))
            continue
        entries[raw.line] = _entry(raw, action=action, changes=changes, siret=clean.siret)
        scalar = [name for name in changes if name in SCALAR_FIELDS]
        if scalar:
            structure = Structure(pk=current.pk)
            for name in scalar:
                setattr(structure, name, clean.fields[name])
            structure.save(update_fields=[*scalar, "updated_at"])
        for relation in M2M_FIELDS:
            missing = getattr(clean, relation) - getattr(current, relation)
            if missing:
                links.append((relation, current.pk, missing))
    if to_create:
        slugs = _free_slugs([clean.name for _raw, clean in to_create])
        new = [
            Structure(siret=clean.siret, slug=slug, **clean.fields)
            for (_raw, clean), slug in zip(to_create, slugs, strict=True)
        ]
        # A structure signing up with the same SIRET at this very moment wins: its row is reported, not overwritten.
        Structure.objects.bulk_create(new, ignore_conflicts=True)
        created = dict(
            Structure.objects.filter(siret__in=[s.siret for s in new], slug__in=slugs).values_list("siret", "pk")
        )
        for raw, clean in to_create:
            pk = created.get(clean.siret)
            if pk is None:
                entries[raw.line] = _entry(
                    raw,
                    action=REJECT,
                    siret=clean.siret,
                    errors=[_("Une structure avec ce SIRET vient d'être créée par ailleurs : relancez l'import.")],
                )
                continue
            entries[raw.line] = _entry(raw, action=CREATE, siret=clean.siret)
            for relation in M2M_FIELDS:
                if getattr(clean, relation):
                    links.append((relation, pk, getattr(clean, relation)))
    for relation in M2M_FIELDS:
        through = getattr(Structure, relation).through
        target = f"{Structure._meta.get_field(relation).m2m_reverse_field_name()}_id"
        objects = [
            through(structure_id=pk, **{target: item})
            for rel, pk, items in links
            if rel == relation
            for item in sorted(items)
        ]
        through.objects.bulk_create(objects, ignore_conflicts=True)
    return [entries[raw.line] for raw, _clean in rows]


@transaction.atomic
def apply_next_chunk(*, job_id: int, chunk_size: int = CHUNK_SIZE) -> bool:
    """Write the next `chunk_size` rows of an import being applied, in one transaction. True when rows remain.

    The job row is locked for the whole chunk, so two deliveries of the task never write the same rows; rows are
    re-checked against the database as it is now (it may have changed since the dry run).
    """
    job = ImportJob.objects.select_for_update().get(pk=job_id)
    if job.status != ImportJob.Status.APPLYING:
        return False
    parsed = parse_csv(_read(job))
    start = job.processed_rows
    rows = parsed.rows[start : start + chunk_size]
    report = list(job.report)
    by_line = {entry["line"]: index for index, entry in enumerate(report)}
    reference = load_reference()
    valid: list[tuple[RawRow, CleanRow]] = []
    for raw in rows:
        if report[by_line[raw.line]]["action"] == REJECT:
            continue  # rejected by the dry run (a bad cell, or a SIRET already seen earlier in the file)
        clean, errors = validate_row(raw, reference)
        if clean is None:
            report[by_line[raw.line]] = _entry(raw, action=REJECT, errors=errors)
        else:
            valid.append((raw, clean))
    existing = load_existing([clean.siret for _raw, clean in valid], lock=True)
    for entry in _write(valid, existing):
        report[by_line[entry["line"]]] = entry
    job.report = report
    _set_counts(job, report)
    job.processed_rows = start + len(rows)
    if job.processed_rows >= len(parsed.rows):
        job.status = ImportJob.Status.DONE
    job.save()
    return job.status == ImportJob.Status.APPLYING


def template_csv() -> str:
    """An example file with every column and one row, for staff to fill in."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerow([column.example for column in COLUMNS])
    return "\ufeff" + buffer.getvalue()
