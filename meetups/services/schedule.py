"""The schedule: the meet-up's slots, and building it with the optimising scheduler (meetups/scheduling)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from meetups.models import (
    Meetup,
)


@dataclass(frozen=True)
class Unplaced:
    request_id: int
    structure: str
    buyer: str
    reason: str


@dataclass
class ScheduleResult:
    placed: int = 0
    slots: int = 0
    tables: int = 0
    unplaced: list[Unplaced] = field(default_factory=list)
    certificate: dict = field(default_factory=dict)  # the solver's certificate (meetups.scheduling), when it ran


def meetup_slots(meetup: Meetup) -> list[datetime.datetime]:
    """The start of each meeting slot, from the meet-up's start, every `meeting_minutes`, ending by its end."""
    step = datetime.timedelta(minutes=meetup.meeting_minutes)
    slots, start = [], meetup.starts_at
    while start + step <= meetup.ends_at:
        slots.append(start)
        start += step
    return slots


def schedule_build(*, meetup: Meetup, by, allow_move: bool = False) -> ScheduleResult:
    """Build the schedule now with the optimising scheduler (meetups/scheduling): accepted requests, tables,
    breaks and unavailability; confirmed (pinned) meetings stay unless `allow_move`. Staff normally run it as a
    Celery task from the schedule page, which shows the difference before applying it; this applies at once.
    Not atomic itself: the solver may run for MEETUPS_SCHEDULE_SECONDS, and applying its result is atomic."""
    from meetups.scheduling.db import schedule_build as optimise_and_apply

    return optimise_and_apply(meetup=meetup, by=by, allow_move=allow_move)
