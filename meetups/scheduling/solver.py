"""The meet-up scheduler: OR-Tools CP-SAT on a time-indexed model, one lexicographic level at a time.

    solution = solve(instance, time_limit=10)
    solution.meetings        # [Meeting(slot, table, buyer, structure), ...], pinned ones included, unchanged
    solution.certificate     # bound, placed, optimal, unserved, unserved_min, idle slots, each level's proof

Variables x[r, s] = request r met in slot s, only where both sides can attend s (no break, no unavailability, no
pinned meeting of theirs). Constraints: a request at most once; a participant at most once per slot; at most
`tables` meetings per slot. Levels, each solved, then fixed as a constraint for the next:
  a1. the most meetings;                      a2. among them, the largest Σ weights (priority, mutual interest);
  b1. the fewest participants with nothing;   b2. the largest worst share (meetings ÷ what one could get, %)
      among those served (leximin's first level: lifts the worst-served);
  b3. the smallest gap between the best- and the worst-served share, among those served;
  c.  the fewest idle slots between a participant's first and last meeting.
On the pair relaxation, a1 is a max-flow, and b2 and b3 are flows (binary search) when everyone is served: exact,
so those levels are fixed at the flow's value without a CP-SAT search (see `_by_flow` and bounds.py).
Tables are numbered afterwards, slot by slot (a buyer keeps its table whenever it can). Each level is
time-limited; the previous level's schedule is the next one's hint, so a level that runs out of time still
returns a schedule at least as good as the one before.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import count

from ortools.sat.python import cp_model

from meetups.scheduling import bounds, colouring
from meetups.scheduling.instance import Instance, Meeting, Participant, Request, buyer_key, structure_key
from meetups.scheduling.measures import Scores, capacity, scores

# Share of the time limit each level may use (time a level leaves unused goes to the next ones).
LEVELS = [
    ("placed", "max", 0.1),
    ("unserved", "min", 0.15),
    ("worst_share", "max", 0.12),
    ("gap", "min", 0.1),
    ("weight", "max", 0.08),
    ("idle_slots", "min", 0.35),
]


@dataclass(frozen=True)
class Level:
    name: str
    value: int
    bound: int  # the solver's proven bound on this level, given the levels before
    optimal: bool


@dataclass
class Certificate:
    bound: int  # max-flow upper bound on the number of meetings
    placed: int
    unserved: int
    unserved_min: int
    idle_slots: int
    weight: int
    worst_share: int
    gap: int = 0  # best-served share − worst-served share (per cent points), among those served
    levels: list[Level] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def placed_optimal(self) -> bool:
        """No schedule has more meetings: the flow bound is reached, or the solver proved it."""
        return self.placed >= self.bound or (bool(self.levels) and self.levels[0].optimal)

    @property
    def optimal(self) -> bool:
        """Every level proven optimal."""
        return bool(self.levels) and all(level.optimal for level in self.levels)

    @property
    def share(self) -> float:
        return self.placed / self.bound if self.bound else 1.0

    def as_dict(self) -> dict:
        return {
            "bound": self.bound,
            "placed": self.placed,
            "unserved": self.unserved,
            "unserved_min": self.unserved_min,
            "idle_slots": self.idle_slots,
            "weight": self.weight,
            "worst_share": self.worst_share,
            "gap": self.gap,
            "placed_optimal": self.placed_optimal,
            "optimal": self.optimal,
            "seconds": round(self.seconds, 2),
            "levels": [level.__dict__ for level in self.levels],
        }


@dataclass
class Solution:
    meetings: list[Meeting]
    certificate: Certificate

    @property
    def scores(self) -> Scores:
        return Scores(
            placed=self.certificate.placed,
            weight=self.certificate.weight,
            unserved=self.certificate.unserved,
            worst_share=self.certificate.worst_share,
            gap=self.certificate.gap,
            idle_slots=self.certificate.idle_slots,
        )


class _Model:
    """A CP-SAT model of the instance; each level adds its objective, then a constraint fixing its value.

    `slots=False` is the pair relaxation (y[r]: request r is met; each participant within the slots it can
    attend, the day within its tables × slots); `slots=True` is the time-indexed model (x[r, s]), over all free
    requests or only the given ones (`exactly_once`: each of them must be placed).
    """

    def __init__(self, instance: Instance, *, slots: bool, requests: list[Request] | None = None, exactly_once=False):
        self.instance = instance
        self.model = cp_model.CpModel()
        self.requests = instance.free_requests() if requests is None else requests
        self.slots = slots
        busy = instance.pinned_busy()
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.meet: dict[int, object] = {}
        self.per_person_slot: dict[tuple[Participant, int], list] = defaultdict(list)
        m = self.model
        if slots:
            per_slot: dict[int, list] = defaultdict(list)
            for index, request in enumerate(self.requests):
                variables = []
                for slot in range(instance.slots):
                    if not instance.can_meet(request, slot, busy):
                        continue
                    var = m.new_bool_var(f"x{index}_{slot}")
                    self.x[index, slot] = var
                    variables.append(var)
                    per_slot[slot].append(var)
                    self.per_person_slot[buyer_key(request.buyer), slot].append(var)
                    self.per_person_slot[structure_key(request.structure), slot].append(var)
                if exactly_once:
                    m.add_exactly_one(variables)
                elif len(variables) > 1:
                    m.add_at_most_one(variables)
                self.meet[index] = sum(variables)
            for variables in self.per_person_slot.values():
                if len(variables) > 1:
                    m.add_at_most_one(variables)
            for slot, variables in per_slot.items():
                cap = instance.slot_capacity(slot)
                if cap is not None and cap < len(variables):
                    m.add(sum(variables) <= cap)
        else:
            free_slots: dict[Participant, set[int]] = {}

            def free(key):
                if key not in free_slots:
                    free_slots[key] = {
                        s for s in instance.open_slots if (key, s) not in instance.unavailable and (key, s) not in busy
                    }
                return free_slots[key]

            incident: dict[Participant, list] = defaultdict(list)
            for index, request in enumerate(self.requests):
                var = m.new_bool_var(f"y{index}")
                self.x[index, -1] = var
                self.meet[index] = var
                b, s = buyer_key(request.buyer), structure_key(request.structure)
                if not free(b) & free(s):
                    m.add(var == 0)
                incident[b].append(var)
                incident[s].append(var)
            for key, variables in incident.items():
                if len(variables) > len(free(key)):
                    m.add(sum(variables) <= len(free(key)))
            if instance.tables is not None:
                m.add(sum(self.meet.values()) <= sum(instance.slot_capacity(s) for s in range(instance.slots)))

        self.pinned_load: dict[Participant, int] = defaultdict(int)
        for p in instance.pinned:
            self.pinned_load[buyer_key(p.buyer)] += 1
            self.pinned_load[structure_key(p.structure)] += 1
        self.load_terms: dict[Participant, list] = defaultdict(list)
        for index, request in enumerate(self.requests):
            self.load_terms[buyer_key(request.buyer)].append(self.meet[index])
            self.load_terms[structure_key(request.structure)].append(self.meet[index])
        self.participants = sorted(instance.participants())
        self.served: dict[Participant, cp_model.IntVar] = {}
        self.worst: cp_model.IntVar | None = None  # the worst-served share, once level b2 is built
        self.values: dict[str, int] = {}  # each level's value once fixed

    def load(self, key: Participant):
        return sum(self.load_terms.get(key, [])) + self.pinned_load.get(key, 0)

    def objective(self, name: str):
        m = self.model
        if name == "placed":
            return sum(self.meet.values()) + len(self.instance.pinned)
        if name == "weight":
            weight_of = {r.pair: r.weight for r in self.instance.requests}
            pinned = sum(weight_of.get(p.pair, 0) for p in self.instance.pinned)
            return sum(request.weight * self.meet[i] for i, request in enumerate(self.requests)) + pinned
        if name == "unserved":
            for key in self.participants:
                served = m.new_bool_var(f"served{key}")
                m.add(self.load(key) >= served)
                self.served[key] = served
            return len(self.participants) - sum(self.served.values())
        if name == "worst_share":
            share = m.new_int_var(0, 100, "worst_share")
            everyone_served = self.values.get("unserved") == 0
            for key in self.participants:
                cap = capacity(self.instance, key)
                if not cap:
                    continue
                constraint = m.add(100 * self.load(key) >= cap * share)
                if not everyone_served:  # (the unconditional form is an LP the solver proves much faster)
                    constraint.only_enforce_if(self.served[key])
            self.worst = share
            return share
        if name == "gap":
            return self._gap()
        if name == "idle_slots":
            return self._idle()
        if name == "kept":
            preferred = self.instance.preferred
            return sum(self.meet[i] for i, request in enumerate(self.requests) if request.pair in preferred)
        raise ValueError(name)

    def _gap(self):
        """best − worst, where best ≥ every served participant's share (rounded down: share ≤ best ⇔
        100·load ≤ (best + 1)·cap − 1) and worst is level b2's variable, which may rise to the real minimum: the
        minimum of best − worst is the smallest gap among schedules that keep the levels before. A participant
        with nothing has share 0 ≤ best: no enforcement needed on that side."""
        m = self.model
        if self.worst is None:
            raise ValueError("the gap level comes after the worst-served share")
        if self.values.get("unserved") != 0:
            # served[v] may be 0 for someone with a meeting when level b1 left slack: tie it to the load.
            for key, served in self.served.items():
                cap = capacity(self.instance, key)
                if cap:
                    m.add(self.load(key) <= cap * served)
        best = m.new_int_var(0, 100, "best_share")
        m.add(best >= self.worst)  # (nobody served: gap 0)
        for key in self.participants:
            cap = capacity(self.instance, key)
            if cap:
                m.add(100 * self.load(key) <= (best + 1) * cap - 1)
        return best - self.worst

    def _idle(self):
        """idle[v, s] ≥ before[v, s] + after[v, s] − 1 − busy[v, s], where before/after say v has a meeting at or
        before/after s (minimising pushes them down to exactly that)."""
        m, instance = self.model, self.instance
        pinned_slots: dict[Participant, set[int]] = defaultdict(set)
        for p in instance.pinned:
            pinned_slots[buyer_key(p.buyer)].add(p.slot)
            pinned_slots[structure_key(p.structure)].add(p.slot)
        idle_vars = []
        for key in self.participants:
            occupied = {}
            for s in range(instance.slots):
                terms = self.per_person_slot.get((key, s), [])
                occupied[s] = 1 if s in pinned_slots[key] else (sum(terms) if terms else 0)
            possible = [s for s, v in occupied.items() if not isinstance(v, int) or v]
            if not possible:
                continue
            first, last = possible[0], possible[-1]
            before, after = {}, {}
            for s in range(first, last + 1):
                before[s] = m.new_bool_var("")
                if s > first:
                    m.add(before[s] >= before[s - 1])
                if s in possible:
                    m.add(before[s] >= occupied[s])
            for s in range(last, first - 1, -1):
                after[s] = m.new_bool_var("")
                if s < last:
                    m.add(after[s] >= after[s + 1])
                if s in possible:
                    m.add(after[s] >= occupied[s])
            for s in range(first + 1, last):
                if s in instance.breaks or (key, s) in instance.unavailable:
                    continue
                idle = m.new_bool_var("")
                m.add(idle >= before[s] + after[s] - 1 - occupied[s])
                idle_vars.append(idle)
        return sum(idle_vars)

    def hint(self, meetings: set[tuple[tuple[int, int], int]]) -> None:
        """Start from a known schedule: {(pair, slot)}, or {(pair, -1)} for the pair model."""
        self.model.clear_hints()
        for (index, slot), var in self.x.items():
            self.model.add_hint(var, int((self.requests[index].pair, slot) in meetings))

    def run(
        self, name: str, sense: str, budget: float, workers: int, fallback: int, known: tuple[int, set] | None = None
    ) -> tuple[Level, set]:
        """Optimise one level, then fix its value; returns the level and the schedule found ({(pair, slot)}).
        `known`: the level's optimum and pairs attaining it, already proven (by a flow): fixed without a search."""
        objective = self.objective(name)
        if known is not None and not self.slots:
            value = known[0]
            level, chosen = Level(name, value, value, True), {(pair, -1) for pair in known[1]}
        elif isinstance(objective, int) or not self.x:
            value = int(objective) if isinstance(objective, int) else fallback
            level, chosen = Level(name, value, value, True), None
        else:
            (self.model.maximize if sense == "max" else self.model.minimize)(objective)
            solver = cp_model.CpSolver()
            solver.parameters.max_time_in_seconds = max(budget, 0.05)
            solver.parameters.num_workers = workers
            # Presolve spends seconds on these models' symmetries (dominance, cliques) and finds nothing to gain:
            # the LP relaxation of the assignment structure is what proves the bounds.
            solver.parameters.cp_model_presolve = PRESOLVE
            status = solver.solve(self.model)
            if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                value = round(solver.objective_value)
                proven = _round_bound(solver.best_objective_bound, sense)
                level = Level(name, value, proven, status == cp_model.OPTIMAL or proven == value)
                chosen = {(self.requests[i].pair, s) for (i, s), var in self.x.items() if solver.boolean_value(var)}
            else:  # nothing found in time (rare: the hint is a solution); the caller keeps the previous one
                value = fallback
                level, chosen = Level(name, value, _round_bound(solver.best_objective_bound, sense), False), None
            self.model.clear_objective()
        if not isinstance(objective, int):
            self.model.add(objective >= value if sense == "max" else objective <= value)
        self.values[name] = value
        return level, chosen


