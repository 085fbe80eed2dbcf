"""Buyers told through the outbox, without being flooded: questions, interests (daily digest), award reminders."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from outbox.models import OutboxEmail
from structures.models import Membership
from tenders.models import BuyerFrequency, TenderStatus
from tenders.services.buyer_notifications import (
    send_award_reminders,
    send_daily_digests,
    set_buyer_preferences,
)
from tenders.services.participation import interest_set
from tenders.services.questions import question_ask
from tests.structures.factories import MembershipFactory
from tests.tenders.factories import BuyerMembershipFactory, TenderFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def author():
    return BuyerMembershipFactory(user__email="auteure@ville.example.fr").user


@pytest.fixture
def colleague(author):
    return BuyerMembershipFactory(
        organisation=author.buyer_membership.organisation, user__email="collegue@ville.example.fr"
    ).user


@pytest.fixture
def tender(author, colleague):
    return TenderFactory(
        published=True,
        buyer=author.buyer_membership.organisation,
        created_by=author,
        title="Entretien des espaces verts du village",
        questions_deadline=timezone.now() + datetime.timedelta(days=10),
    )


@pytest.fixture
def member():
    return MembershipFactory(structure__verified=True, structure__name="Les Jardins de Belleville").user


def structure_of(user):
    return Membership.objects.get(user=user).structure


def emails(kind):
    return list(OutboxEmail.objects.filter(kind=kind).order_by("to"))


def test_a_new_question_emails_the_tender_contacts_at_once_with_the_answer_link(tender, member, colleague):
    question = question_ask(
        tender=tender, structure=structure_of(member), user=member, text="Faut-il un devis par lot ?"
    )
    [email] = emails("buyer_question")
    assert email.to == "auteure@ville.example.fr"  # the author is the contact: the colleague is not bothered
    assert "Entretien des espaces verts du village" in email.subject
    assert "Faut-il un devis par lot ?" in email.body_text
    assert reverse("admin:tenders_question_change", args=[question.pk]) in email.body_text
    assert "Les Jardins de Belleville" not in email.body_text  # the asker stays anonymous


def test_the_contact_email_of_a_member_makes_them_a_contact_too(tender, member, colleague):
    tender.contact_email = "Collegue@ville.example.fr"
    tender.save()
    question_ask(tender=tender, structure=structure_of(member), user=member, text="Une question ?")
    assert [e.to for e in emails("buyer_question")] == ["auteure@ville.example.fr", "collegue@ville.example.fr"]


def test_a_buyer_who_chose_none_or_daily_gets_no_question_email(tender, member, author):
    set_buyer_preferences(
        user=author, questions=BuyerFrequency.NONE, interests=BuyerFrequency.NONE, award_reminders=True
    )
    question_ask(tender=tender, structure=structure_of(member), user=member, text="Faut-il visiter le site ?")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert send_daily_digests(today=tomorrow) == 0
    assert emails("buyer_question") == [] and emails("buyer_digest") == []

    set_buyer_preferences(
        user=author, questions=BuyerFrequency.DAILY, interests=BuyerFrequency.NONE, award_reminders=True
    )
    question_ask(tender=tender, structure=structure_of(member), user=member, text="Quel format de mémoire ?")
    assert emails("buyer_question") == []
    send_daily_digests(today=tomorrow)
    [digest] = emails("buyer_digest")
    assert "Quel format de mémoire ?" in digest.body_text
    assert "nouvelles questions" in digest.subject


def test_interests_go_into_one_daily_digest_per_person_sent_once(tender, member, author):
    other_tender = TenderFactory(published=True, buyer=tender.buyer, created_by=author, title="Nettoyage des gradins")
    second = MembershipFactory(structure__verified=True, structure__name="Coop Propre").user
    interest_set(tender=tender, structure=structure_of(member), user=member, answer="interested")
    interest_set(tender=other_tender, structure=structure_of(second), user=second, answer="interested")
    interest_set(tender=tender, structure=structure_of(second), user=second, answer="not_interested", reason="too_far")
    assert emails("buyer_interest") == []  # daily by default: nothing now

    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert send_daily_digests(today=tomorrow) == 1
    assert send_daily_digests(today=tomorrow) == 1  # re-run: the dedupe key returns the same row
    [digest] = emails("buyer_digest")
    assert digest.to == "auteure@ville.example.fr"
    assert "2 structures intéressées" in digest.subject
    assert "Les Jardins de Belleville" in digest.body_text and "Coop Propre" in digest.body_text
    assert "Nettoyage des gradins" in digest.body_text
    # Today's run covers yesterday: nothing happened then.
    assert send_daily_digests(today=timezone.localdate()) == 0


def test_an_immediate_preference_sends_one_email_per_interest_once(tender, member, author):
    set_buyer_preferences(
        user=author, questions=BuyerFrequency.IMMEDIATE, interests=BuyerFrequency.IMMEDIATE, award_reminders=True
    )
    structure = structure_of(member)
    interest_set(tender=tender, structure=structure, user=member, answer="interested")
    interest_set(tender=tender, structure=structure, user=member, answer="not_interested", reason="too_far")
    interest_set(tender=tender, structure=structure, user=member, answer="interested")
    [email] = emails("buyer_interest")
    assert "Les Jardins de Belleville" in email.body_text
    send_daily_digests(today=timezone.localdate() + datetime.timedelta(days=1))
    assert emails("buyer_digest") == []  # not twice: immediate people are not in the digest


def test_a_buyer_never_hears_about_another_organisation(tender, member):
    stranger = BuyerMembershipFactory(user__email="autre@acheteur.example.fr").user
    question_ask(tender=tender, structure=structure_of(member), user=member, text="Une question ?")
    interest_set(tender=tender, structure=structure_of(member), user=member, answer="interested")
    send_daily_digests(today=timezone.localdate() + datetime.timedelta(days=1))
    assert not OutboxEmail.objects.filter(to=stranger.email).exists()


def test_award_reminder_once_after_the_deadline_then_weekly_until_decided(tender, author):
    deadline = timezone.now() - datetime.timedelta(days=1)
    tender.bid_deadline = deadline
    tender.questions_deadline = None
    tender.status = TenderStatus.CLOSED
    tender.save()
    today = timezone.localdate()
    assert send_award_reminders(today=today) == 1
    assert send_award_reminders(today=today) == 0
    assert send_award_reminders(today=today + datetime.timedelta(days=3)) == 0  # same week
    assert send_award_reminders(today=today + datetime.timedelta(days=7)) == 1  # a week later
    reminders = emails("buyer_award_reminder")
    assert len(reminders) == 2 and {e.to for e in reminders} == {"auteure@ville.example.fr"}
    assert "attribuez-le ou déclarez-le infructueux" in reminders[0].subject
    assert reverse("admin:tenders_tender_change", args=[tender.pk]) in reminders[0].body_text

    tender.status = TenderStatus.UNSUCCESSFUL
    tender.save()
    assert send_award_reminders(today=today + datetime.timedelta(days=14)) == 0


def test_award_reminders_can_be_turned_off(tender, author):
    tender.bid_deadline = timezone.now() - datetime.timedelta(days=1)
    tender.questions_deadline = None
    tender.status = TenderStatus.CLOSED
    tender.save()
    set_buyer_preferences(
        user=author, questions=BuyerFrequency.IMMEDIATE, interests=BuyerFrequency.DAILY, award_reminders=False
    )
    assert send_award_reminders() == 0


def test_the_preferences_page_saves_and_is_for_buyers_only(client, author, member):
    url = reverse("tenders:buyer_preferences")
    client.force_login(member)
    assert client.get(url).status_code == 404
    client.force_login(author)
    assert client.get(url).status_code == 200
    response = client.post(url, {"questions": "daily", "interests": "immediate", "award_reminders": ""})
    assert response.status_code == 302
    preference = author.buyer_notification_preference
    assert (preference.questions, preference.interests, preference.award_reminders) == ("daily", "immediate", False)
    response = client.post(url, {"questions": "souvent", "interests": "immediate"})
    assert response.status_code == 200
    preference.refresh_from_db()
    assert preference.questions == "daily"
