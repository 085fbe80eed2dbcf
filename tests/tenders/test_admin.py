"""The buyers' admin panel, end to end through HTTP: create, document, answer, preview, publish, close, award."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboxEmail
from structures.models import Area, Category, Topic
from tenders.models import Award, Interest, Lot, Question, Tender, TenderDocument, TenderStatus
from tenders.services.documents import document_add
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, LotFactory, TenderFactory
from tests.tenders.helpers import (
    DOCX_BYTES,
    EXE_BYTES,
    PDF_BYTES,
    form_data,
    reference_data,  # noqa: F401  (fixture)
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def buyer():
    return BuyerMembershipFactory(organisation__name="Ville de Paris").user


@pytest.fixture
def logged(client, buyer):
    client.force_login(buyer)
    return client


def topics():
    return list(Topic.objects.order_by("position")[:2])


def ready_tender(buyer, **kwargs):
    kwargs.setdefault("topics", topics())
    kwargs.setdefault("places", [Area.objects.get(code="75")])
    return TenderFactory(buyer=buyer.buyer_membership.organisation, **kwargs)


def change_url(tender):
    return reverse("admin:tenders_tender_change", args=[tender.pk])


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_create_a_tender_with_two_lots_and_a_document(logged, buyer):
    add_url = reverse("admin:tenders_tender_add")
    page = logged.get(add_url)
    assert page.status_code == 200
    data = form_data(page.text, "tender_form")
    first, second = topics()
    data.update(
        {
            "title": "Collecte et valorisation des biodéchets du village des athlètes",
            "reference": "VDP-2024-017",
            "description": "Collecte séparée des biodéchets des restaurants, compostage en Île-de-France.",
            "topics": [str(first.pk), str(second.pk)],
            "places": [str(Area.objects.get(code="93").pk)],
            "cpv_codes": "90500000-2 ; 90510000-5",
            "estimated_value": "250000",
            "questions_deadline_0": "01/03/2031",
            "questions_deadline_1": "12:00:00",
            "bid_deadline_0": "15/03/2031",
            "bid_deadline_1": "12:00:00",
            "lots-TOTAL_FORMS": "2",
            "lots-0-title": "Collecte",
            "lots-0-topic": str(first.pk),
            "lots-0-reserved": "L2113-13",
            "lots-0-insertion_hours": "1200",
            "lots-1-title": "Compostage",
            "lots-1-topic": str(second.pk),
            "documents-2-0-title": "Règlement de la consultation",
            "documents-2-0-upload": upload("../RC version finale.pdf", PDF_BYTES),
        }
    )
    response = logged.post(add_url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    tender = Tender.objects.get(reference="VDP-2024-017")
    assert tender.buyer == buyer.buyer_membership.organisation
    assert tender.status == TenderStatus.DRAFT
    assert tender.slug == "collecte-et-valorisation-des-biodechets-du-village-des-athletes"
    assert tender.cpv_codes == ["90500000-2", "90510000-5"]
    assert timezone.localtime(tender.bid_deadline).hour == 12  # Europe/Paris
    assert [(lot.number, lot.title, lot.reserved) for lot in tender.lots.all()] == [
        (1, "Collecte", "L2113-13"),
        (2, "Compostage", ""),
    ]
    document = tender.documents.get()
    assert document.title == "Règlement de la consultation"
    assert document.original_name == "RC version finale.pdf"
    assert document.file.name.startswith(f"tenders/{tender.pk}/")


def test_a_wrong_document_is_refused_next_to_the_field(logged, buyer):
    tender = ready_tender(buyer)
    data = form_data(logged.get(change_url(tender)).text, "tender_form")
    data["documents-2-0-upload"] = upload("devis.pdf", EXE_BYTES)
    response = logged.post(change_url(tender), data)
    assert response.status_code == 200
    assert "n&#x27;est pas un document accepté" in response.text
    assert not TenderDocument.objects.exists()


def test_a_too_large_document_is_refused(logged, buyer, settings):
    settings.TENDER_DOCUMENT_MAX_BYTES = 100
    tender = ready_tender(buyer)
    data = form_data(logged.get(change_url(tender)).text, "tender_form")
    data["documents-2-0-upload"] = upload("annexe.docx", DOCX_BYTES)
    response = logged.post(change_url(tender), data)
    assert response.status_code == 200
    assert "taille maximale" in response.text
    assert not TenderDocument.objects.exists()


def test_a_duplicate_reference_is_an_error_not_a_crash(logged, buyer):
    ready_tender(buyer, reference="REF-1")
    data = form_data(logged.get(reverse("admin:tenders_tender_add")).text, "tender_form")
    data.update(
        {
            "title": "Doublon",
            "reference": "REF-1",
            "description": "x",
            "bid_deadline_0": "01/12/2030",
            "bid_deadline_1": "10:00:00",
        }
    )
    response = logged.post(reverse("admin:tenders_tender_add"), data)
    assert response.status_code == 200
    assert "a déjà cette référence" in response.text


def test_documents_are_renamed_removed_and_downloaded_with_a_safe_name(
    logged, buyer, django_capture_on_commit_callbacks
):
    tender = ready_tender(buyer)
    document = document_add(tender=tender, file=upload('<b>"CCTP".pdf', PDF_BYTES), title="CCTP")
    response = logged.get(reverse("admin:tenders_tender_document", args=[tender.pk, document.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="bCCTP.pdf"'
    assert b"".join(response.streaming_content) == PDF_BYTES

    data = form_data(logged.get(change_url(tender)).text, "tender_form")
    data["documents-0-DELETE"] = "on"
    with django_capture_on_commit_callbacks(execute=True):
        assert logged.post(change_url(tender), data).status_code == 302
    assert not TenderDocument.objects.exists()
    assert not document.file.storage.exists(document.file.name)


def test_the_buyer_sees_interests_and_answers_a_question(logged, buyer, django_capture_on_commit_callbacks):
    tender = ready_tender(buyer, published=True)
    interested = StructureFactory(name="Coopérative Compost Solidaire")
    declined = StructureFactory(name="Recyclerie du Canal")
    Interest.objects.create(tender=tender, structure=interested, answer=Interest.Answer.INTERESTED)
    Interest.objects.create(
        tender=tender,
        structure=declined,
        answer=Interest.Answer.NOT_INTERESTED,
        reason=Interest.Reason.TOO_BIG,
        reason_detail="Le volume dépasse nos capacités.",
    )
    asker = MembershipFactory(structure=interested).user
    question = Question.objects.create(tender=tender, structure=interested, asked_by=asker, text="Fréquence ?")

    page = logged.get(change_url(tender))
    assert "Coopérative Compost Solidaire" in page.text
    assert "Recyclerie du Canal" in page.text
    assert "Marché trop important pour nous" in page.text
    assert "Le volume dépasse nos capacités." in page.text
    assert "Fréquence ?" in page.text

    data = form_data(page.text, "tender_form")
    data["questions-0-answer"] = "Deux passages par semaine."
    with django_capture_on_commit_callbacks(execute=True):
        response = logged.post(change_url(tender), data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "Deux passages par semaine."
    assert question.answered_by == buyer and question.answered_at is not None
    assert OutboxEmail.objects.filter(to=asker.email, kind="tender_question_answered").count() == 1


def test_answering_from_the_questions_list(logged, buyer):
    tender = ready_tender(buyer, published=True)
    question = Question.objects.create(tender=tender, structure=StructureFactory(), text="Visite de site ?")
    listing = logged.get(reverse("admin:tenders_question_changelist"), {"repondu": "non"})
    assert "Visite de site ?" in listing.text
    response = logged.post(reverse("admin:tenders_question_change", args=[question.pk]), {"answer": "Oui, le 3 mai."})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.answer == "Oui, le 3 mai."


def test_a_published_answer_cannot_be_erased(logged, buyer):
    tender = ready_tender(buyer, published=True)
    question = Question.objects.create(
        tender=tender, structure=StructureFactory(), text="?", answer="Oui.", answered_at=timezone.now()
    )
    response = logged.post(reverse("admin:tenders_question_change", args=[question.pk]), {"answer": ""})
    assert response.status_code == 200
    assert "ne peut pas être effacée" in response.text
    question.refresh_from_db()
    assert question.answer == "Oui."


def test_preview_shows_the_public_page_with_a_banner(logged, buyer):
    tender = ready_tender(buyer, title="Nettoyage des tribunes du stade")
    LotFactory(tender=tender, number=1, title="Tribune nord")
    response = logged.get(reverse("admin:tenders_tender_preview", args=[tender.pk]))
    assert response.status_code == 200
    assert "Aperçu — brouillon non publié" in response.text
    assert "Nettoyage des tribunes du stade" in response.text
    assert "Tribune nord" in response.text
    assert 'name="robots" content="noindex' in response.text
    assert reverse("tenders:detail", kwargs={"slug": tender.slug}) not in response.text
    # The draft itself stays invisible to the public.
    logged.logout()
    assert logged.get(reverse("tenders:detail", kwargs={"slug": tender.slug})).status_code == 404


def test_change_form_offers_the_actions_of_the_current_state(logged, buyer):
    tender = ready_tender(buyer)
    page = logged.get(change_url(tender)).text
    assert reverse("admin:tenders_tender_publish", args=[tender.pk]) in page
    assert reverse("admin:tenders_tender_preview", args=[tender.pk]) in page
    assert reverse("admin:tenders_tender_award", args=[tender.pk]) not in page


def test_publish_from_the_admin(logged, buyer, django_capture_on_commit_callbacks):
    tender = ready_tender(buyer)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = logged.post(reverse("admin:tenders_tender_publish", args=[tender.pk]))
    assert response.status_code == 302 and response["Location"] == change_url(tender)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED
    assert any(
        getattr(c.func, "__self__", None) and c.func.__self__.name == "matching.tasks.tender_published"
        for c in callbacks
    )
    assert messages_of(response) == ["L'appel d'offres est publié : les structures peuvent le voir."]


def test_publish_refused_shows_the_domain_error(logged, buyer):
    tender = ready_tender(buyer, topics=[], places=[])
    response = logged.post(reverse("admin:tenders_tender_publish", args=[tender.pk]), follow=True)
    assert response.status_code == 200
    assert response.redirect_chain == [(change_url(tender), 302)]
    assert "ne peut pas encore être publié" in response.text
    assert "Choisissez au moins une thématique." in response.text
    assert "Indiquez au moins un lieu d&#x27;exécution." in response.text
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT


def test_a_refused_transition_shows_what_is_possible(logged, buyer):
    tender = ready_tender(buyer, published=True)
    response = logged.post(reverse("admin:tenders_tender_unsuccessful", args=[tender.pk]), follow=True)
    assert "Impossible de déclarer infructueux" in response.text
    assert "vous pouvez : le clore, l&#x27;annuler" in response.text


def test_close_then_mark_unsuccessful(logged, buyer):
    tender = ready_tender(buyer, published=True)
    logged.post(reverse("admin:tenders_tender_close", args=[tender.pk]))
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CLOSED
    logged.post(reverse("admin:tenders_tender_unsuccessful", args=[tender.pk]))
    tender.refresh_from_db()
    assert tender.status == TenderStatus.UNSUCCESSFUL


def test_cancel_needs_a_reason(logged, buyer):
    tender = ready_tender(buyer, published=True)
    url = reverse("admin:tenders_tender_cancel", args=[tender.pk])
    assert logged.get(url).status_code == 200
    response = logged.post(url, {"reason": ""})
    assert response.status_code == 200
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED
    response = logged.post(url, {"reason": "Le site a changé de calendrier."})
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CANCELLED
    assert tender.cancellation_reason == "Le site a changé de calendrier."


def test_award_with_a_form(logged, buyer):
    tender = ready_tender(buyer, status=TenderStatus.CLOSED, published_at=timezone.now() - datetime.timedelta(days=9))
    lot1 = LotFactory(tender=tender, number=1)
    LotFactory(tender=tender, number=2)
    winner = StructureFactory(siae=True, name="Insertion Plus")
    Interest.objects.create(tender=tender, structure=winner, answer=Interest.Answer.INTERESTED)
    url = reverse("admin:tenders_tender_award", args=[tender.pk])
    page = logged.get(url)
    assert "Insertion Plus" in page.text
    data = {
        "award-TOTAL_FORMS": "2",
        "award-INITIAL_FORMS": "2",
        "award-0-lot": str(lot1.pk),
        "award-0-winner": str(winner.pk),
        "award-0-amount": "90000",
        "award-0-ess_share_amount": "90000",
        "award-0-total_hours_planned": "3000",
        "award-0-insertion_hours_planned": "600",
        "award-1-lot": "",  # lot 2 not awarded
    }
    response = logged.post(url, data)
    assert response.status_code == 302, response.context["formset"].errors
    tender.refresh_from_db()
    assert tender.status == TenderStatus.AWARDED
    award = Award.objects.get()
    assert award.lot == lot1 and award.winner == winner and award.winner_category == Category.SIAE
    assert award.insertion_hours_planned == 600


def test_award_form_errors_are_shown(logged, buyer):
    tender = ready_tender(buyer, status=TenderStatus.CLOSED, published_at=timezone.now())
    url = reverse("admin:tenders_tender_award", args=[tender.pk])
    response = logged.post(url, {"award-TOTAL_FORMS": "1", "award-INITIAL_FORMS": "1", "award-0-amount": "1000"})
    assert response.status_code == 200
    assert "Indiquez le titulaire" in response.text
    response = logged.post(url, {"award-TOTAL_FORMS": "1", "award-INITIAL_FORMS": "1"})
    assert "Indiquez au moins un titulaire." in response.text
    response = logged.post(
        url,
        {
            "award-TOTAL_FORMS": "1",
            "award-INITIAL_FORMS": "1",
            "award-0-winner_name": "Entreprise",
            "award-0-winner_category": "large",
            "award-0-amount": "1000",
            "award-0-ess_share_amount": "5000",
        },
    )
    assert response.status_code == 200
    tender.refresh_from_db()
    assert tender.status == TenderStatus.CLOSED


def test_a_closed_tender_is_read_only_but_its_actions_remain(logged, buyer):
    tender = ready_tender(buyer, status=TenderStatus.CLOSED, published_at=timezone.now())
    page = logged.get(change_url(tender))
    assert page.status_code == 200
    assert 'name="title"' not in page.text
    assert reverse("admin:tenders_tender_award", args=[tender.pk]) in page.text
    data = {"title": "Changé"}
    assert logged.post(change_url(tender), data).status_code == 403


def test_only_drafts_can_be_deleted(logged, buyer):
    draft = ready_tender(buyer)
    published = ready_tender(buyer, published=True)
    assert logged.post(reverse("admin:tenders_tender_delete", args=[published.pk]), {"post": "yes"}).status_code == 403
    assert Tender.objects.filter(pk=published.pk).exists()
    assert logged.post(reverse("admin:tenders_tender_delete", args=[draft.pk]), {"post": "yes"}).status_code == 302
    assert not Tender.objects.filter(pk=draft.pk).exists()


def test_lots_edit_and_numbering(logged, buyer):
    tender = ready_tender(buyer)
    LotFactory(tender=tender, number=4, title="Existant")
    data = form_data(logged.get(change_url(tender)).text, "tender_form")
    data.update(
        {
            "lots-TOTAL_FORMS": str(int(data["lots-TOTAL_FORMS"]) + 1),
            "lots-1-title": "Nouveau",
            "lots-1-topic": str(topics()[0].pk),
        }
    )
    assert logged.post(change_url(tender), data).status_code == 302
    assert list(Lot.objects.filter(tender=tender).values_list("number", "title")) == [(4, "Existant"), (5, "Nouveau")]


def test_staff_pick_the_buyer(client):
    staff = UserFactory(platform_staff=True)
    organisation = BuyerMembershipFactory().organisation
    client.force_login(staff)
    data = form_data(client.get(reverse("admin:tenders_tender_add")).text, "tender_form")
    data.update(
        {
            "buyer": str(organisation.pk),
            "title": "Pour le compte de",
            "reference": "S-1",
            "description": "x",
            "bid_deadline_0": "01/12/2030",
            "bid_deadline_1": "10:00:00",
        }
    )
    assert client.post(reverse("admin:tenders_tender_add"), data).status_code == 302
    assert Tender.objects.get(reference="S-1").buyer == organisation


def test_a_buyer_reports_hours_achieved_on_an_award(logged, buyer):
    tender = ready_tender(buyer, status=TenderStatus.AWARDED, published_at=timezone.now())
    award = Award.objects.create(
        tender=tender,
        winner_name="Titulaire",
        winner_category="ess",
        amount=1000,
        total_hours_planned=100,
        insertion_hours_planned=10,
        awarded_on=datetime.date(2024, 3, 1),
    )
    response = logged.post(
        reverse("admin:tenders_award_change", args=[award.pk]),
        {"total_hours_achieved": "120", "insertion_hours_achieved": "15", "amount": "1"},
    )
    assert response.status_code == 302
    award.refresh_from_db()
    assert (award.total_hours_achieved, award.insertion_hours_achieved) == (120, 15)
    assert award.amount == 1000  # read only
