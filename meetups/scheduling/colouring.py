"""Placing chosen pairs in slots: a bipartite edge colouring (slots are colours), König's alternating paths.

Every chosen pair (an edge buyer–structure) gets a slot both sides can attend, no participant twice in a slot,
at most `cap[slot]` edges per slot. Without unavailability this always succeeds when each participant has at most
as many pairs as open slots and the day has room (König; de Werra's balancing for the tables, SCHEDULING.md);
with unavailability it is a heuristic, and whatever it cannot place is returned for the exact model to handle.
"""

from __future__ import annotations

import time
from collections import defaultdict

Node = tuple[str, int]
Edge = tuple[int, int]  # (buyer, structure)


class Colouring:
    def __init__(self, allowed: dict[Node, set[int]], cap: dict[int, int | None]):
        self.allowed = allowed
        self.cap = cap
        self.at: dict[Node, dict[int, Edge]] = defaultdict(dict)  # node → colour → edge
        self.colour: dict[Edge, int] = {}
        self.count: dict[int, int] = defaultdict(int)

    @staticmethod
    def ends(edge: Edge) -> tuple[Node, Node]:
        return ("b", edge[0]), ("s", edge[1])

    def ok(self, edge: Edge, colour: int) -> bool:
        u, v = self.ends(edge)
        return colour in self.allowed[u] and colour in self.allowed[v]

    def set(self, edge: Edge, colour: int) -> None:
        u, v = self.ends(edge)
        self.at[u][colour] = edge
        self.at[v][colour] = edge
        self.colour[edge] = colour
        self.count[colour] += 1

    def unset(self, edge: Edge) -> int:
        colour = self.colour.pop(edge)
        u, v = self.ends(edge)
        del self.at[u][colour]
        del self.at[v][colour]
        self.count[colour] -= 1
        return colour

    def room(self, colour: int) -> bool:
        return self.fits(colour, self.count[colour] + 1)

    def fits(self, colour: int, count: int) -> bool:
        cap = self.cap.get(colour)
        return cap is None or count <= cap

    def chain(self, start: Node, a: int, b: int) -> list[Edge]:
        """The path from `start` along edges coloured a, b, a, ... (a start missing b)."""
        path, node, colour, seen = [], start, a, set()
        while colour in self.at[node]:
            edge = self.at[node][colour]
            if edge in seen:
                break
            seen.add(edge)
            path.append(edge)
            u, v = self.ends(edge)
            node = v if node == u else u
            colour = b if colour == a else a
        return path

    def flip(self, path: list[Edge], a: int, b: int) -> bool:
        """Swap colours a ↔ b on the path, if every edge may take its new colour."""
        new = {edge: (b if self.colour[edge] == a else a) for edge in path}
        if not all(self.ok(edge, colour) for edge, colour in new.items()):
            return False
        for edge in path:
            self.unset(edge)
        for edge, colour in new.items():
            self.set(edge, colour)
        return True

    def balance(self) -> None:
        """Move edges from over-full slots to slots with room: on a path coloured c, d, c, ..., c starting at a
        node without d, swapping c ↔ d leaves every node proper and moves one edge from c to d."""
        for c in sorted(self.cap):
            for d in sorted(self.cap):
                if c == d:
                    continue
                while not self.fits(c, self.count[c]) and self.fits(d, self.count[d] + 1):
                    for node in [n for n, colours in self.at.items() if c in colours and d not in colours]:
                        path = self.chain(node, c, d)
                        if len(path) % 2 == 1 and self.flip(path, c, d):
                            break
                    else:
                        break

    def add(self, edge: Edge) -> bool:
        u, v = self.ends(edge)
        common = sorted(self.allowed[u] & self.allowed[v])
        for colour in common:
            if colour not in self.at[u] and colour not in self.at[v] and self.room(colour):
                self.set(edge, colour)
                return True
        # a free at u, b free at v: flip the a/b chain from v so that a becomes free at v too.
        for a in common:
            if a in self.at[u] or not self.room(a):
                continue
            for b in self.allowed[v]:
                if b in self.at[v] or b == a:
                    continue
                path = self.chain(v, a, b)
                if not path or any(u in self.ends(edge) for edge in path):
                    continue
                shift = 2 * sum(1 for edge in path if self.colour[edge] == a) - len(path)  # a loses, b gains
                if not (self.fits(a, self.count[a] - shift + 1) and self.fits(b, self.count[b] + shift)):
                    continue
                if self.flip(path, a, b):
                    self.set(edge, a)
                    return True
        return False


