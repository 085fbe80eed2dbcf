"""The private PostgreSQL and Redis that `make run` / `make test` start when DATABASE_URL / REDIS_URL are unset."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import redis

from scripts.services import PROJECT_DIR, Postgres, Redis, pid_alive, port_answers


@pytest.fixture
def scratch():
    """A fresh folder outside the project's .data, removed afterwards."""
    path = Path(tempfile.mkdtemp(prefix="ess2024-services-test-"))
    # mkdtemp makes it 0700; as root PostgreSQL runs as `nobody`, who must be able to walk into this new folder.
    path.chmod(0o755)
    yield path
    Postgres(path / "pg").stop()
    Redis(path / "redis").stop()
    shutil.rmtree(path, ignore_errors=True)


def test_private_postgresql_has_the_french_search_tools_and_stops_cleanly(scratch):
    server = Postgres(scratch / "pg", databases=("scratch",))
    server.start()
    pid, port = server.pid, server.port
    with psycopg.connect(server.url("scratch"), autocommit=True, connect_timeout=5) as conn:
        conn.execute("CREATE EXTENSION unaccent")
        conn.execute("CREATE EXTENSION pg_trgm")
        found, similar, lowered = conn.execute(
            "SELECT to_tsvector('french', unaccent('Les Déchets recyclés')) @@ to_tsquery('french', 'dechet'),"
            " similarity('insertion', 'insertoin') > 0.3, lower('ÉCOLE')"
        ).fetchone()
    assert (found, similar, lowered) == (True, True, "école")
    if os.geteuid() == 0:  # root never runs the server: nobody owns the data, and only it
        assert (scratch / "pg").owner() == (scratch / "pg" / "data").owner() == "nobody"
        assert scratch.owner() == "root"

    server.stop()
    assert not pid_alive(pid)
    assert not port_answers(port)
    assert not server.running()

    started = time.perf_counter()
    server.start()  # already initialised: a restart takes well under a second or two
    assert time.perf_counter() - started < 2
    assert server.running()
    server.stop()
    assert not server.running()


def test_private_redis_answers_without_persistence_and_stops_cleanly(scratch):
    server = Redis(scratch / "redis")
    client = redis.Redis.from_url(server.start())
    pid, port = server.pid, server.port
    assert client.ping()
    client.set("ess2024", "déchets")
    assert client.get("ess2024").decode() == "déchets"
    assert client.config_get("save") == {"save": ""}
    assert client.config_get("appendonly") == {"appendonly": "no"}
    client.close()

    server.stop()
    assert not pid_alive(pid)
    assert not port_answers(port)
    assert not (scratch / "redis" / "dump.rdb").exists()


def test_exec_wrapper_exports_the_url_keeps_the_exit_code_and_stops_the_server(scratch):
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    child = "import os, sys; print(os.environ['REDIS_URL']); sys.exit(3)"
    result = subprocess.run(  # noqa: S603  (our own interpreter and script)
        [sys.executable, "scripts/services.py", "--data-dir", str(scratch), "exec", "--redis", "--"]
        + [sys.executable, "-c", child],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 3, result.stderr
    url = result.stdout.strip()
    assert url.startswith("redis://127.0.0.1:")
    assert "Redis privé arrêté" in result.stderr
    assert not port_answers(int(url.rsplit(":", 1)[1].split("/")[0]))
    assert not Redis(scratch / "redis").running()