PRESOLVE = False


def _workers() -> int:
    return 1


def solve(
    instance: Instance,
    time_limit: float = 10.0,
    *,
    workers: int | None = None,
    exact_limit: int | None = None,
    progress: Callable[[str, float], None] | None = None,
) -> Solution:
    """The best schedule found within `time_limit` seconds (about), with its certificate.

    1. Levels a1–b3 depend only on which requests are met: solve them on the pair relaxation (small, fast).
    2. Place those pairs in slots (a feasibility model over them only). When every pair fits, the schedule
       reaches the relaxation's optimum on each of those levels: proven optimal.
    3. Otherwise (unavailability or pinned meetings got in the way) solve levels a1–b3 again on the full
       time-indexed model, starting from what was placed.
    4. Level c (idle slots) on the time-indexed model with the levels before fixed: over all requests when the
       model is small enough to prove it, else over the chosen pairs only (then not claimed optimal unless 0).
    """
    started = time.monotonic()
    workers = workers or _workers()
    report = progress or (lambda _level, _fraction: None)

    def left(share: float) -> float:
        return max(time_limit * share - (time.monotonic() - started), time_limit * 0.02)

    report("bound", 0.0)
    bound = bounds.meeting_bound(instance)
    pair_levels, idle_level = LEVELS[:-1], LEVELS[-1]

    report("pairs", 0.05)
    relaxed = _Model(instance, slots=False)
    relaxed.hint({(pair, -1) for pair in instance.preferred})  # the schedule in place, if any
    levels: list[Level] = []
    chosen: set = set()
    spent = 0.0
    for name, sense, share in pair_levels:
        spent += share
        if name == "unserved":
            chosen = _serve_more(instance, relaxed.requests, chosen)
            relaxed.hint(chosen)
        known = _by_flow(instance, name, levels)
        level, found = relaxed.run(
            name, sense, left(spent), workers, getattr(_scores(instance, chosen), name), known=known
        )
        if found is not None:
            chosen = found
            relaxed.hint(chosen)
        levels.append(level)
    if instance.preferred and chosen:
        # Stability, last among the pair levels: keep the pairs of the schedule in place when all else is equal.
        _level, found = relaxed.run("kept", "max", left(spent + 0.05), workers, 0)
        if found is not None:
            chosen = found
    relaxed_levels = list(levels)
    selected_pairs = {pair for pair, _slot in chosen}
    selected = [r for r in relaxed.requests if r.pair in selected_pairs]

    report("slots", 0.55)
    placed, left_over = colouring.place(
        [r.pair for r in selected], _allowed(instance), _caps(instance), instance.preferred
    )
    schedule = {(pair, slot) for pair, slot in placed.items()}
    if left_over:
        # The colouring got stuck (unavailability): let CP-SAT place the chosen pairs, from where it stopped.
        placing = _Model(instance, slots=True, requests=selected)
        placing.hint(schedule)
        _level, found = placing.run("placed", "max", left(0.6), workers, len(schedule) + len(instance.pinned))
        if found is not None and len(found) > len(schedule):
            schedule = found
    full = None
    if len(schedule) < len(selected):
        # Not every chosen pair fits in the slots: the relaxation's values are bounds only; search the full model.
        report("full", 0.6)
        full = _Model(instance, slots=True)
        full.hint(schedule)
        levels = []
        spent = 0.6
        same_before = True  # the relaxation's bound holds only given the same values on the levels before
        for (name, sense, share), upper in zip(pair_levels, relaxed_levels, strict=True):
            spent += share * 0.5
            level, found = full.run(name, sense, left(spent), workers, getattr(_scores(instance, schedule), name))
            if found is not None:
                schedule = found
                full.hint(schedule)
            bound_value = level.bound
            if same_before:
                bound_value = min(level.bound, upper.bound) if sense == "max" else max(level.bound, upper.bound)
            levels.append(Level(name, level.value, bound_value, level.optimal or level.value == bound_value))
            same_before = same_before and level.value == upper.value

    report("idle_slots", 0.7)
    name, sense, _share = idle_level
    limit = FULL_MODEL_LIMIT if exact_limit is None else exact_limit
    exact = full is not None or len(instance.free_requests()) * instance.slots <= limit
    # Local search first (moves and Kempe swaps that keep every rule): fast, and a good start for the exact model.
    schedule = _compact(instance, schedule, deadline=started + time_limit * (0.8 if exact else 0.95))
    idle = _scores(instance, schedule).idle_slots
    bound_idle, proven = 0, idle == 0
    if exact and idle:
        if full is None:
            full = _Model(instance, slots=True)
            for (level_name, level_sense, _), level in zip(pair_levels, levels, strict=True):
                objective = full.objective(level_name)
                if not isinstance(objective, int):
                    full.model.add(objective >= level.value if level_sense == "max" else objective <= level.value)
                full.values[level_name] = level.value
        full.hint(schedule)
        level, found = full.run(name, sense, left(0.95), workers, idle)
        if found is not None and _scores(instance, found).idle_slots < idle:
            schedule = found
            idle = _scores(instance, schedule).idle_slots
        bound_idle, proven = level.bound, level.optimal or idle == level.bound
    levels.append(Level(name, idle, bound_idle, proven))

    meetings = sorted(list(instance.pinned) + _tables(instance, _placed(instance, schedule)))
    measured = scores(instance, meetings)
    report("unserved_min", 0.95)
    if levels[0].optimal and measured.placed == levels[0].value:
        # Level b1 already proved it among schedules with this many meetings (the most possible).
        unserved_min = levels[1].bound
    else:
        unserved_min = bounds.unserved_lower_bound(
            instance,
            placed=measured.placed,
            time_limit=max(time_limit - (time.monotonic() - started), 1.0),
            workers=workers,
        )
    unserved_min = min(measured.unserved, unserved_min)
    certificate = Certificate(
        bound=bound,
        placed=measured.placed,
        unserved=measured.unserved,
        unserved_min=unserved_min,
        idle_slots=measured.idle_slots,
        weight=measured.weight,
        worst_share=measured.worst_share,
        gap=measured.gap,
        levels=levels,
        seconds=time.monotonic() - started,
    )
    report("done", 1.0)
    return Solution(meetings=meetings, certificate=certificate)


