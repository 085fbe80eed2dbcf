"""An outbox row as the bytes an SMTP server receives, built without the `email` package's header machinery.

Django's `EmailMessage.message()` parses every header through `email.headerregistry` and picks each part's
transfer encoding by trial: about as long per email as the SMTP exchange itself. The worker sends rows of the same
shape over and over (a text part, an HTML alternative, a few ASCII headers), so `MessageWriter` writes them
directly: what repeats in a chunk (the From and Subject lines folded by the `email` package's SMTP policy, the part
headers) is computed once and kept, and each row only adds its recipient, Message-ID, personal headers and bodies.

The message reads the same once parsed: same header values, same text and HTML (tests parse both builds). Anything
outside that shape — a non-ASCII address, a header value with a line break, a body line over 998 bytes — returns
None and the row goes through Django's builder as before.
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from datetime import UTC, datetime
from functools import lru_cache
from secrets import token_hex

from django.conf import settings
from django.core.mail import make_msgid
from django.core.mail.message import DNS_NAME
from django.utils.timezone import get_current_timezone

CRLF = b"\r\n"
MAX_LINE = 998  # RFC 5322 § 2.1.1, without the CRLF
# An address we may write as it is: ASCII, no display name, nothing to quote.
PLAIN_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")
HANDLED = {"from", "to", "cc", "bcc", "reply-to", "subject", "date", "mime-version", "content-type"}
POLICY = email.policy.SMTP


@lru_cache(maxsize=256)
def folded(name: str, value: str) -> bytes:
    """`Name: value` as Django's message would write it (the SMTP policy's folding), kept for the next rows."""
    return POLICY.header_factory(name, value).fold(policy=POLICY).encode("ascii")


def _plain(name: str, value: str) -> bytes | None:
    """`Name: value` on one line when no folding or encoding is needed, else the policy's (cached) folding."""
    if "\r" in value or "\n" in value:
        return None
    if value.isascii() and len(name) + 2 + len(value) <= MAX_LINE:
        return f"{name}: {value}".encode("ascii") + CRLF
    return folded(name, value)


def _body(text: str) -> tuple[bytes, bytes] | None:
    """(Content-Transfer-Encoding, body) for a text part: its lines as they are (8bit), CRLF-terminated."""
    lines = text.encode("utf-8").splitlines()
    if any(len(line) > MAX_LINE for line in lines):
        return None
    encoding = b"7bit" if all(line.isascii() for line in lines) else b"8bit"
    return encoding, CRLF.join(lines) + CRLF


class MessageWriter:
    """Writes outbox rows as SMTP payloads; one writer per chunk keeps what the chunk's rows share."""

    def __init__(self):
        self._addresses: dict[str, str | None] = {}

    def envelope_address(self, address: str, prep) -> str:
        """The addr-spec the SMTP envelope needs (`prep`: the mailer's own `prep_address`, for the unusual ones)."""
        if address not in self._addresses:
            self._addresses[address] = address if PLAIN_ADDRESS.fullmatch(address) else prep(address)
        return self._addresses[address]

    def payload(self, row) -> bytes | None:
        """The row's message as bytes with CRLF line ends (smtplib dot-stuffs it), or None: use Django's builder."""
        headers = dict(row.headers or {})
        names = {name.lower() for name in headers}
        if names & HANDLED or not PLAIN_ADDRESS.fullmatch(row.to):
            return None
        if row.reply_to and not PLAIN_ADDRESS.fullmatch(row.reply_to):
            return None
        text = _body(row.body_text)
        html = _body(row.body_html) if row.body_html else None
        if text is None or (row.body_html and html is None):
            return None

        lines = []
        if "message-id" not in names:
            headers["Message-ID"] = make_msgid(domain=DNS_NAME)
        for name, value in (
            ("Subject", str(row.subject)),
            ("From", sender(row)),
            ("To", row.to),
            *((("Reply-To", row.reply_to),) if row.reply_to else ()),
            ("Date", email.utils.format_datetime(datetime.now(get_current_timezone() if _localtime() else UTC))),
            *headers.items(),
        ):
            if not isinstance(value, str) or not name.isascii():
                return None
            line = folded(name, value) if name in ("Subject", "From") else _plain(name, value)
            if line is None:
                return None
            lines.append(line)

        lines.append(b"MIME-Version: 1.0\r\n")
        if html is None:
            lines += [
                b'Content-Type: text/plain; charset="utf-8"\r\n',
                b"Content-Transfer-Encoding: " + text[0] + CRLF,
                CRLF,
                text[1],
            ]
            return b"".join(lines)
        boundary = b"===============" + token_hex(10).encode("ascii") + b"=="
        lines += [
            b'Content-Type: multipart/alternative; boundary="' + boundary + b'"\r\n',
            CRLF,
            b"--" + boundary + CRLF,
            b'Content-Type: text/plain; charset="utf-8"\r\n',
            b"Content-Transfer-Encoding: " + text[0] + CRLF,
            CRLF,
            text[1],
            CRLF + b"--" + boundary + CRLF,
            b'Content-Type: text/html; charset="utf-8"\r\n',
            b"Content-Transfer-Encoding: " + html[0] + CRLF,
            CRLF,
            html[1],
            CRLF + b"--" + boundary + b"--" + CRLF,
        ]
        payload = b"".join(lines)
        if payload.count(b"--" + boundary) != 3:  # a body that happens to hold the boundary: never, but be sure
            return None
        return payload


def sender(row) -> str:
    """The From of the row as Django's message has it (its DEFAULT_FROM_EMAIL when the row names none)."""
    return row.from_email or settings.DEFAULT_FROM_EMAIL


def _localtime() -> bool:
    return bool(getattr(settings, "EMAIL_USE_LOCALTIME", False))
