"""outbox/mime.py writes an outbox row as SMTP bytes that parse to what Django's own message parses to."""

import email
import email.policy

import pytest

from outbox.mime import MessageWriter
from outbox.models import OutboxEmail
from outbox.tasks import build_message

LONG_SUBJECT = "Un appel d'offres pour vous : restauration durable et nettoyage du village des athlètes à Saint-Denis"


def row(**fields) -> OutboxEmail:
    values = {
        "to": "zoe@exemple.fr",
        "from_email": "ESS 2024 <ne-pas-repondre@ess2024.example.org>",
        "subject": "Courriel de test",
        "body_text": "Bonjour Zoé,\n\nLigne deux.\n",
        "body_html": '<p style="margin:0">Bonjour Zoé,</p>\n<p>' + "Ligne très longue. " * 30 + "</p>",
        "headers": {
            "List-Unsubscribe": "<http://testserver/alertes/desabonnement/MQ:1tQxyz:AbCdEfGhIjKlMnOpQrStUvWxYz0123/>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Message-ID": "<outbox.1.2@testserver>",
        },
    }
    values.update(fields)
    return OutboxEmail(**values)


def view(raw: bytes) -> dict:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    skip = {"date", "content-type", "content-transfer-encoding", "mime-version"}
    plain, html = message.get_body(("plain",)), message.get_body(("html",))
    return {
        "headers": sorted((name.lower(), str(value)) for name, value in message.items() if name.lower() not in skip),
        "has_date": "Date" in message,
        "text": plain.get_content().replace("\r\n", "\n"),
        "html": html.get_content().replace("\r\n", "\n") if html is not None and html is not plain else None,
        "types": [part.get_content_type() for part in message.walk()],
    }


def django_view(outbox_row: OutboxEmail) -> dict:
    return view(build_message(outbox_row).message(policy=email.policy.SMTP).as_bytes())


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"subject": LONG_SUBJECT},
        {"body_html": ""},  # text only
        {"reply_to": "equipe@ess2024.example.org"},
        {"from_email": ""},  # DEFAULT_FROM_EMAIL, as Django does
        {"headers": {"X-Etiquette": "valeur", "X-Note": "Éléments accentués"}},  # no Message-ID: one is made
        {"body_text": "ASCII only\n", "body_html": "<p>ASCII</p>"},
        {"from_email": "Les Canaux – équipe <equipe@ess2024.example.org>"},
    ],
)
def test_the_written_message_reads_as_djangos(fields):
    outbox_row = row(**fields)
    payload = MessageWriter().payload(outbox_row)
    assert payload is not None
    assert all(len(line) <= 1000 for line in payload.split(b"\r\n"))
    written, expected = view(payload), django_view(outbox_row)
    if "Message-ID" not in outbox_row.headers:  # each build makes its own
        written["headers"] = [h for h in written["headers"] if h[0] != "message-id"]
        expected["headers"] = [h for h in expected["headers"] if h[0] != "message-id"]
    assert written == expected
    assert written["has_date"]


@pytest.mark.parametrize(
    "fields",
    [
        {"to": "zoé@exemple.fr"},  # a non-ASCII local part
        {"body_text": "x" * 1200 + "\n"},  # a line SMTP cannot carry as it is
        {"headers": {"Date": "Mon, 30 Nov 2026 10:00:00 +0000"}},  # a header the writer does not handle
        {"headers": {"X-Multi": "ligne\r\nInjected: oui"}},
    ],
)
def test_what_it_cannot_write_goes_through_django(fields):
    assert MessageWriter().payload(row(**fields)) is None
