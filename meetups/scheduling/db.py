"""The scheduler and the database: build an instance from a meet-up, compare a solution with the schedule in place,
apply it in one transaction.

    built = build(meetup, allow_move=False)          # reads only
    solution = solve(built.instance, time_limit=30)  # pure (meetups.scheduling.solver)
    proposal = propose(built, solution)              # JSON-able: meetings, certificate, diff, basis
    apply(meetup=meetup, proposal=proposal, by=user) # one transaction; refuses if anything changed since `build`

What goes in: accepted requests (both directions; one pair when both sides asked) of confirmed registrations with a
buyer still attending; each participant's unavailable slots; the breaks ("HH:MM", Europe/Paris); the tables. What
stays put: the pinned meetings (every meeting of a published schedule is pinned when published), unless staff
explicitly allow moving them. The pair weight is 1, plus 3/2/1 for a first/second/third wish on each side that
asked, plus 2 when both sides asked each other.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from meetups.scheduling.instance import Instance, Meeting, Request, buyer_key, structure_key
from meetups.scheduling.solver import Solution, solve


def weight(priorities: dict[str, int]) -> int:
    """`priorities`: direction → priority of the accepted request(s) for one pair."""
    bonus = sum(max(0, 4 - priority) for priority in priorities.values())
    return 1 + bonus + (2 if len(priorities) == 2 else 0)


@dataclass
class Built:
    meetup_id: int
    instance: Instance
    slots: list[datetime.datetime]
    step: datetime.timedelta
    request_of: dict[tuple[int, int], int]  # pair → the request a meeting will point to
    buyer_names: dict[int, str]
    structure_names: dict[int, str]
    existing: dict[tuple[int, int], tuple[datetime.datetime, int, bool]]  # pair → (start, table, pinned)
    absent_buyer_requests: list[tuple[int, str, int]] = field(default_factory=list)  # (request, buyer name, structure)
    basis: str = ""
    allow_move: bool = False


def build(meetup, *, allow_move: bool = False) -> Built:
    """Read everything the scheduler needs about `meetup` (a fixed number of queries)."""
    from meetups.models import Meeting as MeetingRow
    from meetups.models import MeetingRequest, RegistrationStatus, RequestStatus, Unavailability
    from meetups.services import meetup_slots

    slots = meetup_slots(meetup)
    index_of = {start: index for index, start in enumerate(slots)}
    breaks = {
        index
        for index, start in enumerate(slots)
        if timezone.localtime(start).strftime("%H:%M") in set(meetup.breaks or [])
    }
    attending = dict(meetup.buyers.order_by("name", "pk").values_list("pk", "name"))
    buyer_tables = {buyer: number for number, buyer in enumerate(attending, start=1)}

    rows = list(
        MeetingRequest.objects.filter(
            registration__meetup=meetup,
            registration__status=RegistrationStatus.CONFIRMED,
            status=RequestStatus.ACCEPTED,
        )
        .order_by("priority", "pk")
        .values_list(
            "pk",
            "buyer_id",
            "buyer__name",
            "registration__structure_id",
            "registration__structure__name",
            "direction",
            "priority",
        )
    )
    priorities: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    request_of: dict[tuple[int, int], int] = {}
    structure_names: dict[int, str] = {}
    absent = []
    for pk, buyer, buyer_name, structure, structure_name, direction, priority in rows:
        structure_names[structure] = structure_name
        if buyer not in attending:
            absent.append((pk, buyer_name, structure))
            continue
        pair = (buyer, structure)
        priorities[pair][direction] = min(priority, priorities[pair].get(direction, priority))
        request_of.setdefault(pair, pk)

    unavailable = set()
    confirmed = set(meetup.registrations.filter(status=RegistrationStatus.CONFIRMED).values_list("pk", "structure_id"))
    structure_of_registration = dict(confirmed)
    for buyer, registration, start in Unavailability.objects.filter(meetup=meetup).values_list(
        "buyer_id", "registration_id", "starts_at"
    ):
        if start not in index_of:
            continue
        if buyer is not None:
            unavailable.add((buyer_key(buyer), index_of[start]))
        elif registration in structure_of_registration:
            unavailable.add((structure_key(structure_of_registration[registration]), index_of[start]))

    existing = {}
    preferred = {}
    pinned = []
    confirmed_structures = set(structure_of_registration.values())
    for buyer, structure, structure_name, start, table, is_pinned in MeetingRow.objects.filter(
        meetup=meetup
    ).values_list("buyer_id", "structure_id", "structure__name", "starts_at", "table", "pinned"):
        existing[(buyer, structure)] = (start, table, is_pinned)
        if start in index_of:
            preferred[(buyer, structure)] = index_of[start]
        structure_names.setdefault(structure, structure_name)
        # A confirmed meeting stays, unless staff allow moving it or one side has left the meet-up.
        if (
            is_pinned
            and not allow_move
            and start in index_of
            and buyer in attending
            and structure in confirmed_structures
        ):
            pinned.append(Meeting(slot=index_of[start], table=table, buyer=buyer, structure=structure))

    instance = Instance(
        slots=len(slots),
        requests=[Request(b, s, weight(p)) for (b, s), p in sorted(priorities.items())],
        tables=meetup.tables,
        breaks=frozenset(breaks),
        unavailable=frozenset(unavailable),
        pinned=tuple(pinned),
        buyer_tables=buyer_tables,
        preferred=preferred,
    )
    built = Built(
        meetup_id=meetup.pk,
        instance=instance,
        slots=slots,
        step=datetime.timedelta(minutes=meetup.meeting_minutes),
        request_of=request_of,
        buyer_names=attending,
        structure_names=structure_names,
        existing=existing,
        absent_buyer_requests=absent,
        allow_move=allow_move,
    )
    built.basis = _basis(meetup, built, rows)
    return built


def _basis(meetup, built: Built, rows) -> str:
    """A fingerprint of what the solution was computed from: applying it after any change is refused."""
    payload = {
        "meetup": [
            meetup.starts_at.timestamp(),
            meetup.ends_at.timestamp(),
            meetup.meeting_minutes,
            meetup.tables,
            meetup.breaks,
        ],
        "requests": sorted((row[0], row[1], row[3]) for row in rows),
        "unavailable": sorted(map(repr, built.instance.unavailable)),
        "meetings": sorted((pair, value[0].timestamp(), value[1], value[2]) for pair, value in built.existing.items()),
        "buyers": sorted(built.buyer_names),
        "allow_move": built.allow_move,
    }
    return hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()


def _label(start: datetime.datetime) -> str:
    return timezone.localtime(start).strftime("%H:%M")


def propose(built: Built, solution: Solution) -> dict:
    """The solution as JSON-able data, with its certificate and the difference from the schedule in place."""
    new = {m.pair: (built.slots[m.slot], m.table) for m in solution.meetings}
    added, moved, removed = [], [], []

    def names(pair):
        return {
            "buyer": built.buyer_names.get(pair[0], "?"),
            "structure": built.structure_names.get(pair[1], "?"),
        }

    for pair, (start, table) in sorted(new.items(), key=lambda item: (item[1], item[0])):
        if pair not in built.existing:
            added.append({**names(pair), "at": _label(start), "table": table})
        else:
            old_start, old_table, pinned = built.existing[pair]
            if (old_start, old_table) != (start, table):
                moved.append(
                    {
                        **names(pair),
                        "from": _label(old_start),
                        "from_table": old_table,
                        "at": _label(start),
                        "table": table,
                        "pinned": pinned,
                    }
                )
    for pair, (old_start, old_table, pinned) in sorted(built.existing.items(), key=lambda item: item[1]):
        if pair not in new:
            removed.append({**names(pair), "at": _label(old_start), "table": old_table, "pinned": pinned})
    return {
        "meetup": built.meetup_id,
        "basis": built.basis,
        "allow_move": built.allow_move,
        "instance": describe_instance(built.instance),
        "meetings": [[m.buyer, m.structure, m.slot, m.table] for m in solution.meetings],
        "certificate": solution.certificate.as_dict(),
        "diff": {"added": added, "moved": moved, "removed": removed},
        "unplaced": unplaced(built, solution),
    }


def unplaced(built: Built, solution: Solution) -> list[dict]:
    met = {m.pair for m in solution.meetings}
    rows = [
        {
            "request": built.request_of[r.pair],
            "buyer": built.buyer_names[r.buyer],
            "structure": built.structure_names.get(r.structure, "?"),
            "reason": gettext("plus de créneau libre commun"),
        }
        for r in built.instance.requests
        if r.pair not in met
    ]
    rows += [
        {
            "request": pk,
            "buyer": buyer_name,
            "structure": built.structure_names.get(structure, "?"),
            "reason": gettext("l'acheteur ne participe plus à la rencontre"),
        }
        for pk, buyer_name, structure in built.absent_buyer_requests
    ]
    return rows


def compute(meetup, *, allow_move: bool = False, time_limit: float | None = None, progress=None) -> dict:
    built = build(meetup, allow_move=allow_move)
    seconds = time_limit if time_limit is not None else settings.MEETUPS_SCHEDULE_SECONDS
    solution = solve(built.instance, time_limit=seconds, progress=progress)
    return propose(built, solution)


class StaleProposal(Exception):
    pass


@transaction.atomic
def apply(*, meetup, proposal: dict, by) -> int:
    """Write the proposal: meetings that change or leave are deleted, new ones inserted, unchanged ones untouched.
    Refused (StaleProposal, nothing written) if requests, unavailability, settings or meetings changed since it
    was computed. On a published schedule the new meetings are confirmed (pinned) and the participants whose
    agenda changed are emailed. Returns the number of meetings."""
    from meetups import services
    from meetups.models import Meeting as MeetingRow

    meetup = services._lock_meetup(meetup)
    built = build(meetup, allow_move=bool(proposal.get("allow_move")))
    if built.basis != proposal.get("basis"):
        raise StaleProposal(
            gettext("Le planning, les demandes ou les disponibilités ont changé depuis le calcul : relancez-le.")
        )
    wanted = {(buyer, structure): (built.slots[slot], table) for buyer, structure, slot, table in proposal["meetings"]}
    rows = list(MeetingRow.objects.filter(meetup=meetup).only("pk", "buyer_id", "structure_id", "starts_at", "table"))
    keep = {
        (r.buyer_id, r.structure_id)
        for r in rows
        if wanted.get((r.buyer_id, r.structure_id)) == (r.starts_at, r.table)
    }
    MeetingRow.objects.filter(pk__in=[r.pk for r in rows if (r.buyer_id, r.structure_id) not in keep]).delete()
    published = meetup.schedule_published_at is not None
    MeetingRow.objects.bulk_create(
        [
            MeetingRow(
                meetup=meetup,
                buyer_id=buyer,
                structure_id=structure,
                request_id=built.request_of.get((buyer, structure)),
                starts_at=start,
                ends_at=start + built.step,
                table=table,
                pinned=published,
            )
            for (buyer, structure), (start, table) in sorted(wanted.items())
            if (buyer, structure) not in keep
        ]
    )
    meetup.schedule_built_at = timezone.now()
    meetup.save(update_fields=["schedule_built_at", "updated_at"])
    if published:
        services.agendas_notify(meetup=meetup)
    return len(wanted)


def schedule_build(*, meetup, by, allow_move: bool = False, time_limit: float | None = None):
    """Compute and apply at once (the demo, the tests, the admin action on a schedule not yet published): returns
    services.ScheduleResult, with the certificate."""
    from meetups import perms, services
    from meetups.models import MeetupStatus

    if not perms.can_organise(by):
        raise services.NotAllowed()
    if meetup.status == MeetupStatus.CANCELLED:
        raise services.MeetupError(_("Cette rencontre est annulée : pas de planning."), code="cancelled")
    proposal = compute(meetup, allow_move=allow_move, time_limit=time_limit)
    try:
        placed = apply(meetup=meetup, proposal=proposal, by=by)
    except StaleProposal as error:
        raise services.MeetupError(str(error), code="stale") from error
    result = services.ScheduleResult(
        placed=placed,
        slots=len(services.meetup_slots(meetup)),
        tables=meetup.tables or meetup.buyers.count(),
        unplaced=[
            services.Unplaced(request_id=u["request"], structure=u["structure"], buyer=u["buyer"], reason=u["reason"])
            for u in proposal["unplaced"]
        ],
        certificate=proposal["certificate"],
    )
    return result


def describe_instance(instance: Instance) -> str:
    """The instance in words, for the staff page (Instance.describe is the solver's own, for the bench)."""
    buyers = len(instance.buyers)
    structures = len({r.structure for r in instance.requests} | {m.structure for m in instance.pinned})
    return gettext(
        "%(participants)d participants (%(buyers)d acheteurs, %(structures)d structures), %(requests)d demandes, "
        "%(slots)d créneaux (dont %(breaks)d en pause), tables : %(tables)s, %(away)d indisponibilités, "
        "%(pinned)d rendez-vous fixés"
    ) % {
        "participants": buyers + structures,
        "buyers": buyers,
        "structures": structures,
        "requests": len(instance.requests),
        "slots": instance.slots,
        "breaks": len(instance.breaks),
        "tables": gettext("une par acheteur") if instance.tables is None else instance.tables,
        "away": len(instance.unavailable),
        "pinned": len(instance.pinned),
    }


def certificate_sentence(certificate: dict) -> str:
    """ "312 rendez-vous placés sur 312 possibles — optimal", or how far from the bound it stopped."""
    placed, bound = certificate["placed"], certificate["bound"]
    if placed >= bound:
        return gettext("%(placed)d rendez-vous placés sur %(bound)d possibles — optimal") % {
            "placed": placed,
            "bound": bound,
        }
    if certificate["placed_optimal"]:
        return gettext(
            "%(placed)d rendez-vous placés ; la borne du flot en permet %(bound)d, mais le solveur a prouvé que les "
            "indisponibilités et les rendez-vous confirmés n'en laissent pas plus — optimal"
        ) % {"placed": placed, "bound": bound}
    return gettext(
        "%(placed)d rendez-vous placés sur %(bound)d possibles au plus : écart de %(gap)d, non prouvé optimal dans "
        "le temps imparti"
    ) % {"placed": placed, "bound": bound, "gap": bound - placed}


LEVEL_LABELS = {
    "placed": _("rendez-vous placés"),
    "unserved": _("participants demandeurs sans aucun rendez-vous"),
    "worst_share": _("part des souhaits servie au moins servi (en %)"),
    "gap": _("écart entre le mieux et le moins bien servi (en points de %)"),
    "weight": _("poids des demandes (priorités, intérêt mutuel)"),
    "idle_slots": _("créneaux d'attente entre le premier et le dernier rendez-vous"),
}
