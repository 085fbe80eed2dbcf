"""Outbox: what queueing and sending an email costs, beside the raw references measured in the same run.

- queueing: `queue_email` (render three templates + one INSERT) per email, beside a bare `OutboxEmail.objects.create`;
  `queue_emails` for 1,000 emails at once;
- sending: `send_emails` (lock, build the MIME message, send over one SMTP connection, mark sent) to a local aiosmtpd
  server in its own process, in emails per second, beside, in the same rounds, Django's mailer sending the same
  messages over one connection without the database (build + send), and a raw `smtplib` loop sending them already
  built (the transport's ceiling). The gap outbox / Django mail is the cost of locking and recording the rows.
"""

import email.policy
import smtplib
import statistics
import time

from django.core.mail import mailers
from django.db import transaction
from django.test import override_settings

from bench.common import figure, timer

SEND_COUNT = 500
ROUNDS = 5
BULK_COUNT = 1000
CONTEXT = {"name": "Structure de test", "title": "Nettoyage et tri des déchets", "number": 42}


def run() -> list[dict]:
    from outbox.models import OutboxEmail
    from outbox.services import queue_email, queue_emails
    from outbox.tasks import build_message, send_emails
    from tests.smtp import SMTPServerProcess

    OutboxEmail.objects.filter(kind="bench").delete()
    template = "outbox/emails/test"

    def queue_one():
        with transaction.atomic():
            queue_email(to="bench@exemple.fr", template=template, context=CONTEXT, kind="bench")
            transaction.set_rollback(True)  # no on-commit send, nothing kept

    def create_one():
        with transaction.atomic():
            OutboxEmail.objects.create(to="bench@exemple.fr", subject="x", body_text="x", kind="bench")
            transaction.set_rollback(True)

    def queue_bulk():
        with transaction.atomic():
            queue_emails(
                {"to": f"p{n}@exemple.fr", "template": template, "context": CONTEXT, "kind": "bench"}
                for n in range(BULK_COUNT)
            )
            transaction.set_rollback(True)

    figures = [
        figure("outbox.queue_email.ms", timer(queue_one, repeat=50), "ms"),
        figure("outbox.insert_row.ms", timer(create_one, repeat=50), "ms"),
        figure("outbox.queue_emails.1000.ms", timer(queue_bulk, repeat=3, warmup=1), "ms"),
    ]

    def make_rows(round_number):
        return OutboxEmail.objects.bulk_create(
            OutboxEmail(
                to=f"p{n}@exemple.fr",
                from_email="ne-pas-repondre@ess2024.example.org",
                kind="bench",
                headers={"Message-ID": f"<bench.{round_number}.{n}@ess2024.example.org>"},
                subject=f"Avis n° {n}",
                body_text="Bonjour,\nUn appel d'offres vous correspond.\n" * 5,
                body_html="<p>Bonjour,</p><p>Un appel d'offres vous correspond.</p>" * 5,
            )
            for n in range(SEND_COUNT)
        )

    # Rounds alternate the outbox and the raw loop, so both see the same machine load; medians are reported.
    outbox_rates, django_rates, smtplib_rates = [], [], []
    with SMTPServerProcess() as server, override_settings(MAILERS=server.mailers()):
        for round_number in range(ROUNDS):
            rows = make_rows(round_number)
            received = server.count()
            started = time.perf_counter()
            for start in range(0, SEND_COUNT, 100):  # the chunks queue_emails queues
                send_emails.apply(args=[[row.pk for row in rows[start : start + 100]]]).get()
            outbox_rates.append(SEND_COUNT / (time.perf_counter() - started))
            assert server.count() - received == SEND_COUNT
            assert OutboxEmail.objects.filter(pk__in=[row.pk for row in rows], status="sent").count() == SEND_COUNT

            messages = [build_message(row) for row in rows]
            received = server.count()
            started = time.perf_counter()
            with mailers["default"] as connection:
                for message in messages:
                    connection.send_messages([message])
            django_rates.append(SEND_COUNT / (time.perf_counter() - started))
            assert server.count() - received == SEND_COUNT

            payloads = [
                (message.from_email, message.to, message.message(policy=email.policy.SMTP).as_bytes())
                for message in messages
            ]
            received = server.count()
            started = time.perf_counter()
            with smtplib.SMTP(server.host, server.port) as smtp:
                for from_email, to, payload in payloads:
                    smtp.sendmail(from_email, to, payload)
            smtplib_rates.append(SEND_COUNT / (time.perf_counter() - started))
            assert server.count() - received == SEND_COUNT
            OutboxEmail.objects.filter(kind="bench").delete()

    return figures + [
        figure("outbox.send.emails_per_s", round(statistics.median(outbox_rates), 1), "emails/s"),
        figure("outbox.django_mail.emails_per_s", round(statistics.median(django_rates), 1), "emails/s"),
        figure("outbox.smtplib.emails_per_s", round(statistics.median(smtplib_rates), 1), "emails/s"),
    ]
