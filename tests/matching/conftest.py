"""Matching fixtures: reference data by name, and small builders for structures with members and for tenders."""

import importlib

import pytest
from django.apps import apps

from structures.models import Area, Topic
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import LotFactory, TenderFactory

CATERING = "restauration-durable"
CLEANING = "nettoyage-et-proprete"
WASTE = "gestion-et-valorisation-des-dechets"
TEXTILE = "textile-et-goodies"


def ensure_reference_data():
    """Topics and areas come from a data migration: a transactional test that ran before may have flushed them."""
    if not (Topic.objects.exists() and Area.objects.exists()):
        importlib.import_module("structures.migrations.0002_reference_data").load(apps, None)


def ensure_buyers_group():
    """The buyers' group and its permissions (tenders data migration 0003), after a flush by a transactional test.

    The permissions themselves are recreated by the flush's post_migrate signal; the group is not.
    """
    from django.contrib.auth.models import Group, Permission

    migration = importlib.import_module("tenders.migrations.0003_buyer_and_staff_groups")
    group, _ = Group.objects.get_or_create(name=migration.BUYERS_GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="tenders", codename__in=migration.BUYER_CODENAMES)
    )


@pytest.fixture
def topic(db):
    ensure_reference_data()
    return lambda slug: Topic.objects.get(slug=slug)


@pytest.fixture
def area(db):
    ensure_reference_data()
    return lambda code: Area.objects.get(code=code)


@pytest.fixture
def make_structure(db):
    """make_structure(topics=[slug], areas=[code], members=1, **fields) -> Structure (members created)."""
    ensure_reference_data()

    def make(*, topics=(CATERING,), areas=("75111",), members=0, **fields):
        structure = StructureFactory(topics=list(topics), areas=list(areas), **fields)
        for _ in range(members):
            MembershipFactory(structure=structure)
        return structure

    return make


@pytest.fixture
def make_tender(db):
    """make_tender(topics=[slug], places=[code], lots=[{...}], **fields) -> a published, open Tender."""
    ensure_reference_data()

    def make(*, topics=(CATERING,), places=("75111",), lots=(), published=True, **fields):
        tender = TenderFactory(topics=list(topics), places=list(places), published=published, **fields)
        for number, lot in enumerate(lots, start=1):
            lot = dict(lot)
            if isinstance(lot.get("topic"), str):
                lot["topic"] = Topic.objects.get(slug=lot["topic"])
            LotFactory(tender=tender, number=number, **lot)
        return tender

    return make
