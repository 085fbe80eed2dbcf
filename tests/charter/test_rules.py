"""Charter rules in the database (issue 12, item 1): the three measured cases first, then each constraint.

Each test reproduces what the charter accepted before: several awards for one lot (1.5 M€ where one per lot gives
500 k€), achieved insertion hours above achieved hours (a 500 % share), an ESUS-accredited company of legal form
"Autre" counted as non-ESS, and a contract without hours silently left out of the hours figure.
"""

import datetime
import html
import importlib
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.html import strip_tags

from charter import selectors
from structures.models import Area, Category, LegalForm, Topic
from tenders.models import Award, TenderStatus
from tenders.services.lifecycle import tender_award
from tests.charter.factories import AwardFactory
from tests.structures.factories import StructureFactory
from tests.tenders.factories import LotFactory, TenderFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

D = Decimal


def text(response) -> str:
    """The page's text with entities decoded and every kind of space as one space."""
    return " ".join(html.unescape(strip_tags(response.content.decode())).replace("\u202f", " ").split())


def closed_tender(**kwargs):
    return TenderFactory(
        status=TenderStatus.CLOSED,
        published_at=timezone.now() - datetime.timedelta(days=40),
        bid_deadline=timezone.now() - datetime.timedelta(days=5),
        topics=[Topic.objects.order_by("position").first()],
        places=[Area.objects.get(code="75")],
        **kwargs,
    )


# --- Measured case 1: one award for the whole tender plus two for the same lot gave 1.5 M€ ------------------------


def test_the_service_refuses_a_whole_tender_award_and_a_second_award_for_one_lot():
    tender = closed_tender()
    lot = LotFactory(tender=tender, number=1)
    awards = [
        {"winner_name": "Titulaire A", "winner_category": Category.ESS, "amount": 500_000},
        {"lot": lot, "winner_name": "Titulaire B", "winner_category": Category.ESS, "amount": 500_000},
        {"lot": lot, "winner_name": "Titulaire C", "winner_category": Category.ESS, "amount": 500_000},
    ]

    with pytest.raises(ValidationError) as error:
        tender_award(tender=tender, by=None, awards=awards)
    assert "indiquez le lot de chaque attribution" in str(error.value)

    with pytest.raises(ValidationError) as error:
        tender_award(tender=tender, by=None, awards=awards[1:])
    assert "Un lot n'a qu'un titulaire" in str(error.value)

    tender_award(tender=tender, by=None, awards=awards[1:2])
    assert selectors.overall().awarded_amount == D("500000")  # not 1 500 000


def test_the_database_refuses_a_second_active_award_for_one_lot():
    first = AwardFactory(amount=D("500000"))
    lot = LotFactory(tender=first.tender, number=1)
    Award.objects.filter(pk=first.pk).update(lot=lot)

    with pytest.raises(IntegrityError, match="award_one_active_per_lot"), transaction.atomic():
        AwardFactory(tender=first.tender, lot=lot, amount=D("500000"))

    # Replaced: the old award stays as history, inactive, and no longer counts.
    Award.objects.filter(pk=first.pk).update(is_active=False)
    AwardFactory(tender=first.tender, lot=lot, amount=D("450000"))
    assert selectors.overall().awarded_amount == D("450000")


def test_the_database_refuses_a_second_active_award_for_a_tender_without_lots():
    first = AwardFactory()
    with pytest.raises(IntegrityError, match="award_one_active_per_tender"), transaction.atomic():
        AwardFactory(tender=first.tender)


def test_full_clean_says_why_in_french():
    first = AwardFactory()
    duplicate = Award(
        tender=first.tender,
        winner_name="Autre",
        winner_category=Category.ESS,
        amount=D("1"),
        awarded_on=first.awarded_on,
    )
    with pytest.raises(ValidationError) as error:
        duplicate.full_clean()
    assert "a déjà une attribution en vigueur" in str(error.value)


# --- Measured case 2: impossible achieved hours showed an insertion share of 500 % ---------------------------------


def test_achieved_insertion_hours_above_achieved_hours_are_refused():
    award = AwardFactory.build(tender=AwardFactory().tender, total_hours_achieved=1000, insertion_hours_achieved=5000)
    award.tender.awards.all().delete()
    with pytest.raises(ValidationError) as error:
        award.full_clean()
    assert "ne peuvent pas dépasser les heures travaillées réalisées" in str(error.value)
    with pytest.raises(IntegrityError, match="award_insertion_le_total_hours_achieved"), transaction.atomic():
        award.save()
    assert not selectors.overall().has_data


def test_achieved_insertion_hours_without_achieved_hours_are_refused():
    with pytest.raises(IntegrityError, match="award_insertion_le_total_hours_achieved"), transaction.atomic():
        AwardFactory(total_hours_achieved=None, insertion_hours_achieved=10)


@pytest.mark.parametrize("amount", [D("0"), D("-10")])
def test_an_active_award_needs_a_positive_amount(amount):
    with pytest.raises(IntegrityError, match="award_amount_positive"), transaction.atomic():
        AwardFactory(amount=amount, ess_share_amount=D("-20"))
    award = AwardFactory.build(tender=TenderFactory(), amount=amount)
    with pytest.raises(ValidationError) as error:
        award.full_clean()
    assert "amount" in error.value.message_dict


def test_a_negative_declared_share_is_refused():
    with pytest.raises(IntegrityError, match="award_share_not_negative"), transaction.atomic():
        AwardFactory(ess_share_amount=D("-1"))


