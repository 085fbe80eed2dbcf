"""Sending the outbox (the pattern is in outbox/services.py). Tasks take ids only; a row is sent at most once.

This module imports outbox/services.py, never the other way round: the services queue these tasks by name.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from celery import shared_task
from celery.signals import worker_process_shutdown, worker_shutdown
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from outbox.mime import MessageWriter, sender
from outbox.models import OutboxEmail
from outbox.services import (
    CHUNK_SIZE,
    PURGE_CHUNK,
    body_retention_cutoff,
    enqueue,
    forget_secrets,
    purge_bodies,
    redact_error,
)

logger = logging.getLogger(__name__)

# Rows locked per transaction while their messages go through the SMTP connection.
LOCK_BATCH = 50
# A row queued this long after it was due has lost its task: requeue_stale sends it again.
STALE_AFTER = timedelta(minutes=1)
# Rows the sweep re-queues per run at most (the next run takes the rest).
SWEEP_LIMIT = 5000
# Rows whose body the retention purge empties per run at most (in transactions of PURGE_CHUNK rows).
PURGE_LIMIT = 100_000


def max_attempts() -> int:
    return getattr(settings, "OUTBOX_MAX_ATTEMPTS", 5)


def retry_delay(attempts: int) -> int:
    """Seconds before the next attempt: exponential back-off (1, 2, 4, 8… × OUTBOX_RETRY_DELAY), at most an hour."""
    base = getattr(settings, "OUTBOX_RETRY_DELAY", 60)
    return min(base * 2 ** max(attempts - 1, 0), 3600)


@dataclass
class Outcome:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)  # transient failure, still queued
    countdown: int = 0
    connection_error: str = ""  # set once the SMTP connection is unusable: the remaining rows wait for a retry

    def summary(self) -> dict[str, int]:
        return {"sent": len(self.sent), "failed": len(self.failed), "retry": len(self.retry)}


def build_message(email: OutboxEmail) -> EmailMultiAlternatives:
    """The row as Django email message: text body, HTML alternative, its headers and Reply-To."""
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.body_text,
        from_email=email.from_email,
        to=[email.to],
        headers=dict(email.headers),
        reply_to=[email.reply_to] if email.reply_to else None,
    )
    if email.body_html:
        message.attach_alternative(email.body_html, "text/html")
    return message


def _writes_smtp(mailer) -> bool:
    """Django's own SMTP mailer (not a subclass that sends differently): its connection takes our bytes as they are."""
    return isinstance(mailer, SMTPBackend) and type(mailer)._send is SMTPBackend._send


def _send_one(
    mailer, email: OutboxEmail, outcome: Outcome, writer: MessageWriter | None = None
) -> tuple[str, bool] | None:
    """Send one row. None when sent, else (error, permanent).

    Over Django's SMTP mailer the message is written by `writer` (outbox/mime.py: the same message, built without
    the `email` package's per-header parsing) and handed to the mailer's connection; any other mailer (tests'
    in-memory one, the console) gets Django's message.

    A connection the server dropped (idle timeout, a per-connection message limit, a 421 reply) is opened again
    once for this message; a second connection failure stops the run: the remaining rows wait for the retry.
    """
    payload = writer.payload(email) if writer is not None and _writes_smtp(mailer) else None
    message = build_message(email) if payload is None else None
    for _attempt in range(2):
        try:
            mailer.open()
            if payload is not None:
                mailer.connection.sendmail(
                    writer.envelope_address(sender(email), mailer.prep_address),
                    [writer.envelope_address(email.to, mailer.prep_address)],
                    payload,
                )
                return None
            if mailer.send_messages([message]) != 1:
                return "Le serveur d'envoi n'a pas accepté le message.", True
            return None
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()), (0, b""))
            failure = f"{code} {_text(text)}"
        except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            code, failure = error.smtp_code, f"{error.smtp_code} {_text(error.smtp_error)}"
        except (smtplib.SMTPException, OSError) as error:
            # Refused, lost or timed-out connection, HELO or authentication refused: the server, not this message.
            code, failure = 421, f"{type(error).__name__}: {error}"
        except ValueError as error:  # an address or header Django refuses to put in a message
            return f"{type(error).__name__}: {error}", True
        if code != 421:  # the server answered about this message: 4xx try later, 5xx never
            return failure, code >= 500
        _close(mailer)
    outcome.connection_error = failure
    return failure, False


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def _close(mailer) -> None:
    try:
        mailer.close()
    except Exception:  # noqa: S110 - a connection we are dropping anyway
        pass


