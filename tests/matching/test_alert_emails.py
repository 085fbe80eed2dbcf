"""Alert emails rendered once per tender and chunk (outbox.services.EmailBatch) are, byte for byte, the emails the
one-by-one path (`render_email`) renders for the same person — subject, text, HTML and headers — in French and in
English; and they leave through SMTP reading the same as Django's own message (outbox/mime.py)."""

import datetime
import email.policy

import pytest
from django.core import mail
from django.utils import timezone

from matching.delivery import PERSONAL_VALUES, REMINDER_PERSONAL_VALUES, send_deadline_reminders, tender_item
from matching.formatting import site_url
from matching.models import Notification
from outbox.models import OutboxEmail
from outbox.redaction import redact
from outbox.services import EmailBatch, render_email
from tenders.models import Interest
from tenders.services.lifecycle import tender_publish
from tests.accounts.factories import UserFactory
from tests.matching.conftest import CATERING
from tests.outbox.conftest import email_templates  # noqa: F401 - templates written inline by a test
from tests.structures.factories import MembershipFactory

PEOPLE = [
    ("Élodie", "Les Jardins de Belleville"),
    ("", "Coopérative « L'Échappée » & <Cie>"),
    ("O'Brien <b>", 'SCIC "Le Pré"'),
    ("Zoé", "Les Jardins de Belleville"),
]


def alert_context(first_name: str, structure: str, *, n: int, from_search: bool = False, reasons=None) -> dict:
    return {
        "first_name": first_name,
        "unsubscribe_url": f"http://testserver/alertes/desabonnement/MQ:1tQx{n}z:Ab{n}cDeFgHiJkLmNoPqRsTuV/",
        "preferences_url": "http://testserver/alertes/preferences/",
        "tender": {
            "title": "Restauration & nettoyage du village d'athlètes",
            "buyer": "SOLIDEO",
            "reference": "2024-AO-1",
            "url": "http://testserver/appels-d-offres/restauration/",
            "deadline": "12 mars 2026 à 12 h (dans 9 jours)",
            "value": "400\u202f000\u00a0€",
            "score": 80,
            "reasons": ["Vous intervenez en «\u00a0Restauration durable\u00a0».", "Votre structure est vérifiée."]
            if reasons is None
            else reasons,
            "structure": structure,
            "from_search": from_search,
        },
    }


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("from_search", [False, True])
def test_the_batch_renders_each_alert_exactly_as_one_by_one(language, from_search):
    batch = EmailBatch()
    for n, (first_name, structure) in enumerate(PEOPLE):
        context = alert_context(first_name, structure, n=n, from_search=from_search)
        fast = batch.render(
            template="matching/emails/tender", context=context, personal=PERSONAL_VALUES, language=language
        )
        assert fast == render_email(template="matching/emails/tender", context=context, language=language)
        assert context["tender"]["structure"] == structure  # the caller's context is left alone
    # One rendering with a first name, one without ("Bonjour," has no name to put in place).
    assert batch.rendered == 2


def test_different_reasons_are_rendered_apart_and_stay_right():
    batch = EmailBatch()
    first = alert_context("Élodie", "A", n=1, reasons=["Une raison."])
    second = alert_context("Zoé", "B", n=2, reasons=["Une autre raison.", "Et une troisième."])
    for context in (first, second):
        fast = batch.render(template="matching/emails/tender", context=context, personal=PERSONAL_VALUES)
        assert fast == render_email(template="matching/emails/tender", context=context)
    assert batch.rendered == 2


def test_a_template_that_transforms_a_personal_value_is_rendered_in_full(email_templates):  # noqa: F811
    email_templates(
        {
            "t/x_subject.txt": "Pour {{ first_name|upper }}",
            "t/x_body.txt": "Bonjour {{ first_name|truncatechars:4 }} ({{ first_name }})",
        }
    )
    batch = EmailBatch()
    for name in ("Élodie", "Zoé"):
        context = {"first_name": name}
        fast = batch.render(template="t/x", context=context, personal=["first_name"])
        assert fast == render_email(template="t/x", context=context)
        assert fast["subject"] == f"Pour {name.upper()}"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_reminder_batch_renders_as_one_by_one(language):
    batch = EmailBatch()
    for n, (first_name, structure) in enumerate(PEOPLE):
        context = {**alert_context(first_name, "", n=n), "structure": structure}
        fast = batch.render(
            template="matching/emails/reminder", context=context, personal=REMINDER_PERSONAL_VALUES, language=language
        )
        assert fast == render_email(template="matching/emails/reminder", context=context, language=language)
    assert batch.rendered == 2


# End to end: publication, then the emails as they left -----------------------------------------------------------


@pytest.fixture
def published(make_structure, make_tender, django_capture_on_commit_callbacks):
    """A tender published to three structures whose members have awkward names; tasks run in-process."""
    names = iter(PEOPLE)
    for _ in range(3):
        first_name, structure_name = next(names)
        structure = make_structure(topics=[CATERING], name=structure_name)
        MembershipFactory(structure=structure, user=UserFactory(first_name=first_name))
    tender = make_tender(published=False, title="Repas & goûters d'été")
    with django_capture_on_commit_callbacks(execute=True):
        tender_publish(tender=tender, by=UserFactory())
    return tender


