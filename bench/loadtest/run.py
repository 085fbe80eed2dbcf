"""`make loadtest` (`python -m bench.loadtest.run`): Locust headless against gunicorn with the production settings on
the demo data (bench/loadtest/server.py), the mix of bench/loadtest/locustfile.py.

    LOADTEST_USERS=100 LOADTEST_SECONDS=60 LOADTEST_SPAWN_RATE=10 LOADTEST_WORKERS=4 make loadtest

On the same gunicorn, first a few seconds of the tender list and of the no-database page (`web.throughput_ratio`,
as bench_web measures it), then the Locust run. Merges into bench/results.json: `load.requests`, `load.errors` (must
be 0), `load.p50_ms`, `load.p95_ms`, `load.p99_ms`, `load.rps`, `web.throughput_ratio`; exits 1 when a request
failed (the failures and gunicorn's tracebacks are printed). Locust's CSV files stay in .data/bench-web/.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import time

from bench.common import PROJECT_DIR, figure
from bench.loadtest.server import WORK_DIR, gunicorn, log_size, prepare, server_errors

RESULTS = PROJECT_DIR / "bench" / "results.json"
USERS = int(os.environ.get("LOADTEST_USERS", "100"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
SPAWN_RATE = float(os.environ.get("LOADTEST_SPAWN_RATE", "10"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "4"))


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        return 0.0


def merge(figures: list[dict]) -> None:
    """Write `figures` into bench/results.json, keeping every other figure there."""
    names = {f["name"] for f in figures}
    kept = json.loads(RESULTS.read_text()).get("figures", []) if RESULTS.exists() else []
    merged = sorted([f for f in kept if f["name"] not in names] + figures, key=lambda f: f["name"])
    RESULTS.write_text(json.dumps({"figures": merged}, indent=2, ensure_ascii=False) + "\n")


def throughput_ratio(base_url: str) -> float:
    from bench.bench_web import hammer

    urls = [base_url + "/accessibilite/", base_url + "/appels-d-offres/"]
    hammer(urls, seconds=1, rounds=1)  # warm the workers, not counted
    ceiling, tenders = hammer(urls, seconds=4, rounds=2)
    print(f"Page sans base {ceiling['rps']:.0f} req/s, liste des appels d'offres {tenders['rps']:.0f} req/s")
    return tenders["rps"] / (ceiling["rps"] or 1.0)


def main() -> int:
    targets = prepare()
    targets_file = WORK_DIR / "targets.json"
    prefix = WORK_DIR / "locust"
    since = log_size()
    with gunicorn(workers=WORKERS) as base_url:
        ratio = throughput_ratio(base_url)
        print(f"Locust : {USERS} utilisateurs pendant {SECONDS} s contre {base_url} ({WORKERS} workers gunicorn)…")
        started = time.strftime("%Y-%m-%d %H:%M %Z")
        subprocess.run(  # noqa: S603 - fixed arguments
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                str(PROJECT_DIR / "bench" / "loadtest" / "locustfile.py"),
                "--headless",
                f"--users={USERS}",
                f"--spawn-rate={SPAWN_RATE}",
                f"--run-time={SECONDS}s",
                f"--host={base_url}",
                f"--csv={prefix}",
                "--only-summary",
                "--loglevel=WARNING",
                "--stop-timeout=30",
                "--exit-code-on-error=0",
            ],
            cwd=PROJECT_DIR,
            env={**os.environ, "LOADTEST_TARGETS": str(targets_file)},
            check=True,
        )
    with open(f"{prefix}_stats.csv", newline="") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    failures = []
    with open(f"{prefix}_failures.csv", newline="") as handle:
        failures = list(csv.DictReader(handle))

    figures = [
        figure("load.requests", int(total["Request Count"]), "requests"),
        figure("load.errors", int(total["Failure Count"]), "requests"),
        figure("load.rps", _number(total["Requests/s"]), "req/s"),
        figure("load.p50_ms", _number(total["50%"]), "ms"),
        figure("load.p95_ms", _number(total["95%"]), "ms"),
        figure("load.p99_ms", _number(total["99%"]), "ms"),
        figure("load.users", USERS, "users"),
        figure("load.seconds", SECONDS, "s"),
        figure("web.throughput_ratio", ratio, "ratio"),
    ]
    merge(figures)
    print(f"\nCharge ({started}, {len(targets['members'])} membres et {len(targets['buyers'])} acheteurs connectés) :")
    for item in figures:
        print(f"  {item['name']:<22} {item['value']:>10} {item['unit']}")
    print(f"Écrit dans {RESULTS.relative_to(PROJECT_DIR)} ; détail par page : {prefix}_stats.csv")
    for row in failures:
        print(f"ÉCHEC {row['Method']} {row['Name']} ×{row['Occurrences']} : {row['Error']}", file=sys.stderr)
    for block in server_errors(since)[:5]:
        print(f"Erreur serveur :\n{block}", file=sys.stderr)
    return 1 if int(total["Failure Count"]) else 0


if __name__ == "__main__":
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    sys.exit(main())
