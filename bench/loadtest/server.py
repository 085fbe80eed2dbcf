"""gunicorn under the production settings, on a database holding the demo data: what bench_web and `make loadtest`
measure (one helper for both).

    from bench.loadtest.server import prepare, gunicorn
    targets = prepare()                      # the database ready; the pages and accounts to use (prepare.py)
    with gunicorn(workers=4) as base_url:    # http://127.0.0.1:<free port>, /sante/ already answering 200
        ...

The database is `<BENCH_DATABASE_NAME>_demo` (default `ess2024_bench_demo`) on the server DATABASE_URL points at:
the demo data only (`seed_demo`), whatever other benchmarks put in `ess2024_bench`, so the pages are measured at
the size the issue's table was. It is created when missing and recreated when a migration file changed.

Settings: `ess2024.settings` as in production — DEBUG off, a throwaway SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, the
manifest static storage (prepare runs collectstatic), the Redis cache when REDIS_URL is set — except plain HTTP
(SECURE_SSL_REDIRECT=0, no HSTS: no TLS proxy here) and Celery tasks in-process with emails kept in memory, so that
nothing is left queued in a Redis that tests or workers may share (the mix queues almost no task anyway).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from bench.common import BENCH_DATABASE, DEFAULT_DATABASE_URL, PROJECT_DIR, STAMPS, _migrations_digest

WEB_DATABASE = f"{BENCH_DATABASE}_demo"
WORK_DIR = PROJECT_DIR / ".data" / "bench-web"
LOG = WORK_DIR / "gunicorn.log"


def database_url() -> str:
    source = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    return urlunsplit(urlsplit(source)._replace(path=f"/{WEB_DATABASE}"))


def _ensure_database(url: str) -> None:
    """Create the database when missing; drop and recreate it when the migrations changed since it was made."""
    import psycopg
    from psycopg import sql

    STAMPS.mkdir(parents=True, exist_ok=True)
    # As bench/common.py: the private server of `make` moves port from run to run, its data stays.
    key = "embedded" if "pg" in os.environ.get("ESS2024_EMBEDDED", "").split(",") else url
    stamp = STAMPS / f"web-{hashlib.sha256(f'{key}|{WEB_DATABASE}'.encode()).hexdigest()[:16]}"
    digest = _migrations_digest()
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [WEB_DATABASE]).fetchone()
        if exists and (not stamp.exists() or stamp.read_text().strip() != digest):
            print(f"Base {WEB_DATABASE} recréée : migrations changées", flush=True)
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(WEB_DATABASE)))
            exists = None
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(WEB_DATABASE)))
    stamp.write_text(digest)


def production_env(url: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CELERY_", "SECURE_", "EMAIL_", "DEVMAIL"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="ess2024.settings",
        DATABASE_URL=url,
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS="127.0.0.1",
        SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_SECONDS="0",
        CELERY_TASK_ALWAYS_EAGER="1",
        EMAIL_URL="memorymail://",
        LOG_LEVEL=os.environ.get("LOG_LEVEL", "WARNING"),
        PYTHONPATH=str(PROJECT_DIR),
    )
    return env


def prepare() -> dict:
    """The web database migrated, with the demo data and the load test's accounts; returns prepare.py's targets."""
    url = database_url()
    _ensure_database(url)
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    out = WORK_DIR / "targets.json"
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [sys.executable, "-m", "bench.loadtest.prepare", str(out)],
        cwd=PROJECT_DIR,
        env=production_env(url),
        check=True,
    )
    print(f"Base {WEB_DATABASE} prête (migrate, collectstatic, seed_demo) : {time.perf_counter() - started:.1f} s")
    return json.loads(out.read_text())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn s'est arrêté (code {process.returncode}) : voir {LOG}")
        try:
            with urllib.request.urlopen(base_url + "/sante/", timeout=5) as response:  # noqa: S310 - 127.0.0.1
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn ne répond pas sur {base_url}/sante/ après {timeout:.0f} s : voir {LOG}")


@contextlib.contextmanager
def gunicorn(*, workers: int = 4, app: str = "ess2024.wsgi:application", url: str | None = None) -> Iterator[str]:
    """gunicorn (sync workers) on a free port of 127.0.0.1 with the production settings; yields its base URL once
    /sante/ answers 200 (or, for another app, once it answers at all), stops it afterwards."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    log = LOG.open("a")
    log.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} {app} workers={workers} port={port}\n")
    log.flush()
    process = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            f"--bind=127.0.0.1:{port}",
            f"--workers={workers}",
            "--worker-class=sync",
            "--backlog=2048",
            "--timeout=60",
            "--error-logfile=-",
        ],
        cwd=PROJECT_DIR,
        env=production_env(url or database_url()),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        if app.startswith("ess2024."):
            _wait_healthy(base_url, process)
        else:
            _wait_listening(port, process)
        yield base_url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _wait_listening(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn s'est arrêté (code {process.returncode}) : voir {LOG}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            time.sleep(0.5)  # the workers boot after the socket is bound
            return
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn n'écoute pas sur {port} : voir {LOG}")


def server_errors(since: int) -> list[str]:
    """The tracebacks gunicorn logged after byte `since` of its log (a 500 logs one), for the report."""
    if not LOG.exists():
        return []
    text = LOG.read_bytes()[since:].decode("utf-8", "replace")
    return [block for block in text.split("\n\n") if "Traceback" in block or "Internal Server Error" in block]


def log_size() -> int:
    return LOG.stat().st_size if LOG.exists() else 0


def hello_app(environ, start_response):
    """A WSGI app with no Django: gunicorn's own ceiling on this machine, beside the no-database page."""
    body = b"<!doctype html><title>ok</title><p>ok</p>" * 20
    start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
    return [body]
