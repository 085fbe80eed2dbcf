import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from structures.models import Area, Category, Topic
from tenders.models import Award, Tender, TenderStatus
from tenders.services.lifecycle import (
    TRANSITIONS,
    TenderTransitionError,
    possible_transitions,
    tender_award,
    tender_cancel,
    tender_close,
    tender_mark_unsuccessful,
    tender_publish,
)
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, LotFactory, TenderFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

ALL_STATUSES = [s.value for s in TenderStatus]


def make_tender(status=TenderStatus.DRAFT, **kwargs):
    kwargs.setdefault("topics", [Topic.objects.order_by("position").first()])
    kwargs.setdefault("places", [Area.objects.get(code="75")])
    if status != TenderStatus.DRAFT:
        kwargs.setdefault("published_at", timezone.now() - datetime.timedelta(days=3))
    return TenderFactory(status=status, **kwargs)


def award_data(**overrides):
    return [{"winner_name": "Coopérative du Nord", "winner_category": Category.ESS, "amount": 120_000, **overrides}]


def run(transition, tender, by):
    if transition == "publish":
        return tender_publish(tender=tender, by=by)
    if transition == "close":
        return tender_close(tender=tender, by=by)
    if transition == "award":
        return tender_award(tender=tender, by=by, awards=award_data())
    if transition == "cancel":
        return tender_cancel(tender=tender, by=by, reason="Le besoin a disparu.")
    if transition == "mark_unsuccessful":
        return tender_mark_unsuccessful(tender=tender, by=by)
    raise AssertionError(transition)


TARGET = {
    "publish": TenderStatus.PUBLISHED,
    "close": TenderStatus.CLOSED,
    "award": TenderStatus.AWARDED,
    "cancel": TenderStatus.CANCELLED,
    "mark_unsuccessful": TenderStatus.UNSUCCESSFUL,
}


@pytest.mark.parametrize("status", ALL_STATUSES)
@pytest.mark.parametrize("transition", list(TRANSITIONS))
def test_every_state_times_every_transition(status, transition, django_capture_on_commit_callbacks):
    buyer = BuyerMembershipFactory().user
    tender = make_tender(status=status)
    allowed = status in TRANSITIONS[transition]
    if allowed:
        with django_capture_on_commit_callbacks(execute=False):
            run(transition, tender, buyer)
        tender.refresh_from_db()
        assert tender.status == TARGET[transition]
        assert tender.status_changed_at is not None
    else:
        with pytest.raises(TenderTransitionError) as error:
            run(transition, tender, buyer)
        message = str(error.value)
        assert message.startswith("Impossible de")
        assert str(TenderStatus(status).label) in message
        # The message says what is possible from here (or that nothing is).
        possible = possible_transitions(status)
        assert ("vous pouvez" in message) == bool(possible)
        assert ("état final" in message) == (not possible)
        tender.refresh_from_db()
        assert tender.status == status


def test_refusal_message_lists_the_possible_actions():
    tender = make_tender(status=TenderStatus.CLOSED)
    with pytest.raises(TenderTransitionError) as error:
        tender_publish(tender=tender, by=None)
    assert str(error.value) == (
        f"Impossible de publier l'appel d'offres « {tender.title} » : son statut est « Clos ». "
        "Depuis cet état, vous pouvez : l'attribuer, l'annuler, le déclarer infructueux."
    )


def test_publish_sets_date_and_queues_matching_on_commit(django_capture_on_commit_callbacks):
    tender = make_tender()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        tender_publish(tender=tender, by=None)
    assert tender.status == TenderStatus.PUBLISHED  # the caller's instance is updated too
    tender.refresh_from_db()
    assert tender.published_at is not None
    assert abs(tender.published_at - timezone.now()) < datetime.timedelta(seconds=10)
    assert len(callbacks) == 1
    # The callback queues matching.tasks.tender_published with the tender's id (JSON-able, not the instance).
    assert callbacks[0].func.__self__.name == "matching.tasks.tender_published"
    assert callbacks[0].args == (tender.pk,)


def test_publish_runs_the_matching_task_once_committed(django_capture_on_commit_callbacks):
    tender = make_tender()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        tender_publish(tender=tender, by=None)
    assert len(callbacks) == 1


