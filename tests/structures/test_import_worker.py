"""The import with a real Celery worker (Redis broker): the check and each chunk run in the worker, after commit."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from structures import imports
from structures.models import ImportJob, Structure
from structures.validators import make_siret
from tests.accounts.factories import UserFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for_status(job, status, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status == status:
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job.pk} still {job.status!r} after {timeout}s (expected {status!r})")


def test_check_and_apply_run_in_the_worker_once_committed(celery_worker):
    staff = UserFactory(platform_staff=True)
    lines = [f"{make_siret(92000 + n)};Structure {n:03d};association;;;;;;;" for n in range(imports.CHUNK_SIZE + 20)]
    data = "siret;nom;forme_juridique;code_postal;ville;thematiques;zones;description;site_web;email_contact\n"
    data += "\n".join(lines) + "\n"

    with transaction.atomic():
        job = imports.import_create(upload=SimpleUploadedFile("registre.csv", data.encode()), by=staff)
        time.sleep(0.3)
        job.refresh_from_db()
        assert job.status == ImportJob.Status.UPLOADED  # nothing is queued before the commit

    job = wait_for_status(job, ImportJob.Status.CHECKED)
    assert (job.total_rows, job.created_count, job.rejected_count) == (
        imports.CHUNK_SIZE + 20,
        imports.CHUNK_SIZE + 20,
        0,
    )
    assert not Structure.objects.exists()

    imports.import_start_apply(job=job, by=staff)
    job = wait_for_status(job, ImportJob.Status.DONE)
    assert job.processed_rows == imports.CHUNK_SIZE + 20  # two chunks, the second queued by the first
    assert Structure.objects.count() == imports.CHUNK_SIZE + 20
