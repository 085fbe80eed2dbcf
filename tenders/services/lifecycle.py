"""A tender's life: draft → published → closed → awarded / unsuccessful; cancelled from any open state.

One service per transition. Each locks the tender row (`SELECT … FOR UPDATE`), checks the current state and
raises `TenderTransitionError` (a French message saying what is possible from here) when the transition is not
allowed. Callers (admin actions, the auto-close task) show the message as is.

Cancelling a published tender, or declaring it unsuccessful, emails the people concerned with the reason
(`tenders.services.amendments.tender_status_notify`: the same people as an amendment, once each).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from structures.categories import classify_structure
from tenders.models import Award, Lot, Tender, TenderStatus
from tenders.services.amendments import tender_status_notify

# What each transition needs as the current state.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "publish": (TenderStatus.DRAFT,),
    "close": (TenderStatus.PUBLISHED,),
    "award": (TenderStatus.CLOSED,),
    "cancel": (TenderStatus.DRAFT, TenderStatus.PUBLISHED, TenderStatus.CLOSED),
    "mark_unsuccessful": (TenderStatus.CLOSED,),
}

# How each transition is said in French ("Vous pouvez : le publier, l'annuler").
TRANSITION_VERBS = {
    "publish": gettext_lazy("le publier"),
    "close": gettext_lazy("le clore"),
    "award": gettext_lazy("l'attribuer"),
    "cancel": gettext_lazy("l'annuler"),
    "mark_unsuccessful": gettext_lazy("le déclarer infructueux"),
}
TRANSITION_NOUNS = {
    "publish": gettext_lazy("publier"),
    "close": gettext_lazy("clore"),
    "award": gettext_lazy("attribuer"),
    "cancel": gettext_lazy("annuler"),
    "mark_unsuccessful": gettext_lazy("déclarer infructueux"),
}


class TenderTransitionError(Exception):
    """A transition that the tender's state or data does not allow. `str(error)` is a French sentence."""

    def __init__(self, message, *, problems: Iterable[str] = ()):
        self.problems = [str(p) for p in problems]
        super().__init__(str(message))

    @property
    def message(self) -> str:
        return self.args[0]


def new_tender_slug(title: str, reference: str = "") -> str:
    """A free slug for a new tender, from its title (`-2`, `-3`… when taken). Slugs never change afterwards."""
    base = slugify(title)[:200].strip("-") or slugify(reference)[:200].strip("-") or "appel-d-offres"
    slug, number = base, 2
    while Tender.objects.filter(slug=slug).exists():
        slug = f"{base}-{number}"
        number += 1
    return slug


def possible_transitions(status: str) -> list[str]:
    """The transitions allowed from `status`, in a stable order."""
    return [name for name, sources in TRANSITIONS.items() if status in sources]


def _refuse(tender: Tender, transition: str) -> TenderTransitionError:
    label = TenderStatus(tender.status).label
    possible = possible_transitions(tender.status)
    if possible:
        then = _("Depuis cet état, vous pouvez : %(actions)s.") % {
            "actions": ", ".join(str(TRANSITION_VERBS[name]) for name in possible)
        }
    else:
        then = _("C'est un état final : plus aucun changement n'est possible.")
    first = _("Impossible de %(action)s l'appel d'offres « %(title)s » : son statut est « %(status)s ».") % {
        "action": TRANSITION_NOUNS[transition],
        "title": tender.title,
        "status": label,
    }
    return TenderTransitionError(f"{first} {then}")


def _lock(tender: Tender, transition: str) -> Tender:
    """Re-read the tender row under a lock and check the transition is allowed from its current state."""
    locked = Tender.objects.select_for_update(of=("self",)).get(pk=tender.pk)
    if locked.status not in TRANSITIONS[transition]:
        raise _refuse(locked, transition)
    return locked


def _set_status(locked: Tender, original: Tender, status: str, **fields: Any) -> Tender:
    now = timezone.now()
    locked.status = status
    locked.status_changed_at = now
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=["status", "status_changed_at", "updated_at", *fields])
    # The caller's instance reflects the change too (admin actions re-render it).
    for name in ["status", "status_changed_at", "updated_at", *fields]:
        setattr(original, name, getattr(locked, name))
    return locked


def publish_problems(tender: Tender, *, now: datetime.datetime | None = None) -> list[str]:
    """What prevents publishing `tender` (French sentences), empty when it can be published."""
    now = now or timezone.now()
    problems = []
    if not tender.topics.exists():
        problems.append(_("Choisissez au moins une thématique."))
    if not tender.places.exists():
        problems.append(_("Indiquez au moins un lieu d'exécution."))
    if tender.bid_deadline is None or tender.bid_deadline <= now:
        problems.append(_("La date limite de remise des offres doit être dans le futur."))
    elif tender.questions_deadline and tender.questions_deadline > tender.bid_deadline:
        problems.append(_("La date limite des questions doit précéder la date limite de remise des offres."))
    return problems


