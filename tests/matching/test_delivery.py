"""From publication to inboxes (tasks run in-process here): who is notified, once, and who is not."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone

from matching import delivery
from matching.models import DeadlineReminder, Digest, Frequency, Notification, TenderDispatch
from matching.services import tender_stats
from matching.tasks import send_notifications, sweep, tender_published
from outbox.models import OutboxEmail
from tenders.models import Interest
from tenders.services.lifecycle import tender_cancel, tender_publish
from tests.accounts.factories import UserFactory
from tests.matching.conftest import CATERING, CLEANING, TEXTILE
from tests.matching.factories import NotificationPreferenceFactory, SavedSearchFactory
from tests.structures.factories import MembershipFactory

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def publish(django_capture_on_commit_callbacks):
    """Publish a draft through the tenders service; the on-commit tasks run in-process."""

    def run(tender):
        with django_capture_on_commit_callbacks(execute=True):
            tender_publish(tender=tender, by=UserFactory())
        tender.refresh_from_db()
        return tender

    return run


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def emails_of(structure):
    return sorted(structure.memberships.values_list("user__email", flat=True))


# Publication ----------------------------------------------------------------------------------------------------


def test_publication_emails_the_members_of_matched_structures_and_only_them(make_structure, make_tender, publish):
    caterer = make_structure(topics=[CATERING], members=2)
    far = make_structure(topics=[CATERING], areas=["93"], members=1)
    cleaner = make_structure(topics=[CLEANING], members=1)
    nobody = make_structure(topics=[CATERING], members=0)
    tender = make_tender(published=False)

    publish(tender)

    assert recipients() == emails_of(caterer)
    assert set(Notification.objects.values_list("structure_id", flat=True)) == {caterer.pk}
    assert not Notification.objects.filter(structure__in=[far, cleaner, nobody]).exists()
    assert Notification.objects.emailed().count() == 2
    dispatch = TenderDispatch.objects.get(tender=tender)
    assert (dispatch.matched_count, dispatch.notification_count) == (2, 2)  # caterer and the memberless one
    assert dispatch.finished_at is not None
    keys = set(OutboxEmail.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"notif:{tender.pk}:{m.user_id}" for m in caterer.memberships.all()}
    for notification in Notification.objects.select_related("email"):  # the admin shows each email's status
        assert notification.email.dedupe_key == f"notif:{tender.pk}:{notification.user_id}"
        assert notification.email.to == notification.user.email


def test_a_person_in_two_matched_structures_gets_one_email_for_the_best_one(make_structure, make_tender, publish):
    weak = make_structure(areas=["FR"], members=1)
    strong = make_structure(areas=["75111"])
    MembershipFactory(structure=strong, user=weak.memberships.get().user)
    tender = make_tender(published=False)

    publish(tender)

    assert len(mail.outbox) == 1
    assert Notification.objects.get().structure == strong


def test_running_the_publication_task_again_sends_nothing_more(make_structure, make_tender, publish, on_commit):
    structure = make_structure(members=3)
    tender = publish(make_tender(published=False))
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert len(mail.outbox) == 3

    on_commit(tender_published, tender.pk)
    on_commit(send_notifications, ids)
    on_commit(delivery.deliver_notifications, ids)
    on_commit(sweep, 0)

    assert len(mail.outbox) == 3
    assert Notification.objects.count() == 3
    assert OutboxEmail.objects.count() == 3
    assert recipients() == emails_of(structure)


def test_the_sweep_dispatches_a_publication_whose_task_was_lost(make_structure, make_tender, on_commit):
    structure = make_structure(members=2)
    tender = make_tender(published_at=timezone.now() - datetime.timedelta(minutes=5))  # published, never dispatched

    assert on_commit(sweep, 120) == {"tenders": 1, "notifications": 0}

    assert recipients() == emails_of(structure)
    assert on_commit(sweep, 0) == {"tenders": 0, "notifications": 0}
    assert TenderDispatch.objects.get(tender=tender).finished_at is not None


def test_the_sweep_sends_notifications_left_pending(make_structure, make_tender, on_commit):
    structure = make_structure(members=2)
    tender = make_tender()
    delivery.dispatch_tender(tender_id=tender.pk)  # the fan-out never happened
    assert mail.outbox == []

    assert on_commit(sweep, 120) == {"tenders": 0, "notifications": 0}  # too recent to be called lost
    assert on_commit(sweep, 0) == {"tenders": 0, "notifications": 2}

    assert recipients() == emails_of(structure)


# The emails -------------------------------------------------------------------------------------------------------


def test_the_email_is_french_with_absolute_links_reasons_deadline_and_unsubscribe_headers(
    make_structure, make_tender, publish
):
    structure = make_structure(members=1, name="Les Cuisines Solidaires")
    today = timezone.localtime(timezone.now(), PARIS).date()
    deadline = datetime.datetime.combine(today + datetime.timedelta(days=9), datetime.time(12), tzinfo=PARIS)
    tender = make_tender(published=False, title="Repas des bénévoles", bid_deadline=deadline)

    publish(tender)

    (message,) = mail.outbox
    assert message.subject == "Un appel d'offres pour vous : Repas des bénévoles"
    assert message.to == emails_of(structure)
    text = message.body
    html = message.alternatives[0].content
    day = f"{deadline.day}{'er' if deadline.day == 1 else ''}"
    assert f"Date limite : {day} " in text and "à 12\u00a0h\u00a000 (dans 9 jours)" in text
    assert f"http://testserver/appels-d-offres/{tender.slug}/" in text
    assert f'href="http://testserver/appels-d-offres/{tender.slug}/"' in html
    assert "Un nouvel appel d'offres correspond à votre structure, Les Cuisines Solidaires :" in text
    assert (
        "Pourquoi cet appel d'offres vous correspond" in text and "Pourquoi cet appel d'offres vous correspond" in html
    )
    assert "Vous intervenez en «\u00a0Restauration durable\u00a0»." in text
    assert "<img" not in html  # no tracking pixel, no remote image
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://testserver/alertes/desabonnement/") and unsubscribe.endswith("/>")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe[1:-1] in text and unsubscribe[1:-1] in html
    assert "http://testserver/alertes/preferences/" in text


# No noise ---------------------------------------------------------------------------------------------------------


def test_no_email_for_a_tender_cancelled_before_sending(make_structure, make_tender, on_commit):
    make_structure(members=2)
    tender = make_tender()
    ids = delivery.dispatch_tender(tender_id=tender.pk)
    tender_cancel(tender=tender, by=None, reason="Besoin abandonné")

    assert on_commit(send_notifications, ids) == {"emailed": 0, "skipped": 2}

    assert mail.outbox == []
    assert set(Notification.objects.values_list("status", "skip_reason")) == {("skipped", "tender_closed")}


def test_no_email_for_a_tender_past_its_deadline_or_closed(make_structure, make_tender, on_commit):
    make_structure(members=1)
    tender = make_tender()
    ids = delivery.dispatch_tender(tender_id=tender.pk)
    type(tender).objects.filter(pk=tender.pk).update(bid_deadline=timezone.now() - datetime.timedelta(minutes=1))

    on_commit(send_notifications, ids)

    assert mail.outbox == []
    assert Notification.objects.get().skip_reason == "tender_closed"


def test_no_publication_email_for_a_tender_already_closed(make_structure, make_tender, on_commit):
    make_structure(members=1)
    tender = make_tender(status="closed")

    assert on_commit(tender_published, tender.pk) == 0
    assert Notification.objects.count() == 0 and mail.outbox == []


def test_no_email_to_a_structure_that_said_it_is_not_interested(make_structure, make_tender, on_commit):
    declined = make_structure(members=2)
    other = make_structure(members=1)
    tender = make_tender()
    ids = delivery.dispatch_tender(tender_id=tender.pk)
    Interest.objects.create(tender=tender, structure=declined, answer="not_interested", reason="too_big")

    on_commit(send_notifications, ids)

    assert recipients() == emails_of(other)
    assert Notification.objects.filter(structure=declined, skip_reason="not_interested").count() == 2


def test_ignored_topics_are_respected(make_structure, make_tender, publish, topic):
    only_catering = make_structure(topics=[CATERING], members=1)
    both = make_structure(topics=[CATERING, CLEANING], members=1)
    for structure in (only_catering, both):
        preference = NotificationPreferenceFactory(user=structure.memberships.get().user)
        preference.ignored_topics.set([topic(CATERING)])
    tender = make_tender(published=False, topics=[CATERING, CLEANING])

    publish(tender)

    assert recipients() == emails_of(both)  # cleaning is not ignored: still worth an email


def test_nothing_for_people_who_unsubscribed(make_structure, make_tender, publish, on_commit):
    structure = make_structure(members=2)
    out, still = [m.user for m in structure.memberships.order_by("pk")]
    NotificationPreferenceFactory(user=out, unsubscribed=True)

    publish(make_tender(published=False))

    assert recipients() == [still.email]
    later = make_tender()
    ids = delivery.dispatch_tender(tender_id=later.pk)
    NotificationPreferenceFactory(user=still, unsubscribed=True)  # unsubscribes between matching and sending
    on_commit(send_notifications, ids)
    assert recipients() == [still.email]
    assert Notification.objects.get(tender=later).skip_reason == "unsubscribed"


# Digests ----------------------------------------------------------------------------------------------------------


def paris(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=PARIS)


def test_daily_digest_one_email_per_window_best_score_first(make_structure, make_tender, on_commit):
    structure = make_structure(areas=["75111", "FR"], members=1)
    user = structure.memberships.get().user
    NotificationPreferenceFactory(user=user, daily=True)
    weak = make_tender(title="Cantine du 93", places=["93"])  # covered as a nationwide structure only
    strong = make_tender(title="Cantine du 11e", places=["75111"])
    for tender in (weak, strong):
        on_commit(tender_published, tender.pk)
    assert mail.outbox == []  # no immediate email for a daily digest
    tomorrow = timezone.localtime(timezone.now(), PARIS).date() + datetime.timedelta(days=1)

    assert on_commit(delivery.send_digests, frequency=Frequency.DAILY, now=paris(tomorrow, 7)) == 1

    (message,) = mail.outbox
    assert message.to == [user.email]
    assert message.subject == "Votre récapitulatif du jour : 2 appels d'offres pour vous"
    assert message.body.index("Cantine du 11e") < message.body.index("Cantine du 93")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    digest = Digest.objects.get()
    assert (digest.window, digest.tender_count, digest.email_id) == (tomorrow.isoformat(), 2, message_id(user))

    # Same window: nothing more, even with a new tender; it waits for the next window.
    newer = make_tender(title="Goûters des Jeux")
    on_commit(tender_published, newer.pk)
    assert on_commit(delivery.send_digests, frequency=Frequency.DAILY, now=paris(tomorrow, 9)) == 0
    assert len(mail.outbox) == 1
    assert Notification.objects.get(tender=newer).status == "pending"

    # Next window: only what was published since the last digest.
    assert (
        on_commit(delivery.send_digests, frequency=Frequency.DAILY, now=paris(tomorrow + datetime.timedelta(1), 7))
        == 1
    )
    assert len(mail.outbox) == 2
    assert "Goûters des Jeux" in mail.outbox[1].body and "Cantine" not in mail.outbox[1].body
    assert mail.outbox[1].subject == "Votre récapitulatif du jour : 1 appel d'offres pour vous"


def message_id(user):
    return OutboxEmail.objects.get(to=user.email).pk


def test_digest_leaves_out_tenders_closed_or_cancelled_since(make_structure, make_tender, on_commit):
    structure = make_structure(members=1)
    user = structure.memberships.get().user
    NotificationPreferenceFactory(user=user, weekly=True)
    kept = make_tender(title="Toujours ouvert")
    cancelled = make_tender(title="Annulé entre-temps")
    closed = make_tender(title="Clos entre-temps")
    declined = make_tender(title="Refusé par la structure")
    for tender in (kept, cancelled, closed, declined):
        on_commit(tender_published, tender.pk)
    tender_cancel(tender=cancelled, by=None, reason="Plus nécessaire")
    type(closed).objects.filter(pk=closed.pk).update(status="closed")
    Interest.objects.create(tender=declined, structure=structure, answer="not_interested", reason="no_capacity")
    monday = timezone.localtime(timezone.now(), PARIS).date()
    monday += datetime.timedelta(days=7 - monday.weekday())

    assert on_commit(delivery.send_digests, frequency=Frequency.WEEKLY, now=paris(monday, 7, 30)) == 1

    (message,) = mail.outbox
    assert "Toujours ouvert" in message.body
    assert not any(title in message.body for title in ("Annulé", "Clos entre-temps", "Refusé"))
    assert message.subject == "Votre récapitulatif de la semaine : 1 appel d'offres pour vous"
    year, week, _ = monday.isocalendar()
    assert Digest.objects.get().window == f"{year}-W{week:02d}"
    assert dict(Notification.objects.values_list("tender__title", "skip_reason")) == {
        "Toujours ouvert": "",
        "Annulé entre-temps": "tender_closed",
        "Clos entre-temps": "tender_closed",
        "Refusé par la structure": "not_interested",
    }
    # Later in the same ISO week: no second weekly email.
    later = make_tender(title="Mercredi")
    on_commit(tender_published, later.pk)
    assert (
        on_commit(delivery.send_digests, frequency=Frequency.WEEKLY, now=paris(monday + datetime.timedelta(2), 7)) == 0
    )
    assert len(mail.outbox) == 1


def test_digest_windows():
    moment = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=datetime.UTC)  # already Monday 2 March in Paris
    assert delivery.digest_window(Frequency.DAILY, moment) == "2026-03-02"
    assert delivery.digest_window(Frequency.WEEKLY, moment) == "2026-W10"


# Reminders ---------------------------------------------------------------------------------------------------------


def test_a_reminder_three_days_before_the_deadline_to_interested_structures_once(
    make_structure, make_tender, on_commit
):
    interested = make_structure(members=2)
    declined = make_structure(members=1)
    silent = make_structure(members=1)
    soon = make_tender(title="Bientôt fini", bid_deadline=timezone.now() + datetime.timedelta(days=2, hours=20))
    later = make_tender(title="Plus tard", bid_deadline=timezone.now() + datetime.timedelta(days=10))
    for tender in (soon, later):
        Interest.objects.create(tender=tender, structure=interested, answer="interested")
    Interest.objects.create(tender=soon, structure=declined, answer="not_interested", reason="too_far")

    assert on_commit(delivery.send_deadline_reminders) == 2
    assert on_commit(delivery.send_deadline_reminders) == 0

    assert recipients() == emails_of(interested)
    assert all(message.subject == "Date limite proche : Bientôt fini" for message in mail.outbox)
    assert "dans 2 jours" in mail.outbox[0].body or "dans 3 jours" in mail.outbox[0].body
    assert DeadlineReminder.objects.count() == 2
    assert silent.pk not in DeadlineReminder.objects.values_list("structure_id", flat=True)


def test_no_reminder_for_a_cancelled_tender(make_structure, make_tender, on_commit):
    interested = make_structure(members=1)
    tender = make_tender(bid_deadline=timezone.now() + datetime.timedelta(days=1))
    Interest.objects.create(tender=tender, structure=interested, answer="interested")
    tender_cancel(tender=tender, by=None, reason="Abandon")

    assert on_commit(delivery.send_deadline_reminders) == 0
    assert mail.outbox == []


# Saved searches ----------------------------------------------------------------------------------------------------


def test_a_saved_search_brings_new_tenders_once_per_person(make_structure, make_tender, publish):
    follower = SavedSearchFactory(querystring="topic=restauration-durable", label="Restauration durable").user
    SavedSearchFactory(querystring="topic=textile-et-goodies")
    SavedSearchFactory(querystring="topic=un-theme-disparu")  # no longer valid: finds nothing
    member_structure = make_structure(members=1)
    member = member_structure.memberships.get().user
    SavedSearchFactory(user=member, querystring="topic=restauration-durable")  # also a matched member
    tender = make_tender(published=False, title="Traiteur des Jeux")

    publish(tender)

    assert recipients() == sorted([follower.email, member.email])
    notification = Notification.objects.get(user=follower)
    assert notification.source == "saved_search" and notification.structure is None
    assert notification.reasons == ["Il correspond à votre recherche suivie « Restauration durable »."]
    assert Notification.objects.get(user=member).source == "match"
    message = next(m for m in mail.outbox if m.to == [follower.email])
    assert message.subject == "Nouvel appel d'offres pour votre recherche : Traiteur des Jeux"


def test_a_saved_search_that_does_not_find_the_tender_sends_nothing(make_tender, publish):
    SavedSearchFactory(querystring="place=93&topic=restauration-durable")

    publish(make_tender(published=False, places=["75111"]))

    assert mail.outbox == []


# For the buyer ----------------------------------------------------------------------------------------------------


def test_tender_stats_for_the_buyer(make_structure, make_tender, publish):
    emailed = make_structure(members=2)
    silent = make_structure(members=0)
    also = make_structure(members=1)
    tender = publish(make_tender(published=False))
    make_structure(topics=[TEXTILE])
    Interest.objects.create(tender=tender, structure=emailed, answer="interested")
    Interest.objects.create(tender=tender, structure=silent, answer="not_interested", reason="too_big")
    Interest.objects.create(tender=tender, structure=also, answer="not_interested", reason="too_big")

    assert tender_stats(tender=tender) == {
        "matched": 3,
        "emailed": 2,
        "interested": 1,
        "not_interested": 2,
        "not_interested_reasons": {"Marché trop important pour nous": 2},
    }


def test_a_structure_that_withdrew_before_sending_gets_nothing(make_structure, make_tender, on_commit):
    leaving = make_structure(members=1)
    staying = make_structure(members=1)
    tender = make_tender()
    ids = delivery.dispatch_tender(tender_id=tender.pk)
    type(leaving).objects.filter(pk=leaving.pk).update(matching_opt_out=True)

    on_commit(send_notifications, ids)

    assert recipients() == emails_of(staying)
    assert Notification.objects.get(structure=leaving).skip_reason == "structure_out"


def test_a_saved_search_for_tenders_my_structure_may_bid_on(make_structure, make_tender, publish):
    insertion = make_structure(areas=["93"], members=1, legal_form="ei")  # eligible, but far: no match
    association = make_structure(areas=["93"], members=1, legal_form="association")
    for structure in (insertion, association):
        SavedSearchFactory(user=structure.memberships.get().user, querystring="eligible=on", label="Pour ma structure")
    tender = make_tender(published=False, lots=[{"topic": CATERING, "reserved": "L2113-13"}])

    publish(tender)

    assert recipients() == emails_of(insertion)
    assert Notification.objects.get().source == "saved_search"
