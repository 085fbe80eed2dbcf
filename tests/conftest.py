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
def base_url():
    """Pages are opened with live_server.url. (Replaces pytest-playwright's fallback fixture, which pytest 9
    deprecates because it is defined on a plugin object.)"""
    return None


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
    from django.db import connections

    from ess2024.celery import app

    assert settings.REDIS_URL, "REDIS_URL must point at a real Redis for worker tests"
    settings.CELERY_TASK_ALWAYS_EAGER = False
    app.conf.task_always_eager = False
    app.conf.broker_url = settings.REDIS_URL
    # Celery's Django fixup closes the thread's connections when the pool starts: close them first, cleanly.
    connections.close_all()
    # A task left in the queue by an earlier test would run against this test's rows.
    with app.connection_for_write() as connection:
        app.control.purge(connection=connection)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


@pytest.fixture(autouse=True)
def _french_by_default():
    """Each test starts in French: a request to /en/… leaves English active in the thread afterwards."""
    from django.utils import translation

    translation.activate("fr")
    yield
    translation.activate("fr")


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (allauth's rate limits count attempts in it)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# --- Rows created by data migrations (the staff group, the topics…) must survive transactional tests. -------------
# A transactional test (live_server, transactional_db) ends with a flush that empties every table, and --reuse-db
# then keeps that empty database for the next run. So: snapshot the migrated data once, put it back before each
# transactional test and at the end of the session, and recreate a reused test database that lost it anyway, or
# that still holds rows of a run interrupted inside a transactional test.
MIGRATION_DATA_SENTINEL = ("SELECT 1 FROM auth_group WHERE name = %s", ["Équipe Les Canaux"])


def _reused_test_db_is_unfit() -> bool:
    import psycopg
    from django.db import connection

    settings_dict = connection.settings_dict
    params = {
        "dbname": connection.creation._get_test_db_name(),
        "host": settings_dict.get("HOST") or None,
        "port": settings_dict.get("PORT") or None,
        "user": settings_dict.get("USER") or None,
        "password": settings_dict.get("PASSWORD") or None,
        "connect_timeout": 5,
    }
    try:
        with psycopg.connect(**{key: value for key, value in params.items() if value is not None}) as conn:
            if conn.execute(*MIGRATION_DATA_SENTINEL).fetchone() is None:
                return True
            # A run interrupted inside a transactional test leaves its rows behind; no migration creates these.
            leftovers = "SELECT EXISTS (SELECT 1 FROM accounts_user) OR EXISTS (SELECT 1 FROM structures_structure)"
            return conn.execute(leftovers).fetchone()[0]
    except psycopg.errors.UndefinedTable:
        return True
    except psycopg.OperationalError:  # no test database yet: it is about to be created and migrated
        return False


@pytest.fixture(scope="session")
def django_db_createdb(request, django_db_modify_db_settings):
    if request.config.getvalue("create_db"):
        return True
    if not request.config.getvalue("reuse_db"):
        return False
    return _reused_test_db_is_unfit()


def _migration_data_present() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(*MIGRATION_DATA_SENTINEL)
        return cursor.fetchone() is not None


def _restore_migration_data(snapshot: str) -> None:
    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from django.core.management import call_command
    from django.core.management.color import no_style
    from django.db import connection

    call_command("flush", verbosity=0, interactive=False, reset_sequences=False, inhibit_post_migrate=True)
    connection.creation.deserialize_db_from_string(snapshot)
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(statement)
    ContentType.objects.clear_cache()


@pytest.fixture(scope="session")
def _migration_data(django_db_setup, django_db_blocker):
    from django.db import connection

    with django_db_blocker.unblock():
        snapshot = connection.creation.serialize_db_to_string()
    yield snapshot
    with django_db_blocker.unblock():
        if not _migration_data_present():
            _restore_migration_data(snapshot)


@pytest.fixture(autouse=True)
def _migration_data_for_transactional_tests(request, django_db_blocker):
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or any(
        name in request.fixturenames for name in ("transactional_db", "live_server", "celery_worker")
    )
    if transactional:
        snapshot = request.getfixturevalue("_migration_data")
        with django_db_blocker.unblock():
            if not _migration_data_present():
                _restore_migration_data(snapshot)
    yield