def test_a_refused_publish_queues_nothing(django_capture_on_commit_callbacks):
    tender = make_tender(topics=[], bid_deadline=timezone.now() + datetime.timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=False) as callbacks, pytest.raises(TenderTransitionError):
        tender_publish(tender=tender, by=None)
    assert callbacks == []


@pytest.mark.parametrize(
    ("kwargs", "problem"),
    [
        ({"topics": []}, "Choisissez au moins une thématique."),
        ({"places": []}, "Indiquez au moins un lieu d'exécution."),
        (
            {"bid_deadline": timezone.now() - datetime.timedelta(minutes=1)},
            "La date limite de remise des offres doit être dans le futur.",
        ),
    ],
)
def test_publish_requirements(kwargs, problem):
    tender = make_tender(**kwargs)
    with pytest.raises(TenderTransitionError) as error:
        tender_publish(tender=tender, by=None)
    assert problem in str(error.value)
    assert error.value.problems == [problem]
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT
    assert tender.published_at is None


def test_publish_lists_every_problem_at_once():
    tender = make_tender(topics=[], places=[])
    with pytest.raises(TenderTransitionError) as error:
        tender_publish(tender=tender, by=None)
    assert len(error.value.problems) == 2


def test_questions_deadline_after_bids_is_impossible_in_the_database():
    deadline = timezone.now() + datetime.timedelta(days=10)
    tender = make_tender(bid_deadline=deadline)
    tender.questions_deadline = deadline + datetime.timedelta(days=1)
    with pytest.raises(ValidationError):
        tender.full_clean()


def test_publish_reads_the_row_not_the_stale_instance():
    tender = make_tender()
    stale = Tender.objects.get(pk=tender.pk)
    tender_publish(tender=tender, by=None)
    with pytest.raises(TenderTransitionError):
        tender_publish(tender=stale, by=None)


def test_cancel_needs_a_reason_and_keeps_it():
    tender = make_tender(status=TenderStatus.PUBLISHED)
    with pytest.raises(TenderTransitionError) as error:
        tender_cancel(tender=tender, by=None, reason="   ")
    assert "motif" in str(error.value)
    tender_cancel(tender=tender, by=None, reason=" Budget supprimé. ")
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CANCELLED
    assert tender.cancellation_reason == "Budget supprimé."


def test_award_creates_awards_per_lot_with_category_from_the_winner():
    tender = make_tender(status=TenderStatus.CLOSED)
    lot1 = LotFactory(tender=tender, number=1)
    lot2 = LotFactory(tender=tender, number=2)
    siae = StructureFactory(siae=True)
    partner = StructureFactory()
    awards = tender_award(
        tender=tender,
        by=None,
        awards=[
            {
                "lot": lot1,
                "winner": siae,
                "amount": "80000",
                "ess_share_amount": "80000",
                "total_hours_planned": 2000,
                "insertion_hours_planned": 400,
                "co_contractors": [partner],
            },
            {"lot": lot2, "winner_name": "Grande Entreprise SA", "winner_category": "large", "amount": 50000},
        ],
    )
    tender.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED
    assert Award.objects.filter(tender=tender).count() == 2
    assert awards[0].winner_category == Category.SIAE
    assert awards[0].amount == Decimal("80000")
    assert list(awards[0].co_contractors.all()) == [partner]
    assert awards[0].awarded_on == timezone.localdate()


def test_award_refuses_a_lot_of_another_tender_and_rolls_back():
    tender = make_tender(status=TenderStatus.CLOSED)
    other_lot = LotFactory()
    with pytest.raises(ValidationError):
        tender_award(tender=tender, by=None, awards=award_data(lot=other_lot))
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CLOSED
    assert not Award.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"winner_name": ""},  # nobody won
        {"ess_share_amount": 200_000},  # share above the amount
        {"total_hours_planned": 10, "insertion_hours_planned": 20},
    ],
)
def test_award_validates_each_award(overrides):
    tender = make_tender(status=TenderStatus.CLOSED)
    with pytest.raises(ValidationError):
        tender_award(tender=tender, by=None, awards=award_data(**overrides))
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CLOSED


def test_award_needs_at_least_one_award():
    tender = make_tender(status=TenderStatus.CLOSED)
    with pytest.raises(TenderTransitionError):
        tender_award(tender=tender, by=None, awards=[])