def _by_flow(instance: Instance, name: str, levels: list[Level]) -> tuple[int, set] | None:
    """Level a1 on the pair relaxation by a max-flow; levels b2 and b3, when the levels before are proven and
    everyone is served, by a flow binary search (bounds.py): exact, with pairs attaining it. None otherwise (CP-SAT
    searches)."""
    if name == "placed":
        return bounds.most_pairs(instance)
    if name not in ("worst_share", "gap") or not all(level.optimal for level in levels):
        return None
    values = {level.name: level.value for level in levels}
    if values.get("unserved") != 0 or "placed" not in values:
        return None
    if name == "worst_share":
        return bounds.best_worst_share(instance, placed=values["placed"])
    found = bounds.smallest_best_share(instance, placed=values["placed"], worst=values["worst_share"])
    return None if found is None else (found[0] - values["worst_share"], found[1])


# Above this many (request, slot) variables the idle level is left to the local search (no proof).
FULL_MODEL_LIMIT = 6000


def _serve_more(instance: Instance, requests: list[Request], chosen: set) -> set:
    """A better start for level b1 (pair model, {(pair, -1)}): give a participant left with nothing one of its
    requests, in exchange for a meeting of someone who keeps at least one; the number of meetings stays the same."""
    busy = instance.pinned_busy()
    room = {
        key: len([s for s in instance.open_slots if (key, s) not in instance.unavailable and (key, s) not in busy])
        for key in instance.participants()
    }
    load: dict[Participant, int] = defaultdict(int)
    for p in instance.pinned:
        load[buyer_key(p.buyer)] += 1
        load[structure_key(p.structure)] += 1
    pairs = {pair for pair, _slot in chosen}
    by_person: dict[Participant, set[tuple[int, int]]] = defaultdict(set)
    for b, s in pairs:
        load[buyer_key(b)] += 1
        load[structure_key(s)] += 1
        by_person[buyer_key(b)].add((b, s))
        by_person[structure_key(s)].add((b, s))
    options: dict[Participant, list[tuple[Participant, tuple[int, int]]]] = defaultdict(list)
    for r in requests:
        b, s = buyer_key(r.buyer), structure_key(r.structure)
        options[b].append((s, r.pair))
        options[s].append((b, r.pair))
    for person in sorted(options):
        if load[person] or not room.get(person):
            continue
        for other, pair in options[person]:
            if pair in pairs or load[other] < room[other] and load[other] > 0:
                continue  # (an other with room would have been used by the most-meetings level: tables are full)
            drop = next(
                (
                    old
                    for old in sorted(by_person[other])
                    if load[buyer_key(old[0]) if buyer_key(old[0]) != other else structure_key(old[1])] >= 2
                ),
                None,
            )
            if drop is None:
                continue
            for key in (buyer_key(drop[0]), structure_key(drop[1])):
                load[key] -= 1
                by_person[key].discard(drop)
            pairs.discard(drop)
            for key in (buyer_key(pair[0]), structure_key(pair[1])):
                load[key] += 1
                by_person[key].add(pair)
            pairs.add(pair)
            break
    return {(pair, -1) for pair in pairs}


