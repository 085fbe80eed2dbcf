"""Celery tasks of the charter: applying an import of awards, one chunk per task run (charter.imports)."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

RETRY = {
    "autoretry_for": (DatabaseError, OSError),
    "retry_backoff": 5,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="charter.tasks.apply_award_import", **RETRY)
def apply_award_import(import_id: int) -> int:
    """Write the next chunk of an import, then queue the next run; safe to run twice (see charter.imports)."""
    from charter import imports

    more = imports.apply_next_chunk(import_id=import_id)
    if more:
        apply_award_import.delay(import_id)
    return import_id


@shared_task(name="charter.tasks.resume_stalled_award_imports")
def resume_stalled_award_imports() -> int:
    """Beat, every 5 minutes: re-queue imports left applying without progress for 5 minutes (a lost task)."""
    from charter import imports

    stalled = imports.stalled_imports()
    for import_id in stalled:
        apply_award_import.delay(import_id)
    return len(stalled)
