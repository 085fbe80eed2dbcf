"""The certificate's bounds, computed apart from the schedule itself.

- `meeting_bound`: a maximum b-matching as a max-flow (networkx): source → each buyer (capacity: the slots it can
  attend), buyer → structure per request (1), structure → sink (the slots it can attend), with one arc in front
  of the source holding the tables × open slots. No schedule can place more; without unavailability it is
  reachable (König's and de Werra's edge-colouring theorems, see ../shared/SCHEDULING.md).
- `unserved_lower_bound`: the fewest participants left with nothing among schedules placing at least `placed`
  meetings, on the same relaxation (pairs instead of pair × slot), solved exactly by CP-SAT; when its time runs
  out the proven bound is used, so the figure is always a true lower bound.
- `most_pairs`: level a1 on the pair relaxation, exactly, by a max-flow over the free requests.
- `best_worst_share` and `smallest_best_share`: levels b2 and b3 on the pair relaxation when everyone is served
  (level b1 at 0), exactly: "every participant's share between w and b, `placed` meetings" is a flow with lower
  bounds on the participants' arcs (networkx network simplex), and a binary search on w, then on b, finds the
  optimum, with a schedule attaining it. (With someone left out, who is served is a choice: CP-SAT does it.)
"""

from __future__ import annotations

import math

import networkx as nx
from ortools.sat.python import cp_model

from meetups.scheduling.instance import Instance, Participant, buyer_key, structure_key
from meetups.scheduling.measures import capacity


def _pairs(instance: Instance) -> list[tuple[int, int]]:
    return sorted({r.pair for r in instance.requests} | instance.pinned_pairs())


def total_capacity(instance: Instance) -> int | None:
    """Meetings the venue can hold in the whole day (None: no table cap)."""
    if instance.tables is None:
        return None
    return sum(instance.slot_capacity(s) for s in range(instance.slots)) + len(instance.pinned)


def meeting_bound(instance: Instance) -> int:
    pairs = _pairs(instance)
    if not pairs:
        return 0
    graph = nx.DiGraph()
    cap = total_capacity(instance)
    graph.add_edge("top", "source", capacity=cap if cap is not None else len(pairs))
    for buyer in {b for b, _ in pairs}:
        graph.add_edge("source", ("b", buyer), capacity=instance.available_slots(buyer_key(buyer)))
    for structure in {s for _, s in pairs}:
        graph.add_edge(("s", structure), "sink", capacity=instance.available_slots(structure_key(structure)))
    for buyer, structure in pairs:
        graph.add_edge(("b", buyer), ("s", structure), capacity=1)
    value, _flow = nx.maximum_flow(graph, "top", "sink")
    return int(value)


def unserved_lower_bound(instance: Instance, *, placed: int, time_limit: float = 5.0, workers: int = 2) -> int:
    pairs = _pairs(instance)
    model = cp_model.CpModel()
    y = {pair: model.new_bool_var(f"y{pair}") for pair in pairs}
    pinned = instance.pinned_pairs()
    for pair in pinned:
        model.add(y[pair] == 1)
    incident: dict = {}
    for pair, var in y.items():
        incident.setdefault(buyer_key(pair[0]), []).append(var)
        incident.setdefault(structure_key(pair[1]), []).append(var)
    served = {}
    for key, variables in incident.items():
        model.add(sum(variables) <= instance.available_slots(key))
        served[key] = model.new_bool_var(f"served{key}")
        model.add(sum(variables) >= served[key])
    cap = total_capacity(instance)
    if cap is not None:
        model.add(sum(y.values()) <= cap)
    model.add(sum(y.values()) >= placed)
    model.maximize(sum(served.values()))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    everyone = len(instance.participants())
    if status == cp_model.OPTIMAL:
        return everyone - round(solver.objective_value)
    if status == cp_model.FEASIBLE:
        return max(everyone - math.floor(solver.best_objective_bound + 1e-6), 0)
    return 0