@transaction.atomic
def tender_publish(*, tender: Tender, by) -> Tender:
    """Draft → published. Needs a topic, a place, a future bid deadline, questions due before bids.

    Queues the matching (`matching.tasks.tender_published`) once the transaction commits.
    """
    from matching.tasks import tender_published

    locked = _lock(tender, "publish")
    problems = publish_problems(locked)
    if problems:
        raise TenderTransitionError(
            _("L'appel d'offres « %(title)s » ne peut pas encore être publié : %(problems)s")
            % {"title": locked.title, "problems": " ".join(problems)},
            problems=problems,
        )
    _set_status(locked, tender, TenderStatus.PUBLISHED, published_at=timezone.now())
    # robust: a broker outage must not turn a committed publication into an error page; the matching sweep
    # (beat, every minute) dispatches any published tender whose task never ran.
    transaction.on_commit(partial(tender_published.delay, locked.pk), robust=True)
    return locked


@transaction.atomic
def tender_close(*, tender: Tender, by=None) -> Tender:
    """Published → closed (by the buyer, or by `tenders.tasks.close_expired_tenders` at the deadline)."""
    locked = _lock(tender, "close")
    return _set_status(locked, tender, TenderStatus.CLOSED)


@transaction.atomic
def tender_cancel(*, tender: Tender, by, reason: str) -> Tender:
    """Draft, published or closed → cancelled, with a reason the public sees."""
    reason = (reason or "").strip()
    locked = _lock(tender, "cancel")
    if not reason:
        raise TenderTransitionError(_("Indiquez le motif de l'annulation : il sera affiché sur l'appel d'offres."))
    _set_status(locked, tender, TenderStatus.CANCELLED, cancellation_reason=reason)
    # Once published, the structures that heard of it or answered it are told, with the reason (once each).
    tender_status_notify(tender=locked, reason=reason)
    return locked


@transaction.atomic
def tender_mark_unsuccessful(*, tender: Tender, by, reason: str = "") -> Tender:
    """Closed → unsuccessful (no acceptable bid). The structures concerned are told, with `reason` if given."""
    locked = _lock(tender, "mark_unsuccessful")
    _set_status(locked, tender, TenderStatus.UNSUCCESSFUL)
    tender_status_notify(tender=locked, reason=reason)
    return locked


AWARD_FIELDS = {
    "lot",
    "winner",
    "winner_name",
    "winner_category",
    "amount",
    "ess_share_amount",
    "total_hours_planned",
    "insertion_hours_planned",
    "total_hours_achieved",
    "insertion_hours_achieved",
    "awarded_on",
    "co_contractors",
}


def _check_one_award_per_lot(tender: Tender, awards: list[Mapping[str, Any]]) -> None:
    """One award per lot, or one for a tender without lots (the database enforces it too: issue 12)."""
    if tender.lots.exists():
        if any(data.get("lot") is None for data in awards):
            raise ValidationError({"lot": _("Cet appel d'offres a des lots : indiquez le lot de chaque attribution.")})
        lots = [data["lot"].pk if isinstance(data["lot"], Lot) else data["lot"] for data in awards]
        if len(set(lots)) != len(lots):
            raise ValidationError({"lot": _("Un lot n'a qu'un titulaire : une seule attribution par lot.")})
    elif len(awards) > 1:
        raise ValidationError({"lot": _("Un appel d'offres sans lots n'a qu'un titulaire : une seule attribution.")})


def _freeze_category(data: dict) -> None:
    """The winner's category at award time, with its reason (structures.categories: one rule for the platform)."""
    winner = data.get("winner")
    if winner is not None and not data.get("winner_category"):
        classification = classify_structure(winner)
        data["winner_category"] = classification.category
        data["winner_category_reason"] = classification.reason
    elif winner is not None:
        data["winner_category_reason"] = _("Catégorie indiquée par l'acheteur à l'attribution.")
    else:
        data["winner_category_reason"] = _("Catégorie déclarée par l'acheteur (titulaire absent de la plateforme).")


@transaction.atomic
def tender_award(*, tender: Tender, by, awards: Iterable[Mapping[str, Any]]) -> list[Award]:
    """Closed → awarded, recording who won (one award per lot, or one for a tender without lots).

    Each award is a mapping of Award fields: `winner` (a Structure) or `winner_name`, `winner_category` (defaults
    to the winner structure's category by structures.categories, frozen with its reason), `amount`,
    `ess_share_amount`, hours, optional `lot` (of this tender),
    `awarded_on` (defaults to today), `co_contractors` (structures of the groupement).
    Raises ValidationError (field errors, in French) when an award is incomplete.
    """
    locked = _lock(tender, "award")
    awards = list(awards)
    if not awards:
        raise TenderTransitionError(_("Indiquez au moins un titulaire pour attribuer l'appel d'offres."))
    _check_one_award_per_lot(locked, awards)
    created = []
    for data in awards:
        unknown = set(data) - AWARD_FIELDS
        if unknown:
            raise TypeError(f"Unknown award fields: {sorted(unknown)}")
        data = dict(data)
        co_contractors = data.pop("co_contractors", None) or []
        lot = data.get("lot")
        if lot is not None and (not isinstance(lot, Lot) or lot.tender_id != locked.pk):
            raise ValidationError({"lot": _("Ce lot n'appartient pas à cet appel d'offres.")})
        _freeze_category(data)
        data.setdefault("awarded_on", timezone.localdate())
        for name in ("amount", "ess_share_amount"):
            if data.get(name) is not None:
                data[name] = Decimal(data[name])
        award = Award(tender=locked, **data)
        award.full_clean()
        award.save()
        if co_contractors:
            award.co_contractors.set(co_contractors)
        created.append(award)
    _set_status(locked, tender, TenderStatus.AWARDED)
    return created