def place(
    edges: list[Edge],
    allowed: dict[Node, set[int]],
    cap: dict[int, int | None],
    preferred: dict[Edge, int] | None = None,
) -> tuple[dict[Edge, int], list[Edge]]:
    """Colour `edges` ({edge: slot}) and return those it could not place. Pinned meetings are not edges here:
    their slots are out of `allowed` for their participants and out of `cap`."""
    # First a proper colouring ignoring the tables, then balance the slots (de Werra), then retry what is left.
    colouring = Colouring(allowed, dict.fromkeys(cap))
    # The most constrained participants first: their few slots go before others take them.
    degree: dict[Node, int] = defaultdict(int)
    for edge in edges:
        for node in Colouring.ends(edge):
            degree[node] += 1

    def tightness(edge: Edge) -> tuple:
        u, v = Colouring.ends(edge)
        return (-max(degree[u] - len(allowed[u]), degree[v] - len(allowed[v])), len(allowed[u] & allowed[v]), edge)

    left = []
    # Pairs of the schedule in place first, in their slot (a re-run moves as few meetings as it can).
    for edge in sorted(edges):
        slot = (preferred or {}).get(edge)
        u, v = Colouring.ends(edge)
        if (
            slot is not None
            and colouring.ok(edge, slot)
            and slot not in colouring.at[u]
            and slot not in colouring.at[v]
        ):
            colouring.set(edge, slot)
    for edge in sorted(edges, key=tightness):
        if edge not in colouring.colour and not colouring.add(edge):
            left.append(edge)
    colouring.cap = cap
    colouring.balance()
    for colour, limit in cap.items():
        while limit is not None and colouring.count[colour] > limit:
            edge = max(e for e, c in colouring.colour.items() if c == colour)
            colouring.unset(edge)
            left.append(edge)
    left = [edge for edge in sorted(left, key=tightness) if not colouring.add(edge)]
    return dict(colouring.colour), left


def compact(
    colours: dict[Edge, int],
    allowed: dict[Node, set[int]],
    cap: dict[int, int | None],
    *,
    fixed_slots: dict[Node, set[int]],
    away: dict[Node, set[int]],
    deadline: float,
) -> dict[Edge, int]:
    """Fewer idle slots by local search: move a meeting to a slot where both sides are free, or swap two slots
    along an alternating (Kempe) chain, whenever the idle slots of the participants touched go down. Every move
    keeps the schedule valid. Stops at `deadline` (time.monotonic()) or when no move helps."""
    colouring = Colouring(allowed, cap)
    for edge, colour in colours.items():
        colouring.set(edge, colour)

    def idle(node: Node) -> int:
        slots = set(colouring.at[node]) | fixed_slots.get(node, set())
        if not slots:
            return 0
        skip = away.get(node, set())
        return sum(1 for s in range(min(slots), max(slots) + 1) if s not in slots and s not in skip)

    def component(edge: Edge, a: int, b: int) -> list[Edge]:
        u, v = Colouring.ends(edge)
        return [edge, *colouring.chain(u, b, a), *colouring.chain(v, b, a)]

    def exchange(a: int, b: int) -> bool:
        in_a = [e for e, c in colouring.colour.items() if c == a]
        in_b = [e for e, c in colouring.colour.items() if c == b]
        if not (colouring.fits(b, len(in_a)) and colouring.fits(a, len(in_b))):
            return False
        if not all(colouring.ok(e, b) for e in in_a) or not all(colouring.ok(e, a) for e in in_b):
            return False
        touched = {n for e in in_a + in_b for n in Colouring.ends(e)}
        before = sum(idle(n) for n in touched)

        def put(to_a: list[Edge], to_b: list[Edge]) -> None:
            for edge in in_a + in_b:
                colouring.unset(edge)
            for edge in to_a:
                colouring.set(edge, a)
            for edge in to_b:
                colouring.set(edge, b)

        put(in_b, in_a)
        if sum(idle(n) for n in touched) < before:
            return True
        put(in_a, in_b)  # undo
        return False

    progress = True
    while progress and time.monotonic() < deadline:
        progress = False
        nodes = [n for n in list(colouring.at) if idle(n) > 0]
        for node in nodes:
            if time.monotonic() >= deadline:
                break
            for edge in list(colouring.at[node].values()):
                a = colouring.colour[edge]
                for b in sorted(colouring.cap):
                    if b == a or not colouring.ok(edge, b):
                        continue
                    path = component(edge, a, b)
                    if len(set(path)) != len(path):
                        continue  # the chain closed on itself: not a simple swap
                    touched = {n for e in path for n in Colouring.ends(e)}
                    before = sum(idle(n) for n in touched)
                    shift = 2 * sum(1 for e in path if colouring.colour[e] == a) - len(path)
                    if not (
                        colouring.fits(a, colouring.count[a] - shift) and colouring.fits(b, colouring.count[b] + shift)
                    ):
                        continue
                    if not colouring.flip(path, a, b):
                        continue
                    if sum(idle(n) for n in touched) < before:
                        progress = True
                        break  # this meeting moved: on to the next one
                    colouring.flip(path, b, a)  # undo
        # Then whole slots exchanged (a meeting order that suits more people), when everyone can attend both.
        for a in sorted(colouring.cap):
            for b in sorted(colouring.cap):
                if a < b and time.monotonic() < deadline and exchange(a, b):
                    progress = True
    return dict(colouring.colour)
