"""Helpers shared by the public-side tender tests (list, tender page, interest, groupement, Q&A, feeds, panel)."""

import datetime

from django.utils import timezone

from structures.models import Topic
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import LotFactory, TenderFactory


def topic(slug: str) -> Topic:
    return Topic.objects.get(slug=slug)


def member_of(structure=None, **structure_kwargs):
    """A user who belongs to `structure` (a new one by default); returns (user, structure)."""
    structure = structure or StructureFactory(**structure_kwargs)
    membership = MembershipFactory(structure=structure)
    return membership.user, structure


def open_tender(*, days: float = 30, lots=(), **kwargs):
    """A published tender whose bid deadline is `days` from now; `lots` is a list of LotFactory kwargs."""
    tender = TenderFactory(published=True, bid_deadline=timezone.now() + datetime.timedelta(days=days), **kwargs)
    for number, lot in enumerate(lots, start=1):
        LotFactory(tender=tender, number=number, **lot)
    return tender
