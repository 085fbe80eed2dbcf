"""What every benchmark module needs: a configured Django on its own database, a timer, a query counter.

    from bench.common import setup_django, timer, count_queries
    setup_django()                        # idempotent; `python -m bench` has already called it
    ms = timer(lambda: client.get("/"))   # median of N runs, in milliseconds
    result, queries = count_queries(lambda: list(Structure.objects.all()))

The database is `ess2024_bench` on the server DATABASE_URL points at (`make bench` starts a private PostgreSQL when it
is unset). It is created and migrated when missing, and recreated when any migration file changed since it was made,
so the benchmarks never touch the development or test databases. Settings are the test ones (DEBUG off, fast
password hashing, emails kept in memory, Celery tasks run in-process on commit).
"""

from __future__ import annotations

import hashlib
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

PROJECT_DIR = Path(__file__).resolve().parent.parent
# BENCH_DATABASE_NAME lets parallel work measure on separate databases (one migrating does not drop the other's).
BENCH_DATABASE = os.environ.get("BENCH_DATABASE_NAME", "ess2024_bench")
STAMPS = PROJECT_DIR / ".data" / "bench-db"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/ess2024"

_ready = False


def _bench_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def _migrations_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted(PROJECT_DIR.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(PROJECT_DIR)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _ensure_database(url: str, *, recreate: bool) -> None:
    import psycopg
    from psycopg import sql

    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [BENCH_DATABASE]).fetchone()
        if exists and recreate:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(BENCH_DATABASE)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(BENCH_DATABASE)))


def setup_django(*, verbose: bool = True) -> None:
    """Configure Django on the `ess2024_bench` database, creating and migrating it when needed (idempotent)."""
    global _ready
    if _ready:
        return
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    source = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    url = _bench_url(source)
    key = "embedded" if "pg" in os.environ.get("ESS2024_EMBEDDED", "").split(",") else _bench_url(source)
    key = f"{key}|{BENCH_DATABASE}"
    STAMPS.mkdir(parents=True, exist_ok=True)
    stamp = STAMPS / hashlib.sha256(key.encode()).hexdigest()[:16]
    digest = _migrations_digest()
    recreate = stamp.exists() and stamp.read_text().strip() != digest
    _ensure_database(url, recreate=recreate)

    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ess2024.settings_test")
    import django
    from django.core.management import call_command

    django.setup()
    if verbose:
        print(f"Base de mesure : {BENCH_DATABASE}{' (recréée : migrations changées)' if recreate else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    stamp.write_text(digest)
    _ready = True


def timer(fn: Callable[[], Any], *, repeat: int = 15, warmup: int = 2) -> float:
    """Median wall time of `fn()` in milliseconds, over `repeat` runs after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def count_queries(fn: Callable[[], Any], *, using: str = "default") -> tuple[Any, int]:
    """Run `fn()` once; return its result and the number of SQL queries it ran."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connections[using]) as captured:
        result = fn()
    return result, len(captured.captured_queries)


def figure(name: str, value: float | int, unit: str) -> dict:
    """One result line; floats are rounded to 3 decimals for the table and results.json, counts stay integers."""
    return {"name": name, "value": value if isinstance(value, int) else round(float(value), 3), "unit": unit}