def expected_for(message) -> dict:
    """What `render_email` gives for the person `message` went to (their notification, their unsubscribe link)."""
    notification = Notification.objects.select_related("tender__buyer", "user", "structure").get(
        user__email=message.to[0]
    )
    context = {
        "first_name": notification.user.first_name,
        "unsubscribe_url": message.extra_headers["List-Unsubscribe"][1:-1],
        "preferences_url": site_url("matching:preferences"),
        "tender": tender_item(notification, now=timezone.now()),
    }
    return render_email(template="matching/emails/tender", context=context, language="fr")


@pytest.mark.django_db
def test_published_alerts_are_the_one_by_one_emails(published):
    assert len(mail.outbox) == 3
    for message in mail.outbox:
        expected = expected_for(message)
        assert message.subject == expected["subject"]
        assert message.body == expected["body_text"]
        assert message.alternatives[0].content == expected["body_html"]
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert message.extra_headers["List-Unsubscribe"][1:-1] in expected["body_text"]
    rows = OutboxEmail.objects.filter(kind="tender_match")
    assert rows.count() == 3
    for row in rows:  # sent, then the personal link masked as issue 8 wants
        assert row.sensitive and row.secrets_removed_at is not None
        assert "desabonnement" not in row.body_text + row.body_html + str(row.headers)
        assert "[lien personnel masqué]" in row.body_text


def parsed_view(message) -> dict:
    """What a reader gets from a parsed message: header values (the Date and MIME plumbing aside) and both parts."""
    skip = {"date", "content-type", "content-transfer-encoding", "mime-version"}
    return {
        "headers": sorted((name.lower(), str(value)) for name, value in message.items() if name.lower() not in skip),
        "text": message.get_body(("plain",)).get_content().replace("\r\n", "\n"),
        "html": message.get_body(("html",)).get_content().replace("\r\n", "\n"),
        "types": [part.get_content_type() for part in message.walk()],
    }


@pytest.mark.django_db
def test_alerts_through_smtp_read_as_djangos_own_message(make_structure, make_tender, smtp_server, settings):
    """Sent through the SMTP mailer (the fast writer), each alert parses to what Django's message parses to."""
    from django.utils import translation

    from matching.delivery import deliver_notifications, dispatch_tender
    from outbox.mime import MessageWriter
    from outbox.tasks import build_message, deliver

    settings.CELERY_TASK_ALWAYS_EAGER = False  # the test sends the rows itself
    for first_name, structure_name in PEOPLE:
        structure = make_structure(topics=[CATERING], name=structure_name)
        MembershipFactory(structure=structure, user=UserFactory(first_name=first_name))
    tender = make_tender(title="Repas & goûters d'été, très longtemps attendus par les athlètes du village")
    ids = dispatch_tender(tender_id=tender.pk)
    with translation.override("fr"):
        deliver_notifications(ids)
    rows = list(OutboxEmail.objects.filter(kind="tender_match").order_by("to"))
    assert len(rows) == len(PEOPLE)
    django_built = {
        row.to: email.message_from_bytes(
            build_message(row).message(policy=email.policy.SMTP).as_bytes(), policy=email.policy.default
        )
        for row in rows
    }

    assert all(MessageWriter().payload(row) is not None for row in rows)  # the fast writer's shape, not a fallback

    outcome = deliver([row.pk for row in rows])

    assert len(outcome.sent) == len(PEOPLE)
    received = {message["To"]: message for message in smtp_server.messages}
    assert set(received) == set(django_built)
    for to, message in received.items():
        assert parsed_view(message) == parsed_view(django_built[to])
        assert message["List-Unsubscribe"].startswith("<http://testserver/alertes/desabonnement/")
    for row in OutboxEmail.objects.filter(pk__in=[row.pk for row in rows]):  # masked once sent
        assert row.status == OutboxEmail.Status.SENT
        assert row.body_text == redact(next(r.body_text for r in rows if r.pk == row.pk))


@pytest.mark.django_db
def test_deadline_reminders_render_as_one_by_one(make_structure, make_tender):
    structure = make_structure(topics=[CATERING], name="Coop « L'Échappée » & <Cie>")
    user = UserFactory(first_name="O'Brien")
    MembershipFactory(structure=structure, user=user)
    tender = make_tender(bid_deadline=timezone.now() + datetime.timedelta(days=2))
    Interest.objects.create(tender=tender, structure=structure, answer=Interest.Answer.INTERESTED)

    assert send_deadline_reminders() == 1

    row = OutboxEmail.objects.get(kind="tender_reminder")
    assert "O&#x27;Brien" in row.body_html and "O'Brien" in row.body_text
    assert "Coop « L&#x27;Échappée » &amp; &lt;Cie&gt;" in row.body_html