def _record(rows: list[OutboxEmail], results: dict[int, tuple[str, bool] | None], outcome: Outcome) -> None:
    """Write what happened to the locked rows, with one UPDATE per distinct outcome."""
    now = timezone.now()
    sent = [pk for pk, result in results.items() if result is None]
    # A sensitive row just sent is recorded as sent and loses its link in one UPDATE (one new row version, not two).
    just_sent = set(sent)
    forgotten = forget_secrets(
        ids=[row.pk for row in rows if row.sensitive and row.pk in just_sent], locked=rows, sent_at=now
    )
    plain = sorted(just_sent - set(forgotten))
    if plain:
        OutboxEmail.objects.filter(pk__in=plain).update(
            status=OutboxEmail.Status.SENT, sent_at=now, attempts=F("attempts") + 1
        )
    outcome.sent += sent
    groups: dict[tuple, list[int]] = defaultdict(list)
    for row in rows:
        result = results.get(row.pk)
        if result is None:
            continue
        error, permanent = result
        error = redact_error(error, email=row)  # a refused header may quote a personal link
        attempts = row.attempts + 1
        if permanent or attempts >= max_attempts():
            groups[(OutboxEmail.Status.FAILED, attempts, error[:2000], row.next_attempt_at)].append(row.pk)
            outcome.failed.append(row.pk)
        else:
            next_attempt_at = now + timedelta(seconds=retry_delay(attempts))
            groups[(OutboxEmail.Status.QUEUED, attempts, error[:2000], next_attempt_at)].append(row.pk)
            outcome.retry.append(row.pk)
            countdown = retry_delay(attempts)
            outcome.countdown = min(outcome.countdown, countdown) if outcome.countdown else countdown
    for (status, attempts, error, next_attempt_at), pks in groups.items():
        OutboxEmail.objects.filter(pk__in=pks).update(
            status=status, attempts=attempts, last_error=error, next_attempt_at=next_attempt_at
        )
        logger.warning("Outbox: %s email(s) not sent (%s, attempt %s): %s", len(pks), status, attempts, error)
    # Finally failed: a sensitive row's link is removed now too, in the transaction that records it (the rows are the
    # ones this transaction locked: no need to read them again).
    failed = set(outcome.failed)
    forget_secrets(ids=[row.pk for row in rows if row.sensitive and row.pk in failed], locked=rows)


class KeptMailer(threading.local):
    """The default mailer of this worker thread, its SMTP connection kept open from one task to the next.

    Opening a connection (TCP, then TLS and AUTH on a real relay, the greeting of a busy server) costs more than
    sending a message: a worker sending chunk after chunk keeps one. It is replaced when the MAILERS setting
    changes, closed when unused for OUTBOX_SMTP_IDLE seconds (60; checked at the next task: relays drop idle
    clients, Postfix after 300 s) or when the worker stops, and dropped on a connection error (`_send_one` opens it
    again once per message).
    """

    mailer = None
    key = None
    last_used = 0.0

    def get(self):
        key = repr(getattr(settings, "MAILERS", None))
        idle = time.monotonic() - self.last_used > settings.OUTBOX_SMTP_IDLE
        if self.mailer is not None and (key != self.key or idle):
            self.close()
        if self.mailer is None:
            self.mailer, self.key = mailers["default"], key
        return self.mailer

    def done(self) -> None:
        self.last_used = time.monotonic()

    def close(self) -> None:
        if self.mailer is not None:
            _close(self.mailer)
        self.mailer = self.key = None


kept_mailer = KeptMailer()


@worker_process_shutdown.connect
@worker_shutdown.connect
def _close_kept_mailer(**kwargs) -> None:
    kept_mailer.close()


# What deliver() reads again of a row this process has just written (`known`): its state, not its body.
STATE_FIELDS = ("pk", "status", "attempts", "next_attempt_at", "secrets_removed_at")


def _lock(ids: list[int], known: Mapping[int, OutboxEmail]) -> list[OutboxEmail]:
    """Lock the queued rows among `ids` (FOR UPDATE SKIP LOCKED). Rows in `known` are read for their state only
    and come back as the known objects, brought up to date; the others are read whole."""
    rows = OutboxEmail.objects.queued().filter(pk__in=ids).select_for_update(skip_locked=True, of=("self",))
    if not all(pk in known for pk in ids):
        return list(rows.order_by("pk"))
    locked = []
    for state in rows.only(*STATE_FIELDS).order_by("pk"):
        row = known[state.pk]
        for name in STATE_FIELDS[1:]:
            setattr(row, name, getattr(state, name))
        locked.append(row)
    return locked


