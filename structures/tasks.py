"""Celery tasks of the structures app. They take ids, re-read the rows and call a service (structures.imports)."""

from celery import shared_task

from structures import imports


@shared_task(name="structures.check_import")
def check_import(job_id: int) -> None:
    """Dry run of a CSV import: check every row and write the report."""
    imports.check_import(job_id=job_id)


@shared_task(name="structures.apply_import")
def apply_import(job_id: int) -> None:
    """Write the next chunk of an import (one transaction), then queue the next chunk if rows remain.

    One chunk per task keeps every task short; the job row's lock makes a duplicate delivery harmless.
    """
    if imports.apply_next_chunk(job_id=job_id):
        apply_import.delay(job_id)