def shares_flow(instance: Instance, *, placed: int, worst: int, best: int = 100) -> set[tuple[int, int]] | None:
    """Free pairs to meet so that `placed` meetings in all (pinned ones included) serve everyone, each with a share
    (meetings ÷ capacity, %, rounded down) between `worst` and `best`, on the pair relaxation (each participant
    within the slots it can attend, requests whose sides share no free slot excluded); None if there are none.
    share ≥ w ⇔ load ≥ ⌈w·cap/100⌉; share ≤ b ⇔ load ≤ ⌊((b + 1)·cap − 1)/100⌋."""
    busy = instance.pinned_busy()
    pinned_load: dict[Participant, int] = {}
    for m in instance.pinned:
        for key in (buyer_key(m.buyer), structure_key(m.structure)):
            pinned_load[key] = pinned_load.get(key, 0) + 1
    free = {
        key: {s for s in instance.open_slots if (key, s) not in instance.unavailable and (key, s) not in busy}
        for key in instance.participants()
    }
    graph = nx.DiGraph()
    demand: dict = {"source": -(placed - len(instance.pinned)), "sink": placed - len(instance.pinned)}
    if demand["sink"] < 0:
        return None

    def arc(u, v, low: int, high: int) -> bool:
        if high < low:
            return False
        graph.add_edge(u, v, capacity=high - low)
        demand[u] = demand.get(u, 0) + low
        demand[v] = demand.get(v, 0) - low
        return True

    for key, slots in free.items():
        cap = capacity(instance, key)
        if not cap:
            return None
        done = pinned_load.get(key, 0)
        low = max(1, math.ceil(worst * cap / 100)) - done
        high = min(len(slots), ((best + 1) * cap - 1) // 100 - done)
        ok = arc("source", key, max(low, 0), high) if key[0] == "b" else arc(key, "sink", max(low, 0), high)
        if not ok:
            return None
    for request in instance.free_requests():
        b, s = buyer_key(request.buyer), structure_key(request.structure)
        if free[b] & free[s]:
            graph.add_edge(b, s, capacity=1)
    for node, value in demand.items():
        graph.add_node(node, demand=value)
    try:
        _cost, flow = nx.network_simplex(graph)
    except nx.NetworkXUnfeasible:
        return None
    return {
        (b[1], s[1])
        for b, targets in flow.items()
        if isinstance(b, tuple) and b[0] == "b"
        for s, f in targets.items()
        if f and isinstance(s, tuple)
    }


def best_worst_share(instance: Instance, *, placed: int) -> tuple[int, set] | None:
    """The largest worst-served share with everyone served and `placed` meetings, and pairs attaining it."""
    found = shares_flow(instance, placed=placed, worst=0)
    if found is None:
        return None
    low, high = 0, 100
    while low < high:
        middle = (low + high + 1) // 2
        pairs = shares_flow(instance, placed=placed, worst=middle)
        if pairs is None:
            high = middle - 1
        else:
            low, found = middle, pairs
    return low, found


def smallest_best_share(instance: Instance, *, placed: int, worst: int) -> tuple[int, set] | None:
    """The smallest best-served share with everyone served, every share ≥ `worst`, `placed` meetings."""
    found = shares_flow(instance, placed=placed, worst=worst)
    if found is None:
        return None
    low, high = worst, 100
    while low < high:
        middle = (low + high) // 2
        pairs = shares_flow(instance, placed=placed, worst=worst, best=middle)
        if pairs is None:
            low = middle + 1
        else:
            high, found = middle, pairs
    return low, found


def most_pairs(instance: Instance) -> tuple[int, set[tuple[int, int]]]:
    """The most meetings on the pair relaxation (pinned ones included) and free pairs attaining it: a max-flow
    source → buyer (its free slots) → structure (one per request whose sides share a free slot) → sink (its free
    slots), behind one arc of the tables' free places in the day."""
    busy = instance.pinned_busy()
    free = {
        key: {s for s in instance.open_slots if (key, s) not in instance.unavailable and (key, s) not in busy}
        for key in instance.participants()
    }
    graph = nx.DiGraph()
    requests = instance.free_requests()
    places = None if instance.tables is None else sum(instance.slot_capacity(s) for s in range(instance.slots))
    graph.add_edge("top", "source", capacity=len(requests) if places is None else places)
    graph.add_node("sink")
    for request in requests:
        b, s = buyer_key(request.buyer), structure_key(request.structure)
        if free[b] & free[s]:
            graph.add_edge("source", b, capacity=len(free[b]))
            graph.add_edge(b, s, capacity=1)
            graph.add_edge(s, "sink", capacity=len(free[s]))
    value, flow = nx.maximum_flow(graph, "top", "sink")
    pairs = {
        (b[1], s[1])
        for b, targets in flow.items()
        if isinstance(b, tuple) and b[0] == "b"
        for s, f in targets.items()
        if f and isinstance(s, tuple)
    }
    return int(value) + len(instance.pinned), pairs