def _round_bound(bound: float, sense: str) -> int:
    return math.floor(bound + 1e-6) if sense == "max" else math.ceil(bound - 1e-6)


def _allowed(instance: Instance) -> dict[Participant, set[int]]:
    busy = instance.pinned_busy()
    allowed = {}
    for key in instance.participants():
        allowed[key] = {
            s for s in instance.open_slots if (key, s) not in instance.unavailable and (key, s) not in busy
        }
    return allowed


def _caps(instance: Instance) -> dict[int, int | None]:
    return {s: instance.slot_capacity(s) for s in range(instance.slots)}


def _compact(instance: Instance, schedule: set, *, deadline: float) -> set:
    fixed_slots: dict[Participant, set[int]] = defaultdict(set)
    for p in instance.pinned:
        fixed_slots[buyer_key(p.buyer)].add(p.slot)
        fixed_slots[structure_key(p.structure)].add(p.slot)
    away: dict[Participant, set[int]] = defaultdict(lambda: set(instance.breaks))
    for key, slot in instance.unavailable:
        away[key].add(slot)
    colours = colouring.compact(
        {pair: slot for pair, slot in schedule},
        _allowed(instance),
        _caps(instance),
        fixed_slots=fixed_slots,
        away=away,
        deadline=deadline,
    )
    return set(colours.items())


