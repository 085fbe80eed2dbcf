"""Helpers shared by the public-side tender tests (list, tender page, interest, groupement, Q&A, feeds, panel)."""

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
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


PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def pdf(name: str = "document.pdf") -> SimpleUploadedFile:
    """A small real PDF, as the buyers' upload form would receive it."""
    return SimpleUploadedFile(name, PDF_BYTES)