def deliver(email_ids: list[int], *, known: Iterable[OutboxEmail] = ()) -> Outcome:
    """Send the queued rows among `email_ids` over the worker's SMTP connection (KeptMailer); each at most once.

    Rows already sent or failed, or locked by another sender, are skipped. Rows are locked (FOR UPDATE SKIP
    LOCKED) in batches of LOCK_BATCH, sent, and marked in the same transaction. `known`: rows as this process has
    just stored them, whose bodies need not be read again.
    """
    known = {row.pk: row for row in known}
    ids = sorted({int(pk) for pk in email_ids})
    outcome = Outcome()
    mailer = kept_mailer.get()
    writer = MessageWriter()
    try:
        for start in range(0, len(ids), LOCK_BATCH):
            interruption = None
            with transaction.atomic():
                rows = _lock(ids[start : start + LOCK_BATCH], known)
                results: dict[int, tuple[str, bool] | None] = {}
                try:
                    for row in rows:
                        if outcome.connection_error:
                            results[row.pk] = (outcome.connection_error, False)
                        else:
                            results[row.pk] = _send_one(mailer, row, outcome, writer)
                except BaseException as error:  # time limit, shutdown, bug: keep the record of what went out
                    interruption = error
                _record(rows, results, outcome)
            if interruption is not None:
                raise interruption
    except BaseException:
        kept_mailer.close()  # a connection in an unknown state (a time limit mid-message): not kept
        raise
    kept_mailer.done()
    return outcome


def send_now(rows: Sequence[OutboxEmail]) -> Outcome:
    """Send rows this process has just queued and committed, at once, over this worker's connection (passed to
    ``queue_emails(send=...)`` by the alert emails: the worker that renders a chunk sends it).

    Rows that met a transient failure go to a ``send_emails`` task after their back-off; if even that cannot be
    queued (broker down), they stay queued and the sweep (``requeue_stale``) sends them.
    """
    outcome = deliver([row.pk for row in rows], known=rows)
    if outcome.retry:
        try:
            send_emails.apply_async(args=[outcome.retry], countdown=outcome.countdown)
        except Exception as error:  # kombu.OperationalError, redis.ConnectionError, OSError...
            if send_emails.app.conf.task_always_eager:
                raise
            logger.warning(
                "Outbox: could not queue the retry of %s email(s), the sweep will: %r", len(outcome.retry), error
            )
    return outcome


def _retry(task, outcome: Outcome, args: list):
    """Retry the task with the rows that met a transient failure, after the back-off of their attempts.

    Each run counts an attempt for every row it could not send, so retries end after OUTBOX_MAX_ATTEMPTS.
    """
    if task.request.is_eager:
        # In-process (tests, CELERY_TASK_ALWAYS_EAGER): Celery runs the returned retry at once, without the countdown,
        # instead of propagating the Retry exception (task_eager_propagates).
        return task.retry(args=args, countdown=outcome.countdown, throw=False)
    raise task.retry(args=args, countdown=outcome.countdown)


@shared_task(bind=True, name="outbox.tasks.send_email", max_retries=None)
def send_email(self, email_id: int) -> dict[str, int]:
    """Send one outbox row (queued on commit by queue_email)."""
    outcome = deliver([email_id])
    if outcome.retry:
        return _retry(self, outcome, [email_id])
    return outcome.summary()


@shared_task(bind=True, name="outbox.tasks.send_emails", max_retries=None)
def send_emails(self, email_ids: list[int]) -> dict[str, int]:
    """Send many outbox rows over one SMTP connection; retry the ones that met a transient failure."""
    outcome = deliver(email_ids)
    if outcome.retry:
        return _retry(self, outcome, [outcome.retry])
    return outcome.summary()


@shared_task(name="outbox.tasks.requeue_stale")
def requeue_stale() -> int:
    """Beat, every minute: queue again the rows still queued a minute after they were due (lost task, outage)."""
    now = timezone.now()
    total = 0
    while total < SWEEP_LIMIT:
        with transaction.atomic():
            ids = list(
                OutboxEmail.objects.stale(before=now - STALE_AFTER)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("next_attempt_at", "pk")
                .values_list("pk", flat=True)[:CHUNK_SIZE]
            )
            if not ids:
                break
            # Not picked again by the next sweep unless still queued a minute from now.
            OutboxEmail.objects.filter(pk__in=ids).update(next_attempt_at=now)
            transaction.on_commit(partial(enqueue, ids))
        total += len(ids)
    if total:
        logger.info("Outbox: %s stale email(s) queued again", total)
    return total


@shared_task(name="outbox.tasks.purge_old_bodies")
def purge_old_bodies() -> int:
    """Beat, daily: empty the bodies of sent or failed emails older than OUTBOX_BODY_RETENTION_DAYS, by chunks."""
    cutoff = body_retention_cutoff()
    total = 0
    while total < PURGE_LIMIT:
        purged = purge_bodies(before=cutoff, limit=min(PURGE_CHUNK, PURGE_LIMIT - total))
        total += purged
        if purged == 0:
            break
    if total:
        logger.info("Outbox: %s email bodies past their retention emptied", total)
    return total