def _placed(instance: Instance, schedule: set) -> list[tuple[Request, int]]:
    weight_of = {r.pair: r for r in instance.requests}
    return [(weight_of[pair], slot) for pair, slot in schedule]


def _scores(instance: Instance, schedule: set) -> Scores:
    """Scores of a partial schedule {(pair, slot)} (pair-model schedules have slot -1: only loads count)."""
    if any(slot < 0 for _pair, slot in schedule):
        fake = [Meeting(slot=0, table=0, buyer=b, structure=s) for (b, s), _slot in schedule]
        return scores(instance, list(instance.pinned) + fake)
    return scores(instance, list(instance.pinned) + _tables(instance, _placed(instance, schedule)))


def _tables(instance: Instance, placed: list) -> list[Meeting]:
    """Number the tables slot by slot: a buyer keeps the table it had in the previous slot when it is free; with
    one table per buyer, its own."""
    by_slot: dict[int, list] = defaultdict(list)
    for request, slot in placed:
        by_slot[slot].append(request)
    taken: dict[int, set[int]] = defaultdict(set)
    for m in instance.pinned:
        taken[m.slot].add(m.table)
    last_table: dict[int, int] = {}
    assigned: list = []
    for slot in range(instance.slots):
        for m in instance.pinned:
            if m.slot == slot:
                last_table[m.buyer] = m.table
        requests = sorted(by_slot.get(slot, []), key=lambda r: r.pair)
        home = instance.buyer_tables if instance.tables is None else last_table
        waiting = []
        for request in requests:  # first, every buyer whose table is free stays there
            number = home.get(request.buyer)
            if number is None or number in taken[slot] or (instance.tables is not None and number > instance.tables):
                waiting.append(request)
                continue
            taken[slot].add(number)
            assigned.append((slot, number, request))
        for request in waiting:  # then the others take the lowest free numbers
            number = next(n for n in count(1) if n not in taken[slot])
            taken[slot].add(number)
            assigned.append((slot, number, request))
        for _slot, number, request in assigned[-len(requests) :] if requests else []:
            last_table[request.buyer] = number
    meetings = [Meeting(slot=s, table=n, buyer=r.buyer, structure=r.structure) for s, n, r in assigned]
    return meetings
