"""The meet-up scheduler (meetups/scheduling) on the two instances of issue 11, pure Python (no database).

- `300p`: 50 buyers + 250 structures, 1,000 requests, 20 slots (one a break), 40 tables — target ≤ 5 s;
- `500p`: 60 buyers + 440 structures, 3,000 requests, 16 slots (one a break), one table per buyer — target ≤ 30 s.
Both drawn with `random.Random(2024)`: popular buyers get up to four times the requests of others, weights 1–4,
5 % of participants away for two slots. Each instance is solved once, with the time limit the staff page would
give it (4 s and 25 s), and reports: seconds (wall clock, bound and certificate included), optimum_share (meetings
placed ÷ the max-flow bound: 1.0 means provably the most meetings), unserved and unserved_min (participants who
asked and got nothing, and the fewest possible with as many meetings — equal means provably fair on that level),
worst_share (the worst-served participant's share of what it could get, %), gap and gap_min (best-served share −
worst-served share, in percentage points, and the solver's proven lower bound on it given the levels before — equal
means proven), idle_slots (slots waited between a participant's first and last meeting, summed).
"""

from __future__ import annotations

import random
import time

from bench.common import figure

INSTANCES = {
    "300p": {"buyers": 50, "structures": 250, "requests": 1000, "slots": 20, "tables": 40, "time_limit": 4.0},
    "500p": {"buyers": 60, "structures": 440, "requests": 3000, "slots": 16, "tables": None, "time_limit": 25.0},
}


def make_instance(*, buyers: int, structures: int, requests: int, slots: int, tables: int | None, seed: int = 2024):
    from meetups.scheduling import Instance, Request, buyer_key, structure_key

    rng = random.Random(seed)
    popularity = [1 + 3 * rng.random() for _ in range(buyers)]
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < requests:
        buyer = rng.choices(range(buyers), weights=popularity)[0]
        pairs.add((buyer, 1000 + rng.randrange(structures)))
    people = [buyer_key(b) for b in range(buyers)] + [structure_key(1000 + s) for s in range(structures)]
    away = {(key, slot) for key in people if rng.random() < 0.05 for slot in rng.sample(range(slots), 2)}
    return Instance(
        slots=slots,
        requests=[Request(b, s, weight=rng.randint(1, 4)) for b, s in sorted(pairs)],
        tables=tables,
        breaks=frozenset({slots // 2}),
        unavailable=frozenset(away),
    )


def run() -> list[dict]:
    from meetups.scheduling import solve, violations

    figures = []
    for suffix, spec in INSTANCES.items():
        instance = make_instance(**{k: v for k, v in spec.items() if k != "time_limit"})
        started = time.perf_counter()
        solution = solve(instance, time_limit=spec["time_limit"])
        seconds = time.perf_counter() - started
        problems = violations(instance, solution.meetings)
        if problems:
            raise AssertionError(f"{suffix}: invalid schedule: {problems[:3]}")
        certificate = solution.certificate
        gap = next(level for level in certificate.levels if level.name == "gap")
        print(
            f"  {suffix}: {instance.describe()} — {certificate.placed}/{certificate.bound} placés, "
            f"{certificate.unserved} sans rendez-vous (min {certificate.unserved_min}), "
            f"part du moins servi {certificate.worst_share} %, écart {certificate.gap} points (borne {gap.bound}), "
            f"{certificate.idle_slots} créneaux d'attente, {seconds:.1f} s (limite {spec['time_limit']:g} s)",
            flush=True,
        )
        figures += [
            figure(f"meetups.scheduler.seconds.{suffix}", seconds, "s"),
            figure(f"meetups.scheduler.optimum_share.{suffix}", certificate.share, "ratio"),
            figure(f"meetups.scheduler.unserved.{suffix}", certificate.unserved, "participants"),
            figure(f"meetups.scheduler.unserved_min.{suffix}", certificate.unserved_min, "participants"),
            figure(f"meetups.scheduler.worst_share.{suffix}", certificate.worst_share, "%"),
            figure(f"meetups.scheduler.gap.{suffix}", certificate.gap, "points"),
            figure(f"meetups.scheduler.gap_min.{suffix}", gap.bound, "points"),
            figure(f"meetups.scheduler.idle_slots.{suffix}", certificate.idle_slots, "slots"),
        ]
    return figures
