import pytest

from accounts import demo as accounts_demo
from structures import demo as structures_demo
from structures.models import ReservedMarket, Topic
from tenders import demo
from tenders.models import (
    Award,
    BuyerMembership,
    BuyerOrganisation,
    Interest,
    Lot,
    Question,
    Tender,
    TenderDocument,
    TenderStatus,
)
from tenders.services.documents import validate_document
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


def counts():
    return [
        model.objects.count()
        for model in (BuyerOrganisation, BuyerMembership, Tender, Lot, TenderDocument, Interest, Question, Award)
    ]


@pytest.fixture
def seeded():
    accounts_demo.seed()
    structures_demo.seed()
    summary = demo.seed()
    return summary


def test_seed_creates_buyers_and_tenders_in_every_state(seeded):
    assert seeded == "8 acheteurs, 80 appels d'offres créés"
    assert BuyerOrganisation.objects.count() == 8
    assert BuyerMembership.objects.count() == 8
    assert Tender.objects.count() == 80
    assert set(Tender.objects.values_list("status", flat=True)) == set(TenderStatus.values)
    # Every tender belongs to its buyer's reference series, titles are unique.
    assert Tender.objects.values("title").distinct().count() == 80
    # Over the 18 topics.
    assert Topic.objects.filter(tenders__isnull=False).distinct().count() == 18
    # Each reserved kind, and social-clause hours.
    reserved = set(Lot.objects.values_list("reserved", flat=True))
    assert {ReservedMarket.L2113_12, ReservedMarket.L2113_13, ReservedMarket.L2113_15} <= reserved
    assert Lot.objects.filter(insertion_hours__gt=0).exists()
    # Open tenders really are open; drafts are not public.
    assert Tender.objects.open().count() == Tender.objects.filter(status=TenderStatus.PUBLISHED).count() == 40
    assert not Tender.objects.published().filter(status=TenderStatus.DRAFT).exists()


def test_the_demo_buyer_login_buys_for_an_organisation(seeded):
    membership = BuyerMembership.objects.select_related("user").get(user__email=demo.DEMO_BUYER)
    assert membership.organisation.slug == "solideo"
    assert membership.user.is_staff and membership.user.groups.filter(name="Acheteurs").exists()
    assert membership.user.check_password(accounts_demo.DEMO_PASSWORD)
    assert Tender.objects.filter(buyer=membership.organisation).count() == 10


def test_documents_are_real_small_pdfs(seeded):
    documents = TenderDocument.objects.all()
    assert documents.count() >= 80
    for document in documents[:10]:
        with document.file.open("rb") as handle:
            assert validate_document(handle).extension == "pdf"
        assert document.size < 5000
        assert document.original_name.endswith(".pdf")


def test_structures_answered_asked_and_won(seeded):
    assert Interest.objects.filter(answer=Interest.Answer.INTERESTED).exists()
    assert Interest.objects.filter(answer=Interest.Answer.NOT_INTERESTED).exclude(reason="").exists()
    assert Question.objects.exclude(answered_at=None).exists()
    assert Question.objects.filter(answered_at=None).exists()
    assert not Question.objects.filter(tender__status=TenderStatus.DRAFT).exists()
    awarded = Tender.objects.filter(status=TenderStatus.AWARDED)
    assert all(tender.awards.exists() for tender in awarded)
    assert Award.objects.filter(winner__isnull=False).exists()
    assert Award.objects.filter(insertion_hours_planned__gt=0).exists()


def test_seed_is_idempotent_and_deterministic(seeded):
    before = counts()
    titles = list(Tender.objects.order_by("reference").values_list("reference", "title", "status"))
    assert demo.seed() == "8 acheteurs, 0 appels d'offres créés"
    assert counts() == before
    assert list(Tender.objects.order_by("reference").values_list("reference", "title", "status")) == titles


def test_plans_do_not_depend_on_the_run():
    from django.utils import timezone

    now = timezone.now()
    first = demo._plan_tender(2, 3, now)
    second = demo._plan_tender(2, 3, now)
    first.pop("rng"), second.pop("rng")
    assert first == second
