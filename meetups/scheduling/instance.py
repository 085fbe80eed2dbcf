"""The scheduling problem as plain data: no Django here, so the solver can be tested and benchmarked alone.

A participant is a key: ("b", buyer_id) or ("s", structure_id). Slots are numbered 0..slots-1; breaks are slot
numbers where nobody meets. `tables` caps the meetings per slot (None: one table per buyer, no other cap).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

Participant = tuple[str, int]


def buyer_key(buyer: int) -> Participant:
    return ("b", buyer)


def structure_key(structure: int) -> Participant:
    return ("s", structure)


@dataclass(frozen=True)
class Request:
    """An accepted request: `buyer` and `structure` want to meet; `weight` (≥ 1) rises with priority and when
    both sides asked."""

    buyer: int
    structure: int
    weight: int = 1

    @property
    def pair(self) -> tuple[int, int]:
        return (self.buyer, self.structure)


@dataclass(frozen=True, order=True)
class Meeting:
    slot: int
    table: int
    buyer: int
    structure: int

    @property
    def pair(self) -> tuple[int, int]:
        return (self.buyer, self.structure)


@dataclass
class Instance:
    slots: int
    requests: list[Request]
    tables: int | None = None
    breaks: frozenset[int] = frozenset()
    unavailable: frozenset[tuple[Participant, int]] = frozenset()
    pinned: tuple[Meeting, ...] = ()
    # With `tables` None: each buyer's own table number (default: 1, 2, ... by buyer id).
    buyer_tables: dict[int, int] = field(default_factory=dict)
    # Where a pair met in the schedule in place (not pinned): kept there when nothing better needs the slot.
    preferred: dict[tuple[int, int], int] = field(default_factory=dict)

    def __post_init__(self):
        self.breaks = frozenset(self.breaks)
        self.unavailable = frozenset(self.unavailable)
        self.pinned = tuple(sorted(self.pinned))
        pairs = [r.pair for r in self.requests]
        if len(pairs) != len(set(pairs)):
            raise ValueError("one request per (buyer, structure) pair")
        if any(r.weight < 1 for r in self.requests):
            raise ValueError("request weights are at least 1")
        if self.tables is not None and self.tables < 0:
            raise ValueError("tables must be positive")
        if not self.buyer_tables:
            self.buyer_tables = {b: n for n, b in enumerate(sorted(self.buyers), start=1)}

    @property
    def buyers(self) -> set[int]:
        return {r.buyer for r in self.requests} | {m.buyer for m in self.pinned}

    @property
    def open_slots(self) -> list[int]:
        return [s for s in range(self.slots) if s not in self.breaks]

    def participants(self) -> set[Participant]:
        """Everyone who asked (or holds a pinned meeting)."""
        keys = set()
        for pair in [r.pair for r in self.requests] + [m.pair for m in self.pinned]:
            keys.add(buyer_key(pair[0]))
            keys.add(structure_key(pair[1]))
        return keys

    def pinned_pairs(self) -> set[tuple[int, int]]:
        return {m.pair for m in self.pinned}

    def free_requests(self) -> list[Request]:
        """Requests not already met by a pinned meeting, in a stable order."""
        pinned = self.pinned_pairs()
        return sorted((r for r in self.requests if r.pair not in pinned), key=lambda r: r.pair)

    def pinned_busy(self) -> set[tuple[Participant, int]]:
        busy = set()
        for m in self.pinned:
            busy.add((buyer_key(m.buyer), m.slot))
            busy.add((structure_key(m.structure), m.slot))
        return busy

    def slot_capacity(self, slot: int) -> int | None:
        """Meetings that slot can still take besides the pinned ones (None: no cap)."""
        if slot in self.breaks:
            return 0
        if self.tables is None:
            return None
        pinned_here = sum(1 for m in self.pinned if m.slot == slot)
        return max(self.tables - pinned_here, 0)

    def can_meet(self, request: Request, slot: int, busy: set | None = None) -> bool:
        """Both sides can attend `slot`, it is no break, and no pinned meeting holds either of them then."""
        busy = self.pinned_busy() if busy is None else busy
        if slot in self.breaks or not 0 <= slot < self.slots:
            return False
        for key in (buyer_key(request.buyer), structure_key(request.structure)):
            if (key, slot) in self.unavailable or (key, slot) in busy:
                return False
        return True

    def available_slots(self, key: Participant) -> int:
        """Open slots the participant can attend (pinned meetings count, even in a slot since marked away)."""
        pinned_slots = {m.slot for m in self.pinned if key in (buyer_key(m.buyer), structure_key(m.structure))}
        free = {s for s in self.open_slots if (key, s) not in self.unavailable}
        return len(free | pinned_slots)

    def describe(self) -> str:
        buyers = len(self.buyers)
        structures = len({r.structure for r in self.requests} | {m.structure for m in self.pinned})
        tables = "une par acheteur" if self.tables is None else str(self.tables)
        return (
            f"{buyers + structures} participants ({buyers} acheteurs, {structures} structures), "
            f"{len(self.requests)} demandes, {self.slots} créneaux ({len(self.breaks)} pause(s)), "
            f"tables : {tables}, {len(self.unavailable)} indisponibilités, {len(self.pinned)} rendez-vous fixés"
        )


def loads(meetings) -> dict[Participant, list[int]]:
    """Each participant's meeting slots, sorted."""
    slots = defaultdict(list)
    for m in meetings:
        slots[buyer_key(m.buyer)].append(m.slot)
        slots[structure_key(m.structure)].append(m.slot)
    return {key: sorted(value) for key, value in slots.items()}
