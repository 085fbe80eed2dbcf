"""Run the benchmarks: `python -m bench [NAME...]` (or `make bench BENCH="NAME..."`).

Each `bench/bench_<topic>.py` exposes `run() -> list[dict]`, each dict a figure {"name", "value", "unit"}.
Every module found runs (or only those named, with or without the `bench_` prefix); the figures are printed as a
table and written to bench/results.json as {"figures": [...]} — figures of modules not run this time are kept.
"""

from __future__ import annotations

import argparse
import importlib
import json
import numbers
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results.json"


def discover() -> list[str]:
    return sorted(path.stem for path in BENCH_DIR.glob("bench_*.py"))


def check_figures(module: str, figures) -> list[dict]:
    if not isinstance(figures, list):
        raise TypeError(f"{module}.run() must return a list of figures, got {type(figures).__name__}")
    for item in figures:
        if not (
            isinstance(item, dict)
            and isinstance(item.get("name"), str)
            and isinstance(item.get("unit"), str)
            and isinstance(item.get("value"), numbers.Real)
            and not isinstance(item.get("value"), bool)
        ):
            raise TypeError(f"{module}: a figure must be {{'name': str, 'value': number, 'unit': str}}, got {item!r}")
    return [{"name": item["name"], "value": item["value"], "unit": item["unit"]} for item in figures]


def table(figures: list[dict]) -> str:
    rows = [("figure", "valeur", "unité")] + [
        (
            f["name"],
            f"{f['value']:,.3f}".rstrip("0").rstrip(".") if isinstance(f["value"], float) else str(f["value"]),
            f["unit"],
        )
        for f in figures
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [f"{r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:<{widths[2]}}" for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("names", nargs="*", help="modules à lancer (par défaut : tous)")
    options = parser.parse_args(argv)

    available = discover()
    wanted = [name if name.startswith("bench_") else f"bench_{name}" for name in options.names] or available
    unknown = sorted(set(wanted) - set(available))
    if unknown:
        parser.error(f"inconnu : {', '.join(unknown)} (disponibles : {', '.join(available)})")
    if not wanted:
        print("Aucun module bench/bench_*.py.", file=sys.stderr)
        return 1

    from bench.common import setup_django

    setup_django()
    figures: list[dict] = []
    failed: list[str] = []
    for name in wanted:
        started = time.perf_counter()
        print(f"→ {name}…", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            figures += check_figures(name, module.run())
        except Exception:
            traceback.print_exc()
            failed.append(name)
        print(f"  {name} : {time.perf_counter() - started:.1f} s", flush=True)

    kept = []
    if options.names and RESULTS.exists():  # a partial run updates its own figures and keeps the others
        names = {f["name"] for f in figures}
        kept = [f for f in json.loads(RESULTS.read_text()).get("figures", []) if f["name"] not in names]
    all_figures = sorted(kept + figures, key=lambda f: f["name"])
    RESULTS.write_text(json.dumps({"figures": all_figures}, indent=2, ensure_ascii=False) + "\n")

    print()
    print(table(figures) if figures else "Aucune mesure.")
    print(f"\n{len(figures)} mesures écrites dans {RESULTS.relative_to(BENCH_DIR.parent)}")
    if failed:
        print(f"ÉCHEC : {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
