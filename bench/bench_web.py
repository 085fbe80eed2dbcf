"""Web throughput (issue 13): req/s and p50/p95 of the public pages on gunicorn (4 sync workers) under the production
settings with the demo data, 50 concurrent connections, every page in the same run, each against the no-database
page `/accessibilite/` (the ceiling of Django + gunicorn on this machine).

    make bench BENCH=web                       # 6 s per page (BENCH_WEB_SECONDS=15 for the issue's 15 s)

Figures: `web.<page>.rps`, `.p50_ms`, `.p95_ms`, `.ratio` (÷ the no-database page's req/s), `web.throughput_ratio`
(the tender list ÷ the no-database page), `web.wsgi_hello.rps` (gunicorn with a ten-line WSGI app and no Django: the
ceiling of the server and the client together) and `web.client_cpu` (the share of one core the load client used on
the fastest page: well under 1, it is not the bottleneck). After one unmeasured pass over every page (each worker
imports and loads its templates), the pages are measured in turn over BENCH_WEB_ROUNDS rounds (default 3), so that a
neighbour's load on this shared machine hits all of them alike. A page answering anything but 200 is reported with
gunicorn's traceback (logged to .data/bench-web/gunicorn.log).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench.common import PROJECT_DIR, figure
from bench.loadtest.server import gunicorn, log_size, prepare, server_errors

CONCURRENCY = int(os.environ.get("BENCH_WEB_CONCURRENCY", "50"))
SECONDS = float(os.environ.get("BENCH_WEB_SECONDS", "6"))
ROUNDS = int(os.environ.get("BENCH_WEB_ROUNDS", "3"))
WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "4"))
CEILING = "accessibility"


def pages(targets: dict) -> dict[str, tuple[str, str]]:
    """name → (path, label); the no-database page first."""
    return {
        CEILING: ("/accessibilite/", "`/accessibilite/` (sans base : le plafond)"),
        "home": ("/", "`/`"),
        "tenders": ("/appels-d-offres/", "`/appels-d-offres/`"),
        "tenders_search": ("/appels-d-offres/?q=restauration", "`/appels-d-offres/?q=restauration`"),
        "tenders_topic": (f"/appels-d-offres/?topic={targets['topic']}", "`/appels-d-offres/?topic=…` (1 thématique)"),
        "tender": (f"/appels-d-offres/{targets['tender']}/", "une page d'appel d'offres"),
        "structures": ("/structures/", "`/structures/`"),
        "charter": ("/charte/", "`/charte/`"),
        "meetups": ("/rencontres/", "`/rencontres/`"),
        "feed": ("/appels-d-offres/flux.atom", "`/appels-d-offres/flux.atom`"),
    }


def hammer(urls: list[str], *, seconds: float, rounds: int) -> list[dict]:
    completed = subprocess.run(  # noqa: S603 - our own module, fixed arguments
        [
            sys.executable,
            "-m",
            "bench.loadtest.hammer",
            f"--concurrency={CONCURRENCY}",
            f"--seconds={seconds}",
            f"--rounds={rounds}",
            "--warmup=0.5",
            *urls,
        ],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    return [json.loads(line) for line in completed.stdout.splitlines() if line.startswith("{")]


def table(rows: list[tuple[str, dict, float]]) -> str:
    lines = ["| page | req/s | p50 | p95 | ÷ la page sans base |", "| --- | --- | --- | --- | --- |"]
    for label, result, ratio in rows:
        lines.append(
            f"| {label} | {result['rps']:.0f} | {result['p50_ms']:.0f} ms | {result['p95_ms']:.0f} ms | {ratio:.2f} |"
        )
    return "\n".join(lines)


def run() -> list[dict]:
    targets = prepare()
    chosen = pages(targets)
    started_at = time.strftime("%Y-%m-%d %H:%M %Z")
    with gunicorn(workers=WORKERS, app="bench.loadtest.server:hello_app") as base_url:
        (hello,) = hammer([base_url + "/"], seconds=min(SECONDS, 4), rounds=1)
    since = log_size()
    with gunicorn(workers=WORKERS) as base_url:
        urls = [base_url + path for path, _ in chosen.values()]
        hammer(urls, seconds=1, rounds=1)  # warm every worker on every page (imports, templates), not counted
        measured = hammer(urls, seconds=SECONDS, rounds=ROUNDS)
    results = dict(zip(chosen, measured, strict=True))
    errors = server_errors(since)

    ceiling = results[CEILING]["rps"] or 1.0
    rows = [(label, results[name], results[name]["rps"] / ceiling) for name, (_, label) in chosen.items()]
    load = os.getloadavg()
    print(
        f"\nDébit web : gunicorn {WORKERS} workers sync, réglages de production, données de démo, {CONCURRENCY} "
        f"connexions, {SECONDS:g} s par page en {ROUNDS} tours ({started_at}, charge de la machine {load[0]:.1f})"
    )
    print(table(rows))
    print(
        f"gunicorn sans Django (WSGI de dix lignes) : {hello['rps']:.0f} req/s, p50 {hello['p50_ms']:.0f} ms ; "
        f"client : {max(r['client_cpu'] for r in [hello, *results.values()]):.2f} cœur au plus"
    )
    for name, result in results.items():
        if result["errors"]:
            print(f"ATTENTION {name} : réponses {result['statuses']}", file=sys.stderr)
    for block in errors[:5]:
        print(f"Erreur serveur :\n{block}", file=sys.stderr)

    figures = []
    for name, result in results.items():
        figures += [
            figure(f"web.{name}.rps", result["rps"], "req/s"),
            figure(f"web.{name}.p50_ms", result["p50_ms"], "ms"),
            figure(f"web.{name}.p95_ms", result["p95_ms"], "ms"),
            figure(f"web.{name}.ratio", result["rps"] / ceiling, "ratio"),
        ]
        if result["errors"]:
            figures.append(figure(f"web.{name}.errors", result["errors"], "requests"))
    figures += [
        figure("web.throughput_ratio", results["tenders"]["rps"] / ceiling, "ratio"),
        figure("web.wsgi_hello.rps", hello["rps"], "req/s"),
        figure("web.client_cpu", max(r["client_cpu"] for r in [hello, *results.values()]), "cores"),
    ]
    return figures
