"""The import's services: create a job, check it (dry run), apply it chunk by chunk, pause it, mark it failed.

The Celery tasks that run the check and each chunk (structures/tasks.py) import this module and call its services;
this module never imports them: it queues them by name (a Celery signature, as outbox/services.py does), which
still runs them in-process when CELERY_TASK_ALWAYS_EAGER is on.
"""

import hashlib
import secrets

from celery import current_app
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from structures.imports.checking import (
    CleanRow,
    _chunks,
    _entry,
    _set_counts,
    check_rows,
    load_existing,
    load_reference,
    validate_row,
)
from structures.imports.columns import CHUNK_SIZE, REJECT
from structures.imports.parsing import RawRow, parse_csv
from structures.imports.writing import _write
from structures.models import ImportJob

# The tasks this module queues, by name: structures/tasks.py imports this module, never the other way round.
CHECK_IMPORT_TASK = "structures.check_import"
APPLY_IMPORT_TASK = "structures.apply_import"


def queue_check(job_id: int) -> None:
    transaction.on_commit(lambda: current_app.signature(CHECK_IMPORT_TASK, args=[job_id]).delay())


def queue_apply(job_id: int) -> None:
    """Queue the next chunk once the transaction commits."""
    transaction.on_commit(lambda: current_app.signature(APPLY_IMPORT_TASK, args=[job_id]).delay())


class ImportStateError(Exception):
    """An import cannot move on (wrong state); the message is French and shown to staff."""


def _read(job: ImportJob) -> bytes:
    with job.file.open("rb") as handle:
        return handle.read()


@transaction.atomic
def import_create(*, upload, by) -> ImportJob:
    """Store an uploaded CSV as a new ImportJob and queue its check once the transaction commits."""
    data = upload.read()
    job = ImportJob(uploaded_by=by, file_sha256=hashlib.sha256(data).hexdigest())
    # The file holds contact details: an unguessable name, in case the media directory is ever served.
    original = upload.name.rsplit("/", 1)[-1] or "import.csv"
    job.file.save(f"{secrets.token_hex(8)}-{original}", ContentFile(data), save=False)
    job.save()
    queue_check(job.pk)
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
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status != ImportJob.Status.CHECKED:
        raise ImportStateError(
            _("Cet import ne peut pas être appliqué : %(status)s.") % {"status": locked.get_status_display()}
        )
    if not (locked.created_count or locked.updated_count):
        raise ImportStateError(_("Rien à appliquer : aucune ligne à créer ni à mettre à jour."))
    locked.status = ImportJob.Status.APPLYING
    locked.save(update_fields=["status", "updated_at"])
    queue_apply(locked.pk)
    return locked


@transaction.atomic
def import_stop(*, job: ImportJob, by) -> ImportJob:
    """Pause an import being applied: the chunk in progress finishes, the next ones wait for a resume."""
    locked = ImportJob.objects.select_for_update().get(pk=job.pk)
    if locked.status == ImportJob.Status.APPLYING:
        locked.status = ImportJob.Status.CHECKED
        locked.save(update_fields=["status", "updated_at"])
    return locked


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