# --- Measured case 3: an ESUS-accredited company of legal form "Autre" counted as non-ESS -------------------------


def test_an_esus_company_of_legal_form_other_counts_as_ess_and_its_category_is_frozen():
    tender = closed_tender()
    company = StructureFactory(legal_form=LegalForm.OTHER, esus_accredited=True)

    [award] = tender_award(tender=tender, by=None, awards=[{"winner": company, "amount": 200_000}])

    assert award.winner_category == Category.ESS
    assert "ESUS" in award.winner_category_reason
    figures = selectors.overall()
    assert figures.counted_amount == D("200000")
    assert figures.value.value == D("100.0")

    # The company loses its accreditation later: history is not rewritten.
    company.esus_accredited = False
    company.save()
    award.refresh_from_db()
    assert award.winner_category == Category.ESS
    assert selectors.overall().counted_amount == D("200000")


def test_a_category_chosen_by_the_buyer_or_for_a_winner_off_the_platform_says_so():
    tender = closed_tender()
    lot1, lot2 = LotFactory(tender=tender, number=1), LotFactory(tender=tender, number=2)
    structure = StructureFactory(legal_form=LegalForm.OTHER, headcount="250+")
    awards = tender_award(
        tender=tender,
        by=None,
        awards=[
            {"lot": lot1, "winner": structure, "winner_category": Category.SME, "amount": 1},
            {"lot": lot2, "winner_name": "Hors plateforme", "winner_category": "large", "amount": 1},
        ],
    )
    assert [a.winner_category_reason for a in awards] == [
        "Catégorie indiquée par l'acheteur à l'attribution.",
        "Catégorie déclarée par l'acheteur (titulaire absent de la plateforme).",
    ]


# --- A contract without hours: "heures non renseignées", never silently dropped -----------------------------------


def test_a_contract_without_hours_is_counted_apart():
    AwardFactory(amount=D("100000"), total_hours_planned=1000, insertion_hours_planned=100)
    AwardFactory(amount=D("40000"), total_hours_planned=0, insertion_hours_planned=0)
    AwardFactory(amount=D("60000"), total_hours_planned=0, insertion_hours_planned=0, achieved=True)

    figures = selectors.overall()

    assert figures.award_count == 3
    assert figures.no_hours_count == 2
    assert figures.no_hours_amount == D("100000")
    assert figures.hours_award_count == 1
    assert figures.hours.value == D("10.0")


def test_the_charter_page_says_how_many_contracts_have_no_hours(client):
    AwardFactory(amount=D("100000"), total_hours_planned=1000, insertion_hours_planned=100)
    AwardFactory(amount=D("40000"), total_hours_planned=0, insertion_hours_planned=0)

    response = client.get("/charte/")

    assert "Non comptée dans cette part : 1 attribution (40 000 €) sans heures renseignées." in text(response)


def test_inactive_awards_do_not_count_anywhere():
    award = AwardFactory(amount=D("100000"))
    AwardFactory(buyer=award.tender.buyer, amount=D("50000"))
    Award.objects.filter(pk=award.pk).update(is_active=False)

    assert selectors.overall().awarded_amount == D("50000")
    [row] = selectors.by_buyer()
    assert row.figures.awarded_amount == D("50000")
    assert row.figures.award_count == 1
    assert sum(q.figures.award_count for q in selectors.by_quarter()) == 1


# --- The data migration: existing bad rows must not make it fail ---------------------------------------------------


def test_the_migration_repairs_existing_rows_before_adding_the_constraints():
    """Drop the new constraints (DDL is transactional: the test's rollback restores them), insert what the old
    schema allowed, run the migration's repair step, then add the constraints back: they hold."""
    from django.apps import apps
    from django.db import connection

    migration = importlib.import_module("tenders.migrations.0009_award_charter_rules")
    names = [c.name for c in Award._meta.constraints if c.name != "award_has_winner"]
    new_constraints = [c for c in Award._meta.constraints if c.name in names]
    with connection.schema_editor() as editor:
        for constraint in new_constraints:
            editor.remove_constraint(Award, constraint)

    tender = AwardFactory().tender
    tender.awards.all().delete()
    lot = LotFactory(tender=tender, number=1)
    old = AwardFactory(tender=tender, lot=lot, awarded_on=datetime.date(2024, 1, 1))
    new = AwardFactory(tender=tender, lot=lot, awarded_on=datetime.date(2024, 2, 1))
    whole_a = AwardFactory(awarded_on=datetime.date(2024, 1, 1))
    whole_b = AwardFactory(tender=whole_a.tender, awarded_on=datetime.date(2024, 3, 1))
    impossible = AwardFactory(total_hours_achieved=1000, insertion_hours_achieved=5000)
    free = AwardFactory(amount=D("0"))

    migration.repair(apps, None)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # deferred foreign-key checks would block ALTER TABLE
    with connection.schema_editor() as editor:
        for constraint in new_constraints:
            editor.add_constraint(Award, constraint)

    active = dict(Award.objects.values_list("pk", "is_active"))
    assert active[new.pk] and not active[old.pk]  # the newest stays active
    assert active[whole_b.pk] and not active[whole_a.pk]
    assert not active[free.pk]
    impossible.refresh_from_db()
    assert (impossible.total_hours_achieved, impossible.insertion_hours_achieved) == (None, None)
