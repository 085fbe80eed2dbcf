"""Alert emails in their recipient's language (accounts.User.language): immediate alerts, digests and reminders.

An English reader gets English sentences, English reference names and English reasons (rebuilt from the match,
since the stored reasons are French); a French reader in the same chunk gets exactly the email they got before.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from matching import delivery
from matching.formatting import site_url
from matching.models import Frequency, Notification
from outbox.models import OutboxEmail
from outbox.services import render_email
from tenders.models import Interest
from tenders.services.lifecycle import tender_publish
from tests.accounts.factories import UserFactory
from tests.matching.conftest import CATERING
from tests.matching.factories import NotificationPreferenceFactory, SavedSearchFactory
from tests.structures.factories import MembershipFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
FRENCH_REASON = "Vous intervenez en «\u00a0Restauration durable\u00a0»."
ENGLISH_REASON = "You work in “Sustainable catering”."


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def message_to(user):
    (message,) = [message for message in mail.outbox if message.to == [user.email]]
    return message


def french_expected(user) -> dict:
    """The French alert as it was rendered before accounts had a language: stored reasons, French everything."""
    notification = Notification.objects.select_related("tender__buyer", "user", "structure").get(user=user)
    message = message_to(user)
    context = {
        "first_name": user.first_name,
        "unsubscribe_url": message.extra_headers["List-Unsubscribe"][1:-1],
        "preferences_url": site_url("matching:preferences"),
        "tender": delivery.tender_item(notification, now=timezone.now()),
    }
    return render_email(template="matching/emails/tender", context=context, language="fr")


@pytest.fixture
def readers(make_structure):
    """Two caterers (verified or not), one member reading English, one French; an English saved-search follower."""
    english = UserFactory(first_name="Ada", language="en")
    french = UserFactory(first_name="Élodie", language="fr")
    MembershipFactory(structure=make_structure(topics=[CATERING], name="Kitchen Coop"), user=english)
    MembershipFactory(structure=make_structure(topics=[CATERING], name="Cuisines Solidaires"), user=french)
    follower = UserFactory(first_name="Bob", language="en")
    SavedSearchFactory(user=follower, label="Mes cantines")
    return english, french, follower


def test_an_english_reader_gets_an_english_alert_and_a_french_one_the_same_as_before(
    readers, make_tender, django_capture_on_commit_callbacks
):
    english, french, follower = readers
    tender = make_tender(published=False, title="Repas des bénévoles")
    with django_capture_on_commit_callbacks(execute=True):
        tender_publish(tender=tender, by=UserFactory())

    assert len(mail.outbox) == 3
    message = message_to(english)
    assert message.subject == "A tender for you: Repas des bénévoles"
    assert message.body.startswith("Hello Ada,")
    assert "Why this tender matches you" in message.body
    assert ENGLISH_REASON in message.body and ENGLISH_REASON in message.alternatives[0].content
    assert "Sustainable catering" in message.body
    for french_text in ("Vous intervenez", "Restauration durable", "Pourquoi", "Date limite"):
        assert french_text not in message.body
    # The stored reasons stay French (they were written at dispatch time).
    assert Notification.objects.get(user=english).reasons[0] == FRENCH_REASON

    searched = message_to(follower)
    assert "It matches your followed search “Mes cantines”." in searched.body
    assert "recherche suivie" not in searched.body

    message = message_to(french)
    expected = french_expected(french)
    assert message.subject == "Un appel d'offres pour vous : Repas des bénévoles" == expected["subject"]
    assert message.body == expected["body_text"] and FRENCH_REASON in message.body
    assert message.alternatives[0].content == expected["body_html"]
    subjects = dict(OutboxEmail.objects.filter(kind__startswith="tender_").values_list("to", "subject"))
    assert subjects[english.email] == "A tender for you: Repas des bénévoles"
    assert subjects[follower.email] == "New tender for your search: Repas des bénévoles"


def test_french_readers_cost_no_query_to_localise(readers, make_tender):
    english, french, _follower = readers
    tender = make_tender()
    delivery.dispatch_tender(tender_id=tender.pk)
    rows = list(Notification.objects.select_related("tender__buyer", "user", "structure").order_by("pk"))
    french_rows = [row for row in rows if row.user_id == french.pk]
    english_rows = [row for row in rows if row.user_id == english.pk]
    with CaptureQueriesContext(connection) as queries:
        assert delivery._localized_reasons(french_rows) == {}
    assert len(queries) == 0
    (reasons,) = delivery._localized_reasons(english_rows).values()
    assert reasons[0] == ENGLISH_REASON


def test_an_invitation_is_told_in_english_too(make_structure, make_tender, on_commit):
    """A structure the buyer invited (shortlists) without a match: the invitation sentence, in English."""
    english = UserFactory(language="en")
    structure = make_structure(topics=[CATERING])
    MembershipFactory(structure=structure, user=english)
    tender = make_tender()
    with translation.override("fr"):  # as dispatch_tender writes it
        reasons = delivery.invitation_reasons(tender.buyer.name)
    notification = Notification.objects.create(
        tender=tender,
        user=english,
        structure=structure,
        source=Notification.Source.MATCH,
        channel=Frequency.IMMEDIATE,
        reasons=reasons,
    )

    assert on_commit(delivery.deliver_notifications, [notification.pk]) == {"emailed": 1, "skipped": 0}

    body = message_to(english).body
    assert f"Invited by the buyer: {tender.buyer.name} chose you for this tender." in body
    assert "Invitée" not in body and "You work in" not in body


def paris(day: datetime.date, hour: int) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


def test_a_digest_in_english_for_an_english_reader(readers, make_tender, on_commit):
    english, french, _follower = readers
    for user in (english, french):
        NotificationPreferenceFactory(user=user, daily=True)
    tender = make_tender(title="Cantine du 11e")
    on_commit(delivery.dispatch_tender, tender_id=tender.pk)
    tomorrow = timezone.localtime(timezone.now(), PARIS).date() + datetime.timedelta(days=1)

    assert on_commit(delivery.send_digests, frequency=Frequency.DAILY, now=paris(tomorrow, 7)) == 2

    message = message_to(english)
    assert message.subject == "Your daily summary: 1 tender for you"
    assert ENGLISH_REASON in message.body and "Vous intervenez" not in message.body
    message = message_to(french)
    assert message.subject == "Votre récapitulatif du jour : 1 appel d'offres pour vous"
    assert FRENCH_REASON in message.body


def test_a_deadline_reminder_in_each_reader_s_language(make_structure, make_tender, on_commit):
    structure = make_structure(name="Kitchen Coop")
    english = UserFactory(first_name="Ada", language="en")
    french = UserFactory(first_name="Élodie", language="fr")
    for user in (english, french):
        MembershipFactory(structure=structure, user=user)
    tender = make_tender(title="Bientôt fini", bid_deadline=timezone.now() + datetime.timedelta(days=2, hours=20))
    Interest.objects.create(tender=tender, structure=structure, answer="interested")

    assert on_commit(delivery.send_deadline_reminders) == 2

    message = message_to(english)
    assert message.subject == "Deadline approaching: Bientôt fini"
    assert "in 2 days" in message.body or "in 3 days" in message.body
    assert "Date limite" not in message.body
    message = message_to(french)
    assert message.subject == "Date limite proche : Bientôt fini"
    assert "dans 2 jours" in message.body or "dans 3 jours" in message.body
