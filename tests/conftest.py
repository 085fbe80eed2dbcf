"""Shared fixtures: real PostgreSQL, real Redis, a real Celery worker, and Chromium for browser tests."""

import os
import shutil

import pytest

from tests.accounts.factories import UserFactory
from tests.smtp import smtp_server  # noqa: F401 - a real SMTP server (aiosmtpd), for every app's tests

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
HAS_CHROMIUM = os.path.exists(CHROMIUM)
# Playwright's sync API runs an event loop in the test thread; Django must let the live server's ORM calls through.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    """Browser tests need Chromium. CI (CI=true) requires it; elsewhere its absence is said loudly, not hidden."""
    if HAS_CHROMIUM:
        return
    if os.environ.get("CI"):
        raise pytest.UsageError(f"Chromium is required in CI and was not found at {CHROMIUM}.")
    skip = pytest.mark.skip(reason=f"NO CHROMIUM at {CHROMIUM}: browser tests NOT RUN (set $CHROMIUM)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "fr-FR", "timezone_id": "Europe/Paris"}


@pytest.fixture
def user(db):
    return UserFactory()


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A real Celery worker (solo pool, in a thread) consuming from the real Redis broker.

    Tasks queued while it runs go through Redis and execute in the worker, not in-process.
    Needs REDIS_URL (make test starts a private Redis when it is not set).
    """
    from celery.contrib.testing.worker import start_worker

    from ess2024.celery import app

    assert settings.REDIS_URL, "REDIS_URL must point at a real Redis for worker tests"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.REDIS_URL
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True
