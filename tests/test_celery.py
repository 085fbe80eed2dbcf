"""Celery against the real Redis: a task queued here runs on a real worker and its result comes back."""

import threading
import uuid

import pytest
from celery.backends.redis import RedisBackend
from django.db import connections, transaction

from ess2024.celery import app, ping


@pytest.fixture
def worker_with_results(request, transactional_db, settings):
    """The `celery_worker` fixture, with results stored in Redis for `ess2024.ping` only, for this test only.

    The project ignores task results (CELERY_TASK_IGNORE_RESULT); the backend must be on the task before the worker
    starts, because the worker builds its tracers at start-up. transactional_db is asked for here (not only through
    celery_worker) so that pytest-django knows the test is transactional.
    """
    # The solo pool's start closes the file descriptors of this thread's open connections (Celery's Django fixup,
    # meant for forked children): close them properly first; the next query reconnects.
    connections.close_all()
    backend = RedisBackend(app=app, url=settings.REDIS_URL)
    ping.backend = backend
    try:
        yield request.getfixturevalue("celery_worker")
    finally:
        ping.backend = None
        backend.client.close()


@pytest.mark.worker
def test_ping_runs_on_the_worker_through_redis(worker_with_results):
    token = f"pong-{uuid.uuid4()}"

    result = ping.apply_async(args=[token], ignore_result=False)

    assert result.get(timeout=15) == token
    assert result.successful()
    # The result was stored by the worker in Redis, under the task's id, not computed in this process.
    stored = ping.backend.get_task_meta(result.id)
    assert stored["status"] == "SUCCESS"
    assert stored["result"] == token
    result.forget()


@pytest.mark.worker
def test_task_queued_on_commit_reaches_the_worker_only_after_the_commit(worker_with_results):
    task_id = str(uuid.uuid4())
    queued = threading.Event()

    with transaction.atomic():
        transaction.on_commit(
            lambda: (ping.apply_async(args=["après commit"], task_id=task_id, ignore_result=False), queued.set())
        )
        assert not queued.is_set()
        assert ping.AsyncResult(task_id).state == "PENDING"

    assert queued.is_set()
    result = ping.AsyncResult(task_id)
    assert result.get(timeout=15) == "après commit"
    result.forget()
