"""Demo buyers and tenders for `manage.py seed_demo` (runs after accounts.demo and structures.demo).

Eight buyer organisations named after the real kinds of buyers of the Games (no logo, no brand), each with a buyer
user (password: accounts.demo.DEMO_PASSWORD); the demo login acheteur@demo.ess2024.fr buys for SOLIDEO. Ten tenders
each (80 in all) spread over the 18 topics and every status: open ones with deadlines ahead, drafts, closed ones,
and past ones (2022–2024) that were awarded, cancelled or declared unsuccessful. Some lots are reserved (each kind),
some carry social-clause hours; every tender has one or two small PDF documents; structures of the directory have
said whether they are interested, asked questions (some answered); awarded tenders have awards for the charter.

Dates read true (issue 12, item 6; tests/tenders/test_demo.py checks them): each tender was written before it was
published, answers and questions come between its publication and its deadlines and never after "now", awards are
dated 15 to 45 days after the bid deadline and never after today, and the status changed on the award date.

Deterministic (each tender draws from its own `random.Random` seeded by its reference) and idempotent: natural keys
are the buyer slug and (buyer, reference); a tender that exists already is left as it is (the auto-close task may
have closed it since), so a second run creates nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from structures.models import Area, Structure, Topic
from tenders.models import Tender

from .awards import _awards
from .buyer_side import DEMO_ACCESS_REQUEST_EMAIL, _demo_amendment, _demo_buyer_side
from .buyers import _buyer_user, _organisations, _siret
from .pdf import demo_pdf
from .plans import _dates, _description, _plan_tender
from .reference import (
    BUYERS,
    DEMO_BUYER,
    PER_BUYER,
    QUESTIONS,
    REASON_DETAILS,
    RESERVED_KINDS,
    SITES,
    STATUS_PLAN,
    TOPIC_TENDERS,
)
from .tenders import _create_tender, _spread, _structures_sample

__all__ = [
    "BUYERS",
    "DEMO_ACCESS_REQUEST_EMAIL",
    "DEMO_BUYER",
    "PER_BUYER",
    "QUESTIONS",
    "REASON_DETAILS",
    "RESERVED_KINDS",
    "SITES",
    "STATUS_PLAN",
    "TOPIC_TENDERS",
    "_awards",
    "_buyer_user",
    "_create_tender",
    "_dates",
    "_demo_amendment",
    "_demo_buyer_side",
    "_description",
    "_organisations",
    "_plan_tender",
    "_siret",
    "_spread",
    "_structures_sample",
    "demo_pdf",
    "seed",
]


@transaction.atomic
def seed(*, stdout=None) -> str:
    """Demo data for this app (`manage.py seed_demo`). Idempotent."""
    now = timezone.now()
    topics = list(Topic.objects.order_by("position", "pk"))
    if len(topics) < len(TOPIC_TENDERS):
        return "thématiques absentes : rien à faire"
    areas = {area.code: area for area in Area.objects.all()}
    structure_ids = list(Structure.objects.listed().order_by("pk").values_list("pk", flat=True))
    created = 0
    for organisation_index, (organisation, buyer_user, _spec) in enumerate(_organisations()):
        existing = set(Tender.objects.filter(buyer=organisation).values_list("reference", flat=True))
        for position in range(PER_BUYER):
            plan = _plan_tender(organisation_index, position, now)
            if plan["reference"] in existing:
                continue
            _create_tender(plan, organisation, buyer_user, topics, areas, structure_ids, now)
            created += 1
    _demo_amendment(now)
    _demo_buyer_side(now, structure_ids)
    return f"{len(BUYERS)} acheteurs, {created} appels d'offres créés"
