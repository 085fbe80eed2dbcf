import pytest
from django.utils import timezone

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
    TenderAmendment,
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
    now = timezone.now()
    first = demo._plan_tender(2, 3, now)
    second = demo._plan_tender(2, 3, now)
    first.pop("rng"), second.pop("rng")
    assert first == second


def test_dates_read_true_against_each_other_and_today(seeded):
    """Issue 12 item 6: every award after its tender's publication and bid deadline, never in the future; tenders'
    dates agree with their status; nothing (questions, answers, status changes) happens after "now"."""
    now = timezone.now()
    today = timezone.localdate()
    problems = []
    tenders = Tender.objects.prefetch_related("awards", "questions", "interests", "documents")
    for tender in tenders:
        ref = tender.reference
        local_deadline = timezone.localdate(tender.bid_deadline)
        if tender.status in (TenderStatus.PUBLISHED, TenderStatus.DRAFT):
            if tender.bid_deadline <= now:
                problems.append(f"{ref} ({tender.status}): date limite passée")
        elif tender.status in (TenderStatus.CLOSED, TenderStatus.AWARDED, TenderStatus.UNSUCCESSFUL):
            if tender.bid_deadline >= now:
                problems.append(f"{ref} ({tender.status}): date limite à venir")
        if tender.status == TenderStatus.DRAFT:
            if tender.published_at is not None:
                problems.append(f"{ref}: brouillon publié")
        else:
            if not tender.created_at <= tender.published_at <= now:
                problems.append(f"{ref}: créé le {tender.created_at}, publié le {tender.published_at}")
            if tender.published_at >= tender.bid_deadline:
                problems.append(f"{ref}: publié après la date limite")
            if tender.questions_deadline and not tender.published_at < tender.questions_deadline:
                problems.append(f"{ref}: questions closes avant la publication")
        if tender.status_changed_at and not (tender.published_at or tender.created_at) <= tender.status_changed_at:
            problems.append(f"{ref}: statut changé avant la publication")
        if tender.status_changed_at and tender.status_changed_at > now:
            problems.append(f"{ref}: statut changé dans le futur")
        awards = list(tender.awards.all())
        if tender.status == TenderStatus.AWARDED and not awards:
            problems.append(f"{ref}: attribué sans attribution")
        for award in awards:
            if not local_deadline < award.awarded_on <= today:
                problems.append(f"{ref}: attribué le {award.awarded_on}, date limite {local_deadline}")
            if award.awarded_on <= timezone.localdate(tender.published_at):
                problems.append(f"{ref}: attribué avant sa publication")
            if timezone.localdate(tender.status_changed_at) < award.awarded_on:
                problems.append(f"{ref}: statut « attribué » le {tender.status_changed_at}, avant {award.awarded_on}")
            if timezone.localdate(award.created_at) < award.awarded_on:
                problems.append(f"{ref}: attribution enregistrée avant sa date")
        for question in tender.questions.all():
            if not tender.published_at <= question.created_at <= now:
                problems.append(f"{ref}: question posée le {question.created_at}")
            if question.answered_at and not question.created_at <= question.answered_at <= now:
                problems.append(f"{ref}: réponse datée du {question.answered_at}")
        for document in tender.documents.all():
            if not tender.created_at <= document.uploaded_at <= now:
                problems.append(f"{ref}: document ajouté le {document.uploaded_at}")
        for interest in tender.interests.all():
            if not tender.published_at <= interest.created_at <= min(now, tender.bid_deadline):
                problems.append(f"{ref}: intérêt exprimé le {interest.created_at}")
    for amendment in TenderAmendment.objects.select_related("tender"):
        if not amendment.tender.published_at <= amendment.created_at <= now:
            problems.append(f"{amendment.tender.reference}: rectificatif daté du {amendment.created_at}")
    assert Award.objects.filter(awarded_on__gt=today).count() == 0
    assert problems == []
