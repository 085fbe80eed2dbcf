"""What a schedule is worth on each objective level, and whether it breaks a rule: computed from the meetings
alone, independently of the solver (the tests and the certificate both use it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from meetups.scheduling.instance import Instance, Meeting, Participant, buyer_key, loads, structure_key


@dataclass(frozen=True)
class Scores:
    placed: int  # (a) meetings
    weight: int  # (a') Σ request weights, after fairness
    unserved: int  # (b1) participants who asked and got nothing
    worst_share: int  # (b2) smallest share (per cent, rounded down) of what a served participant could get
    idle_slots: int  # (c) slots waited between a participant's first and last meeting
    gap: int = 0  # (b3) best-served share − worst-served share, among those served (0 when nobody is)

    def key(self) -> tuple[int, int, int, int, int, int]:
        """Larger is better, lexicographically."""
        return (self.placed, -self.unserved, self.worst_share, -self.gap, self.weight, -self.idle_slots)


def share(got: int, cap: int) -> int:
    """A participant's share: meetings ÷ what it could have, in per cent, rounded down."""
    return 100 * got // max(cap, 1)


def capacity(instance: Instance, key: Participant) -> int:
    """The most meetings `key` could have: its requests (and pinned meetings), at most one per slot it attends."""
    side, ident = key
    pairs = {r.pair for r in instance.requests} | instance.pinned_pairs()
    asked = sum(1 for pair in pairs if (pair[0] if side == "b" else pair[1]) == ident)
    return min(asked, instance.available_slots(key))


def idle_of(instance: Instance, key: Participant, slots: list[int]) -> int:
    """Open slots the participant attends between its first and last meeting, without a meeting."""
    if not slots:
        return 0
    taken = set(slots)
    return sum(
        1
        for s in range(slots[0], slots[-1] + 1)
        if s not in taken and s not in instance.breaks and (key, s) not in instance.unavailable
    )


def scores(instance: Instance, meetings: Iterable[Meeting]) -> Scores:
    meetings = list(meetings)
    weight_of = {r.pair: r.weight for r in instance.requests}
    per = loads(meetings)
    unserved = 0
    worst, best = 100, None
    for key in instance.participants():
        got = len(per.get(key, ()))
        if got == 0:
            unserved += 1
        else:
            mine = share(got, capacity(instance, key))
            worst = min(worst, mine)
            best = mine if best is None else max(best, mine)
    return Scores(
        placed=len(meetings),
        weight=sum(weight_of.get(m.pair, 0) for m in meetings),
        unserved=unserved,
        worst_share=worst,
        gap=0 if best is None else best - worst,
        idle_slots=sum(idle_of(instance, key, slots) for key, slots in per.items()),
    )


def violations(instance: Instance, meetings: Iterable[Meeting]) -> list[str]:
    """Every rule the schedule breaks (empty: it is valid)."""
    meetings = list(meetings)
    problems = []
    requested = {r.pair for r in instance.requests} | instance.pinned_pairs()
    pinned = set(instance.pinned)
    for key, count in Counter(m.pair for m in meetings).items():
        if count > 1:
            problems.append(f"pair {key} meets {count} times")
    for m in meetings:
        if m.pair not in requested:
            problems.append(f"{m} was not requested")
        if not 0 <= m.slot < instance.slots:
            problems.append(f"{m} is outside the day")
        if m in pinned:
            continue
        if m.slot in instance.breaks:
            problems.append(f"{m} is in a break")
        for key in (buyer_key(m.buyer), structure_key(m.structure)):
            if (key, m.slot) in instance.unavailable:
                problems.append(f"{m}: {key} is unavailable")
    for p in instance.pinned:
        if p not in meetings:
            problems.append(f"pinned {p} moved or was dropped")
    for what, counter in (
        ("buyer", Counter((m.buyer, m.slot) for m in meetings)),
        ("structure", Counter((m.structure, m.slot) for m in meetings)),
        ("table", Counter((m.table, m.slot) for m in meetings)),
    ):
        problems += [f"{what} {k[0]} twice in slot {k[1]}" for k, n in counter.items() if n > 1]
    per_slot = Counter(m.slot for m in meetings)
    pinned_slot = Counter(m.slot for m in instance.pinned)
    for slot, count in per_slot.items():
        if instance.tables is not None and count > max(instance.tables, pinned_slot[slot]):
            problems.append(f"slot {slot} holds {count} meetings for {instance.tables} tables")
    for m in meetings:
        if m in pinned:
            continue
        if instance.tables is not None and not 1 <= m.table <= instance.tables:
            problems.append(f"{m} sits at a table that does not exist")
    return problems
