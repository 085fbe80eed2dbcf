"""The email outbox: how ESS 2024 sends every email exactly once.

The pattern
-----------
1. **A row first.** ``queue_email(...)`` renders the email *now* (subject, text, optional HTML, in French unless
   told otherwise, with absolute links from ``settings.SITE_URL``) and inserts an ``OutboxEmail`` row inside the
   caller's transaction. If the business transaction rolls back, the email never existed.
2. **A task on commit.** The same call registers ``transaction.on_commit(...)`` which queues
   ``outbox.tasks.send_email(id)`` (or ``send_emails(ids)`` in chunks for ``queue_emails``). Tasks take ids only.
   If the broker is down at that moment, the error is logged and the row simply stays ``queued``. A worker that
   writes a chunk of alerts sends it itself instead, once committed (``queue_emails(send=outbox.tasks.send_now)``).
3. **The task locks, sends, records.** ``send_emails`` locks the queued rows with
   ``SELECT ... FOR UPDATE SKIP LOCKED OF outbox_outboxemail``, skips rows already sent (or locked by another
   sender), sends each row over the worker's SMTP connection (``django.core.mail.mailers["default"]``, kept open
   from one task to the next: ``outbox.tasks.KeptMailer``) and marks it ``sent`` in the same transaction. The row
   lock is held while talking to SMTP (bounded batches of ``LOCK_BATCH`` rows), so a second run, or a concurrent
   run, of the same task finds nothing left to send.
4. **Retries with back-off.** A transient failure (connection refused or lost, 4xx reply) counts an attempt,
   pushes ``next_attempt_at`` and retries the task with exponential back-off; after ``MAX_ATTEMPTS`` attempts,
   or at once on a permanent 5xx reply, the row is ``failed``, visible in the admin, where staff can
   "Renvoyer" it (``requeue_failed``).
5. **A sweep loses nothing.** ``outbox.tasks.requeue_stale`` (beat, every minute) re-queues rows still
   ``queued`` a minute after they were due, in bounded chunks: a broker outage delays emails, loses none.

With a ``dedupe_key``, a second ``queue_email`` with the same key returns the existing row and queues nothing
(the unique constraint decides under concurrency), so re-running a batch job sends nothing twice.

The one window left: the SMTP server accepted a message and the worker died before the transaction marking it
sent committed. The row is then sent again later; its ``Message-ID`` (fixed when the row is created) is the same,
so receiving systems can recognise the duplicate.

Secrets: an email carrying a personal link (password reset, email confirmation, invitation, one-click unsubscribe)
is ``sensitive``: the sender says so (``sensitive=True``, ``secrets=[a login code]``) and ``queue_email`` finds
such links by itself too (``outbox/redaction.py``). The worker sends the real body; once the row is sent, or
finally failed, ``forget_secrets`` replaces its body and headers by their masked form, so the database no longer
holds the link. The admin only ever shows the masked form; a failed sensitive email cannot be sent again (the
person asks for a new link). Other bodies are kept ``OUTBOX_BODY_RETENTION_DAYS`` days, then ``purge_bodies``
empties them (the row's metadata stays).

Templates: ``<template>_subject.txt`` (one line), ``<template>_body.txt`` and, optionally, ``<template>_body.html``.
The ``.txt`` templates are rendered without HTML autoescaping (``L'appel`` stays ``L'appel``); the HTML one is
autoescaped as usual. The context always holds ``SITE_URL``.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from secrets import token_hex
from typing import Any
from urllib.parse import urlsplit

from celery import current_app
from django.conf import settings
from django.core.mail import make_msgid
from django.core.validators import validate_email
from django.db import connection, transaction
from django.template import Context, TemplateDoesNotExist
from django.template.backends.django import Template as DjangoBackendTemplate
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

from ess2024.bulk import insert_objects
from outbox.models import OutboxEmail
from outbox.redaction import contains_secret, redact, redact_headers

logger = logging.getLogger(__name__)

# Ids per send_emails task queued by queue_emails / requeue_stale / requeue_failed.
CHUNK_SIZE = 100
# Rows whose body the retention purge empties per transaction.
PURGE_CHUNK = 1000
# The tasks this module queues, by name: outbox/tasks.py imports this module, never the other way round.
SEND_EMAIL_TASK = "outbox.tasks.send_email"
SEND_EMAILS_TASK = "outbox.tasks.send_emails"


def render_email(*, template: str, context: Mapping[str, Any], language: str | None = None) -> dict[str, str]:
    """Render the subject, text and (if the template exists) HTML parts of an email."""
    return _finish(_render_raw(template=template, context=context, language=language))


def _render_raw(*, template: str, context: Mapping[str, Any], language: str | None) -> dict[str, str]:
    """The three parts as the templates render them, before the subject and text are tidied (`_finish`)."""
    context = {**context, "SITE_URL": settings.SITE_URL}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = _render(f"{template}_subject.txt", context, autoescape=False)
        body_text = _render(f"{template}_body.txt", context, autoescape=False)
        try:
            html_template = get_template(f"{template}_body.html")
        except TemplateDoesNotExist:
            body_html = ""
        else:
            body_html = html_template.render(context)
    return {"subject": subject, "body_text": body_text, "body_html": body_html}


def _finish(raw: Mapping[str, str]) -> dict[str, str]:
    return {
        "subject": " ".join(raw["subject"].split()),
        "body_text": raw["body_text"].strip() + "\n",
        "body_html": raw["body_html"],
    }


class EmailBatch:
    """Render many emails that differ only by a few strings: the templates once per distinct shared context, then,
    for each person, only their values put in place.

    ``render(template=..., context=..., personal=["first_name", "tender.structure"], language=...)`` gives exactly
    what ``render_email`` gives for the same context (tests compare them byte for byte). The `personal` paths
    (dotted keys into nested dicts) name string values that templates only print, as ``{{ value }}`` or inside
    ``{% blocktranslate %}``, or test for truth (``{% if value %}``): they are replaced by a marker for the shared
    rendering, and each marker by the value afterwards — HTML-escaped in the HTML part as the template would,
    as-is in the subject and text. An empty or non-string value is rendered as part of the shared context instead.
    Whatever is not personal (a tender's title, the reasons it fits) is the cache key: equal shared contexts share
    one rendering. A template that transforms a personal value (a filter) is detected and rendered in full.
    """

    _NONCE = token_hex(8)
    _MARKER = re.compile(rf"PersonalValue(\d+)z{_NONCE}")

    def __init__(self):
        self._skeletons: dict[tuple, dict[str, list] | None] = {}
        self.rendered = 0  # shared renderings done (for tests and the bench)

    @classmethod
    def _marker(cls, index: int) -> str:
        return f"PersonalValue{index}z{cls._NONCE}"

    def render(
        self,
        *,
        template: str,
        context: Mapping[str, Any],
        personal: Sequence[str] = (),
        language: str | None = None,
    ) -> dict[str, str]:
        shared, values = self._split(context, personal)
        try:
            key = (template, language or settings.LANGUAGE_CODE, _freeze(shared))
        except TypeError:  # a value we cannot compare safely: no sharing
            return render_email(template=template, context=context, language=language)
        if key not in self._skeletons:
            self._skeletons[key] = self._skeleton(template, shared, language)
        skeleton = self._skeletons[key]
        if skeleton is None:
            return render_email(template=template, context=context, language=language)
        escaped = {index: conditional_escape(value) for index, value in values.items()}
        raw = {
            "subject": _fill(skeleton["subject"], values),
            "body_text": _fill(skeleton["body_text"], values),
            "body_html": _fill(skeleton["body_html"], escaped),
        }
        return _finish(raw)

    def _split(self, context: Mapping[str, Any], personal: Sequence[str]) -> tuple[dict, dict[int, str]]:
        shared = dict(context)
        values: dict[int, str] = {}
        for index, path in enumerate(personal):
            *parents, name = path.split(".")
            holder = shared
            for parent in parents:
                if not isinstance(holder.get(parent), dict):
                    holder = None  # nothing there: the path is not personal in this context
                    break
                holder[parent] = dict(holder[parent])  # copied: the caller's context is left alone
                holder = holder[parent]
            value = holder.get(name) if holder is not None else None
            if type(value) is str and value:
                values[index] = value
                holder[name] = self._marker(index)
        return shared, values

    def _skeleton(self, template: str, shared: dict, language: str | None) -> dict[str, list] | None:
        self.rendered += 1
        raw = _render_raw(template=template, context=shared, language=language)
        skeleton = {}
        for part, text in raw.items():
            pieces = self._MARKER.split(text)
            # Every trace of a marker must be a whole marker: otherwise a filter changed a value (|upper, |truncate…).
            if text.lower().count(self._NONCE) != (len(pieces) - 1) // 2:
                return None
            skeleton[part] = [int(piece) if i % 2 else piece for i, piece in enumerate(pieces)]
        return skeleton


def _fill(pieces: list, values: Mapping[int, str]) -> str:
    return "".join(values[piece] if isinstance(piece, int) else piece for piece in pieces)


def _freeze(value: Any) -> Any:
    """A hashable, type-exact image of a context made of plain data; TypeError for anything else (a model, an enum,
    a lazy translation whose text depends on the language active when rendering): such a context is not shared."""
    kind = type(value)
    if value is None or kind in (bool, int, float, Decimal, str, SafeString):
        return (kind.__name__, value)
    if kind is dict:
        return ("dict", tuple(sorted((str(k), _freeze(v)) for k, v in value.items())))
    if kind in (list, tuple):
        return (kind.__name__, tuple(_freeze(v) for v in value))
    raise TypeError(kind.__name__)


def _render(name: str, context: dict[str, Any], *, autoescape: bool) -> str:
    template = get_template(name)
    if isinstance(template, DjangoBackendTemplate):
        return template.template.render(Context(context, autoescape=autoescape))
    return template.render(context)  # another template engine: its own escaping rules


def _message_id() -> str:
    return make_msgid(idstring="outbox", domain=urlsplit(settings.SITE_URL).hostname or "localhost")


def _build(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    reply_to: str | None,
    headers: Mapping[str, str] | None,
    dedupe_key: str | None,
    kind: str,
    language: str | None,
    from_email: str | None,
    sensitive: bool = False,
    secrets: Sequence[str] = (),
    rendered: Mapping[str, str] | None = None,
) -> OutboxEmail:
    validate_email(to)
    if reply_to:
        validate_email(reply_to)
    headers = dict(headers or {})
    for name, value in headers.items():
        if not isinstance(name, str) or not isinstance(value, str) or "\n" in name + value or "\r" in name + value:
            raise ValueError(f"Invalid email header {name!r}: {value!r}")
    if not any(name.lower() == "message-id" for name in headers):
        headers["Message-ID"] = _message_id()
    now = timezone.now()
    if rendered is None:
        rendered = render_email(template=template, context=context, language=language)
    secret_values = sorted({str(value) for value in secrets if value})
    sensitive = sensitive or contains_secret(
        rendered["body_text"], rendered["body_html"], *headers.values(), extra=secret_values
    )
    return OutboxEmail(
        to=to,
        from_email=from_email or settings.DEFAULT_FROM_EMAIL,
        reply_to=reply_to or "",
        headers=headers,
        kind=kind,
        dedupe_key=dedupe_key or None,
        created_at=now,
        next_attempt_at=now,
        sensitive=sensitive,
        secret_values=secret_values,
        **rendered,
    )


def _send_on_commit(ids: Sequence[int]) -> None:
    if ids:
        transaction.on_commit(partial(enqueue, list(ids)))


def enqueue(ids: Sequence[int]) -> None:
    """Queue the sending of these rows now, in chunks. A broker error is logged: the sweep will catch up.

    The tasks are called by name (a Celery signature), so this module does not import outbox/tasks.py; with
    CELERY_TASK_ALWAYS_EAGER they still run in-process, as the registered task is looked up by its name.
    """
    try:
        if len(ids) == 1:
            current_app.signature(SEND_EMAIL_TASK, args=[ids[0]]).delay()
            return
        for start in range(0, len(ids), CHUNK_SIZE):
            current_app.signature(SEND_EMAILS_TASK, args=[list(ids[start : start + CHUNK_SIZE])]).delay()
    except Exception as error:  # kombu.OperationalError, redis.ConnectionError, OSError...
        if current_app.conf.task_always_eager:
            raise  # in-process tasks: an error here is a bug, not an outage
        logger.warning("Outbox: could not queue %s email(s), the sweep will send them: %r", len(ids), error)


@transaction.atomic
def queue_email(
    *,
    to: str,
    template: str,
    context: Mapping[str, Any],
    reply_to: str | None = None,
    headers: Mapping[str, str] | None = None,
    dedupe_key: str | None = None,
    kind: str = "",
    language: str | None = None,
    from_email: str | None = None,
    sensitive: bool = False,
    secrets: Sequence[str] = (),
) -> OutboxEmail:
    """Render an email, store it as a queued row, and queue its sending once the transaction commits.

    With a ``dedupe_key`` already used, return the existing row and queue nothing. ``sensitive=True`` (or a
    personal link found in the email) keeps the body out of sight and removes the link once the email has left;
    ``secrets`` are values to mask that are not links (a login code).
    """
    if dedupe_key:
        existing = OutboxEmail.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing
    email = _build(
        to=to,
        template=template,
        context=context,
        reply_to=reply_to,
        headers=headers,
        dedupe_key=dedupe_key,
        kind=kind,
        language=language,
        from_email=from_email,
        sensitive=sensitive,
        secrets=secrets,
    )
    if email.dedupe_key:
        fields = {f.attname: getattr(email, f.attname) for f in OutboxEmail._meta.concrete_fields if not f.primary_key}
        del fields["dedupe_key"]
        email, created = OutboxEmail.objects.get_or_create(dedupe_key=email.dedupe_key, defaults=fields)
        if not created:
            return email
    else:
        email.save(force_insert=True)
    _send_on_commit([email.pk])
    return email


@transaction.atomic
def queue_emails(
    emails: Iterable[Mapping[str, Any]], *, send: Callable[[list[OutboxEmail]], Any] | None = None
) -> list[OutboxEmail]:
    """Bulk ``queue_email``: each item holds ``queue_email``'s keyword arguments.

    An item may also name its ``personal`` context values (``["first_name", "tender.structure"]``): the items of
    one call then share the rendering of whatever else is equal in their contexts (``EmailBatch``) — one rendering
    per tender for a chunk of alerts instead of one per person, with the same result.

    Returns the rows in the order given (for a ``dedupe_key`` already used, the existing row). The new rows are
    inserted in one statement per batch and sent on commit by ``send_emails`` tasks of ``CHUNK_SIZE`` ids.

    ``send``: a worker that wants to send its chunk itself (``outbox.tasks.send_now``) passes the function called
    on commit with the new rows, instead of queuing tasks: no trip through the broker, no second read of the
    bodies. It runs after the commit (``robust``: an error is logged, the rows stay queued for the sweep).
    """
    items = [dict(item) for item in emails]
    keys = [item.get("dedupe_key") for item in items if item.get("dedupe_key")]
    if len(keys) != len(set(keys)):
        raise ValueError("queue_emails: the same dedupe_key appears twice in one call")
    existing = {email.dedupe_key: email for email in OutboxEmail.objects.filter(dedupe_key__in=keys)} if keys else {}

    result: list[OutboxEmail | str] = []
    new_plain: list[OutboxEmail] = []
    new_keyed: list[OutboxEmail] = []
    batch = EmailBatch()
    for item in items:
        key = item.get("dedupe_key")
        if key and key in existing:
            result.append(existing[key])
            continue
        rendered = None
        if item.get("personal"):
            rendered = batch.render(
                template=item["template"],
                context=item.get("context", {}),
                personal=item["personal"],
                language=item.get("language"),
            )
        email = _build(
            to=item["to"],
            template=item["template"],
            context=item.get("context", {}),
            reply_to=item.get("reply_to"),
            headers=item.get("headers"),
            dedupe_key=key,
            kind=item.get("kind", ""),
            language=item.get("language"),
            from_email=item.get("from_email"),
            sensitive=item.get("sensitive", False),
            secrets=item.get("secrets", ()),
            rendered=rendered,
        )
        (new_keyed if key else new_plain).append(email)
        result.append(key or email)

    _stored(new_plain, insert_objects(new_plain))
    new_ids = [email.pk for email in new_plain]
    if new_keyed:
        # A concurrent transaction may insert the same key meanwhile: ON CONFLICT DO NOTHING. The rows we built are the
        # rows stored, bodies included: only their ids come back; the others' rows are read.
        ours = dict(insert_objects(new_keyed, ignore_conflicts=True, returning=("dedupe_key", "id")))
        theirs = []
        for email in new_keyed:
            if email.dedupe_key in ours:
                _stored([email], [(ours[email.dedupe_key],)])
                existing[email.dedupe_key] = email
                new_ids.append(email.pk)
            else:
                theirs.append(email.dedupe_key)
        if theirs:
            found = list(OutboxEmail.objects.filter(dedupe_key__in=theirs))
            existing.update({email.dedupe_key: email for email in found})
            new_ids += [email.pk for email in found]  # queued twice in a race at worst: still sent once
    rows = [existing[entry] if isinstance(entry, str) else entry for entry in result]
    if send is None:
        _send_on_commit(sorted(new_ids))
    elif new_ids:
        wanted = set(new_ids)
        transaction.on_commit(partial(send, [row for row in rows if row.pk in wanted]), robust=True)
    return rows


def _stored(emails: Sequence[OutboxEmail], ids: Sequence[tuple]) -> None:
    """The built rows as saved ones: their id, and the state of a row read from the database."""
    for email, (pk,) in zip(emails, ids, strict=True):
        email.pk = pk
        email._state.adding, email._state.db = False, OutboxEmail.objects.db


@transaction.atomic
def requeue_failed(*, emails: Iterable[OutboxEmail] | None = None, ids: Iterable[int] | None = None) -> int:
    """Give failed emails a fresh set of attempts and queue them again ("Renvoyer" in the admin).

    A sensitive email (its link was removed when it failed) or one whose body was purged is not sent again: the
    person asks for a new link instead.
    """
    pks = [email.pk for email in emails or []] + list(ids or [])
    locked = list(
        OutboxEmail.objects.failed()
        .resendable()
        .filter(pk__in=pks)
        .select_for_update(of=("self",))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    OutboxEmail.objects.filter(pk__in=locked).update(
        status=OutboxEmail.Status.QUEUED, attempts=0, next_attempt_at=timezone.now()
    )
    _send_on_commit(locked)
    return len(locked)


def masked(email: OutboxEmail) -> dict[str, Any]:
    """The row's body and headers as anyone may read them: every personal link masked."""
    extra = list(email.secret_values or [])
    return {
        "body_text": redact(email.body_text, extra=extra),
        "body_html": redact(email.body_html, extra=extra),
        "headers": redact_headers(email.headers, extra=extra),
    }


def redact_error(error: str, *, email: OutboxEmail | None = None) -> str:
    """An error message as it may be stored and logged (a refused header can quote a personal link)."""
    return redact(error, extra=list(email.secret_values or []) if email is not None else ())


@transaction.atomic
def forget_secrets(
    *, ids: Iterable[int], locked: Sequence[OutboxEmail] | None = None, sent_at: datetime | None = None
) -> list[int]:
    """Replace the body and headers of the sensitive rows among `ids` that are sent or failed by their masked form.

    Called by the worker in the transaction that records the sending (outbox/tasks.py); safe to call twice.
    `locked`: the rows as the caller holds them, locked in its transaction and just sent or finally failed (the
    worker), so they need not be read again; without it they are read and locked here. `sent_at`: the `locked` rows
    were just sent, and the same UPDATE records it (status, time, attempt). Returns the ids of the rows changed.
    """
    ids = list(ids)
    if not ids:
        return []
    if sent_at is not None and locked is None:
        raise ValueError("forget_secrets(sent_at=...) records rows the caller holds: pass them as `locked`")
    if locked is not None:
        wanted = set(ids)
        rows = [row for row in locked if row.pk in wanted and row.sensitive and row.secrets_removed_at is None]
    else:
        rows = list(
            OutboxEmail.objects.exclude(status=OutboxEmail.Status.QUEUED)
            .filter(pk__in=ids, sensitive=True, secrets_removed_at__isnull=True)
            .select_for_update(of=("self",))
            .order_by("pk")
        )
    if rows:
        _write_masked(rows, now=timezone.now(), sent_at=sent_at)
    return [row.pk for row in rows]


def _write_masked(rows: Sequence[OutboxEmail], *, now, sent_at=None) -> None:
    """One UPDATE … FROM (VALUES …) for the rows' masked bodies and headers (`bulk_update`'s CASE per row and field
    cost more than the sending itself for a chunk of alerts); with `sent_at`, the rows are recorded as sent too."""
    table = connection.ops.quote_name(OutboxEmail._meta.db_table)
    values, params = [], []
    for row in rows:
        form = masked(row)
        values.append("(%s::bigint, %s::text, %s::text, %s::jsonb)")
        params += [row.pk, form["body_text"], form["body_html"], json.dumps(form["headers"])]
    assignments = "body_text = v.body_text, body_html = v.body_html, headers = v.headers"
    if sent_at is not None:
        assignments += ", status = %s, sent_at = %s, attempts = o.attempts + 1"
    rows_sql = ", ".join(values)
    # Only the table name and placeholders are formatted in; the values are parameters.
    sql = f"UPDATE {table} AS o SET {assignments}, secret_values = '[]'::jsonb, secrets_removed_at = %s "  # noqa: S608
    sql += f"FROM (VALUES {rows_sql}) AS v(id, body_text, body_html, headers) WHERE o.id = v.id"
    sent = [OutboxEmail.Status.SENT, sent_at] if sent_at is not None else []
    with connection.cursor() as cursor:
        cursor.execute(sql, [*sent, now, *params])


def body_retention_cutoff(now=None):
    days = getattr(settings, "OUTBOX_BODY_RETENTION_DAYS", 90)
    return (now or timezone.now()) - timedelta(days=days)


@transaction.atomic
def purge_bodies(*, before, limit: int = PURGE_CHUNK) -> int:
    """Empty the body of at most `limit` sent or failed rows created before `before` (oldest first).

    The row stays, with its metadata (recipient, subject, kind, status, attempts, error, dates); queued rows are
    never touched. Rows another transaction holds (the worker) are skipped and purged by a later run.
    """
    ids = list(
        OutboxEmail.objects.with_body_older_than(before)
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        OutboxEmail.objects.filter(pk__in=ids).update(
            body_text="", body_html="", headers={}, secret_values=[], body_purged_at=timezone.now()
        )
    return len(ids)
