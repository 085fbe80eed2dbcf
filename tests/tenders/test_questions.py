"""Questions and answers: asked before the deadline, answered by the buyer, published without the asker's name."""

import datetime
from html import unescape

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboxEmail
from tenders.models import Question, TenderStatus
from tenders.services.participation import ParticipationRefused
from tenders.services.questions import question_answer, question_ask
from tests.accounts.factories import UserFactory
from tests.tenders.factories import BuyerMembershipFactory, TenderFactory
from tests.tenders.public import member_of, open_tender

pytestmark = pytest.mark.django_db


def ask(client, tender, text):
    return client.post(reverse("tenders:question", kwargs={"slug": tender.slug}), {"text": text})


def page(client, tender):
    return unescape(client.get(reverse("tenders:detail", kwargs={"slug": tender.slug})).content.decode())


@pytest.fixture
def tender():
    return open_tender(questions_deadline=timezone.now() + datetime.timedelta(days=3))


@pytest.fixture
def buyer(tender):
    return BuyerMembershipFactory(organisation=tender.buyer).user


def test_structure_asks_before_the_deadline(client, tender):
    user, structure = member_of(name="Régie de quartier")
    client.force_login(user)
    response = ask(client, tender, "Les horaires sont-ils fixes ?")
    assert response.status_code == 302
    question = Question.objects.get()
    assert (question.tender, question.structure, question.asked_by) == (tender, structure, user)
    html = page(client, tender)
    assert "Votre question a été transmise à l'acheteur." in html
    assert "en attente de réponse" in html


def test_empty_question_is_refused_next_to_the_field(client, tender):
    user, _ = member_of()
    client.force_login(user)
    response = ask(client, tender, "   ")
    assert response.status_code == 400
    assert "Le formulaire contient des erreurs" in unescape(response.content.decode())
    assert not Question.objects.exists()


@pytest.mark.parametrize("deadline_field", ["questions_deadline", "bid_deadline"])
def test_after_the_questions_deadline_nothing_changes(client, deadline_field):
    past = timezone.now() - datetime.timedelta(hours=1)
    if deadline_field == "questions_deadline":
        tender = open_tender(questions_deadline=past)
    else:  # no questions deadline: the bid deadline counts
        tender = open_tender(days=-1 / 24)
    user, structure = member_of()
    client.force_login(user)
    response = ask(client, tender, "Trop tard ?")
    assert response.status_code == 302
    assert not Question.objects.exists()
    html = page(client, tender)
    assert "est passée" in html
    assert "Poser une question à l'acheteur" not in html
    with pytest.raises(ParticipationRefused):
        question_ask(tender=tender, structure=structure, user=user, text="Trop tard ?")


def test_questions_deadline_message_says_when(client):
    tender = open_tender(questions_deadline=datetime.datetime(2020, 3, 12, 10, 0, tzinfo=datetime.UTC), days=1)
    user, _ = member_of()
    client.force_login(user)
    html = page(client, tender)
    assert "La date limite pour poser des questions est passée (12 mars 2020 à 11\u00a0h\u00a000)" in html


@pytest.mark.parametrize("status", [TenderStatus.CANCELLED, TenderStatus.CLOSED, TenderStatus.AWARDED])
def test_ended_tenders_take_no_questions(status):
    tender = open_tender(status=status)
    user, structure = member_of()
    with pytest.raises(ParticipationRefused):
        question_ask(tender=tender, structure=structure, user=user, text="Encore ?")


def test_drafts_take_no_questions(client):
    user, structure = member_of()
    draft = TenderFactory()
    with pytest.raises(ParticipationRefused):
        question_ask(tender=draft, structure=structure, user=user, text="?")
    client.force_login(user)
    assert ask(client, draft, "?").status_code == 404


def test_answer_is_published_without_the_askers_name_and_emails_the_asker(client, tender, buyer):
    asker, structure = member_of(name="Régie de quartier")
    question = question_ask(tender=tender, structure=structure, user=asker, text="Les horaires sont-ils fixes ?")
    assert "Les horaires sont-ils fixes ?" not in page(client, tender)  # unanswered: not public

    question_answer(question=question, answer="Oui, de 6 h à 14 h.", by=buyer)
    question.refresh_from_db()
    assert question.answered_at is not None and question.answered_by == buyer

    html = page(client, tender)  # anonymous visitor
    assert "Les horaires sont-ils fixes ?" in html and "Oui, de 6 h à 14 h." in html
    assert "Régie de quartier" not in html
    other, _ = member_of()
    client.force_login(other)
    assert "Régie de quartier" not in page(client, tender)

    email = OutboxEmail.objects.get(kind="tender_question_answered")
    assert email.to == asker.email
    assert "Oui, de 6 h à 14 h." in email.body_text
    assert f"http://testserver{reverse('tenders:detail', kwargs={'slug': tender.slug})}#question-{question.pk}" in (
        email.body_text
    )


def test_answer_email_is_sent_on_commit_and_only_once(tender, buyer, django_capture_on_commit_callbacks):
    asker, structure = member_of()
    question = question_ask(tender=tender, structure=structure, user=asker, text="Combien de sites ?")
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(question=question, answer="Trois.", by=buyer)
    with django_capture_on_commit_callbacks(execute=True):
        question_answer(question=question, answer="Trois sites, en Seine-Saint-Denis.", by=buyer)  # a correction
    assert [m.to for m in mail.outbox] == [[asker.email]]
    question.refresh_from_db()
    assert question.answer == "Trois sites, en Seine-Saint-Denis."


def test_only_the_tenders_buyer_or_staff_answers(tender):
    asker, structure = member_of()
    question = question_ask(tender=tender, structure=structure, user=asker, text="?")
    other_buyer = BuyerMembershipFactory().user
    with pytest.raises(PermissionDenied):
        question_answer(question=question, answer="Non.", by=other_buyer)
    with pytest.raises(PermissionDenied):
        question_answer(question=question, answer="Non.", by=asker)
    question_answer(question=question, answer="Oui.", by=UserFactory(platform_staff=True))


def test_answer_cannot_be_empty(tender, buyer):
    asker, structure = member_of()
    question = question_ask(tender=tender, structure=structure, user=asker, text="?")
    with pytest.raises(ValidationError):
        question_answer(question=question, answer="  ", by=buyer)


def test_answer_reaches_the_structure_admins_when_the_asker_is_gone(tender, buyer):
    asker, structure = member_of()
    question = question_ask(tender=tender, structure=structure, user=asker, text="?")
    admin = structure.memberships.get(user=asker)
    asker.is_active = False
    asker.save(update_fields=["is_active"])
    new_admin, _ = member_of(structure)
    question_answer(question=question, answer="Oui.", by=buyer)
    assert admin.user == asker
    answered = OutboxEmail.objects.filter(kind="tender_question_answered")  # (the buyer was told of the question)
    assert list(answered.values_list("to", flat=True)) == [new_admin.email]
