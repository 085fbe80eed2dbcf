"""A scheduler run in the background: its state lives in the cache (Redis in production), keyed by meet-up.

    queue(meetup=..., allow_move=False, by=user)   # on commit: meetups.tasks.schedule_compute.delay(...)
    get(meetup_id) -> {"state": "queued"|"running"|"done"|"failed", "progress": 0..1, "step": ..., "proposal": ...}

The staff schedule page reads it (refreshing itself while the run lasts), shows the proposal and its difference
from the schedule in place, and applies it on request (meetups.scheduling.db.apply).
"""

from __future__ import annotations

import datetime
import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

TIMEOUT = 24 * 3600
STALE_AFTER = datetime.timedelta(minutes=10)  # a run that long has died (the task's hard limit is 5 minutes)


def _key(meetup_id: int) -> str:
    return f"meetups:schedule:{meetup_id}"


def get(meetup_id: int) -> dict | None:
    return cache.get(_key(meetup_id))


def _set(meetup_id: int, **data) -> None:
    cache.set(_key(meetup_id), data, TIMEOUT)


def running(job: dict | None) -> bool:
    if not job or job.get("state") not in ("queued", "running"):
        return False
    return timezone.now() - datetime.datetime.fromisoformat(job["since"]) < STALE_AFTER


def queue(*, meetup, allow_move: bool, by) -> bool:
    """Queue a run (on commit); False when one is already under way."""
    from meetups import tasks

    if running(get(meetup.pk)):
        return False
    _set(
        meetup.pk, state="queued", progress=0.0, step="queued", allow_move=allow_move, since=timezone.now().isoformat()
    )
    meetup_id = meetup.pk

    def send() -> None:
        try:
            tasks.schedule_compute.delay(meetup_id, allow_move)
        except Exception as error:  # the broker is down: say so on the page rather than wait forever
            if tasks.schedule_compute.app.conf.task_always_eager:
                raise
            logger.warning("Meet-up %s: could not queue the scheduler: %r", meetup_id, error)
            _set(
                meetup_id,
                state="failed",
                progress=0.0,
                step="failed",
                allow_move=allow_move,
                since=timezone.now().isoformat(),
                error=gettext("Le calcul n'a pas pu être lancé (file de tâches indisponible) : réessayez."),
            )

    transaction.on_commit(send)
    return True


def run(meetup_id: int, allow_move: bool) -> None:
    """The task's body: compute, storing progress, then the proposal (or the error)."""
    from meetups.models import Meetup
    from meetups.scheduling import db

    since = timezone.now().isoformat()
    meetup = Meetup.objects.get(pk=meetup_id)

    def progress(step: str, fraction: float) -> None:
        _set(meetup_id, state="running", progress=round(fraction, 2), step=step, allow_move=allow_move, since=since)

    progress("start", 0.0)
    try:
        proposal = db.compute(meetup, allow_move=allow_move, progress=progress)
    except Exception as error:
        _set(
            meetup_id,
            state="failed",
            progress=1.0,
            step="failed",
            allow_move=allow_move,
            since=since,
            error=gettext("Le calcul a échoué : %(error)s") % {"error": error},
        )
        raise
    _set(meetup_id, state="done", progress=1.0, step="done", allow_move=allow_move, since=since, proposal=proposal)


def clear(meetup_id: int) -> None:
    cache.delete(_key(meetup_id))
