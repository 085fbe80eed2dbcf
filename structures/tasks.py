"""Celery tasks of the structures app. They take ids, re-read the rows and call a service
(structures.imports.services), which queues them by name: this module imports the services, never the reverse."""

import logging

from celery import shared_task
from django.utils.translation import gettext as _

from structures.imports import services as imports
from structures.services import reminders

logger = logging.getLogger(__name__)


@shared_task(name="structures.check_import")
def check_import(job_id: int) -> None:
    """Dry run of a CSV import: check every row and write the report."""
    try:
        imports.check_import(job_id=job_id)
    except Exception:
        logger.exception("Import %s: the check failed", job_id)
        imports.import_fail(
            job_id=job_id, error=_("La vérification a échoué sur une erreur inattendue : renvoyez le fichier.")
        )
        raise


@shared_task(name="structures.apply_import")
def apply_import(job_id: int) -> None:
    """Write the next chunk of an import (one transaction), then queue the next chunk if rows remain.

    One chunk per task keeps every task short; the job row's lock makes a duplicate delivery harmless.
    """
    if imports.apply_next_chunk(job_id=job_id):
        apply_import.delay(job_id)


@shared_task(name="structures.send_completeness_reminders")
def send_completeness_reminders() -> int:
    """Monthly (beat, the 1st): remind the administrators of incomplete profiles. Safe to run twice a month."""
    return reminders.send_completeness_reminders()
