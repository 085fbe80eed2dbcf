"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, a free port, in a thread).

    def test_something(smtp_server):          # fixture: started, and settings.MAILERS points at it
        ...
        smtp_server.wait_for(1)
        message = smtp_server.messages[0]     # email.message.EmailMessage (policy=default)
        message["To"], message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()

    smtp_server.refuse(451, "Boîte pleine")                  # every RCPT TO answered 451 from now on
    smtp_server.refuse(451, times=2)                         # the next two RCPT TO only
    smtp_server.refuse(550, address="absent@exemple.fr")     # only this recipient
    smtp_server.refuse(554, stage="DATA")                    # refuse after DATA
    smtp_server.messages_per_connection = 10                 # then 421 and close, like some relays
    smtp_server.accept()                                     # back to accepting everything

Outside pytest: ``with SMTPServer() as server: ...`` and ``server.mailers()`` gives a MAILERS setting for it.

For throughput measurements use ``SMTPServerProcess`` (same server, in a child process): a server thread competes
with the sender for the GIL and makes the sender look several times slower than it is.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import multiprocessing
import socket
import threading
import time
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller


@dataclass
class Refusal:
    code: int
    text: str
    stage: str  # "RCPT" or "DATA"
    address: str | None
    times: int | None  # None: forever

    def applies(self, stage: str, addresses: list[str]) -> bool:
        if stage != self.stage or self.times == 0:
            return False
        return self.address is None or self.address.lower() in (a.lower() for a in addresses)

    def reply(self) -> str:
        if self.times is not None:
            self.times -= 1
        return f"{self.code} {self.text}"


class SMTPServer:
    host = "127.0.0.1"

    def __init__(self, *, delay: float = 0.0):
        self.raw: list[bytes] = []  # each accepted message as received; parsed on demand by .messages
        self._parsed: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []  # (MAIL FROM, RCPT TOs) of each accepted message
        self.connections = 0  # EHLO/HELO count: one per SMTP connection
        self.rcpt_attempts = 0  # RCPT TO commands received (accepted or refused)
        self.refused = 0
        self.delay = delay  # seconds spent on each DATA (to widen race windows)
        self.messages_per_connection: int | None = None  # then "421" and the connection is closed, as some relays do
        self._refusals: list[Refusal] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None
        self.port = 0

    # aiosmtpd handler hooks -----------------------------------------------------------------------------------
    async def handle_HELO(self, server, session, envelope, hostname):
        session.host_name = hostname
        with self._lock:
            self.connections += 1
        return f"250 {server.hostname}"

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self._lock:
            self.connections += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        limit = self.messages_per_connection
        if limit and getattr(session, "messages_accepted", 0) >= limit:
            asyncio.get_running_loop().call_soon(server.transport.close)
            return "421 4.7.0 Too many messages on this connection"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        with self._lock:
            self.rcpt_attempts += 1
            refusal = self._refusal("RCPT", [address])
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # blocks the server loop on purpose: a slow server
        with self._lock:
            refusal = self._refusal("DATA", list(envelope.rcpt_tos))
            if refusal:
                return refusal
            content = envelope.original_content or envelope.content
            if isinstance(content, str):
                content = content.encode()
            self.raw.append(content)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            session.messages_accepted = getattr(session, "messages_accepted", 0) + 1
        return "250 Message accepted for delivery"

    def _refusal(self, stage: str, addresses: list[str]) -> str | None:
        for refusal in self._refusals:
            if refusal.applies(stage, addresses):
                self.refused += 1
                return refusal.reply()
        return None

    # Control ----------------------------------------------------------------------------------------------------
    def refuse(
        self,
        code: int,
        text: str = "Refused by the test server",
        *,
        stage: str = "RCPT",
        address: str | None = None,
        times: int | None = None,
    ) -> None:
        with self._lock:
            self._refusals.append(Refusal(code, text, stage, address, times))

    def accept(self) -> None:
        with self._lock:
            self._refusals.clear()

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        """The accepted messages, parsed (email.policy.default), in the order they arrived."""
        with self._lock:
            for content in self.raw[len(self._parsed) :]:
                self._parsed.append(email.message_from_bytes(content, policy=email.policy.default))
            return list(self._parsed)

    def recipients(self) -> list[str]:
        return [rcpt for _, rcpts in self.envelopes for rcpt in rcpts]

    def wait_for(self, count: int, timeout: float = 20.0) -> list[email.message.EmailMessage]:
        """Wait until `count` messages arrived (for asynchronous senders such as a Celery worker)."""
        deadline = time.monotonic() + timeout
        while len(self.raw) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.raw) >= count, f"{len(self.raw)} message(s) received, {count} expected"
        return self.messages

    def mailers(self) -> dict:
        """A MAILERS setting that sends to this server."""
        return {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": self.host, "port": self.port, "timeout": 10},
            }
        }

    def start(self) -> SMTPServer:
        logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
        for _ in range(5):  # a free port can be taken between the probe and the bind: try another
            with socket.socket() as probe:
                probe.bind((self.host, 0))
                self.port = probe.getsockname()[1]
            controller = Controller(
                _Hooks(self), hostname=self.host, port=self.port, ready_timeout=5, server_hostname="smtp.test"
            )  # a fixed name: the default, socket.getfqdn(), can cost a DNS timeout per connection
            try:
                controller.start()
            except (OSError, RuntimeError):
                continue
            self._controller = controller
            return self
        raise RuntimeError("Could not start the test SMTP server")

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SMTPServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


class _Hooks:
    """What aiosmtpd sees of an SMTPServer: its hooks only.

    aiosmtpd runs `inspect.getmembers(handler)` for every new connection, which evaluates every property: given the
    SMTPServer itself, each connection parsed every message received so far (`messages`), and kept them parsed. A
    benchmark's sink then spent seconds per connection and slowed down run after run.
    """

    def __init__(self, server: SMTPServer):
        self._server = server

    async def handle_HELO(self, server, session, envelope, hostname):
        return await self._server.handle_HELO(server, session, envelope, hostname)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        return await self._server.handle_EHLO(server, session, envelope, hostname, responses)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        return await self._server.handle_MAIL(server, session, envelope, address, mail_options)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return await self._server.handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server, session, envelope):
        return await self._server.handle_DATA(server, session, envelope)


def _serve(conn) -> None:
    with SMTPServer() as server:
        conn.send(server.port)
        while (command := conn.recv()) != "stop":
            conn.send(len(server.raw) if command == "count" else server.recipients())


class SMTPServerProcess:
    """An SMTPServer in a child process (spawned): .port, .count(), .recipients(), .mailers(), .stop()."""

    host = SMTPServer.host

    def start(self) -> SMTPServerProcess:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child,), daemon=True)
        self._process.start()
        if not self._conn.poll(30):
            raise RuntimeError("The test SMTP server process did not start")
        self.port = self._conn.recv()
        return self

    def count(self) -> int:
        self._conn.send("count")
        return self._conn.recv()

    def recipients(self) -> list[str]:
        self._conn.send("recipients")
        return self._conn.recv()

    def wait_for(self, count: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count() < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.count() >= count, f"{self.count()} message(s) received, {count} expected"

    mailers = SMTPServer.mailers

    def stop(self) -> None:
        self._conn.send("stop")
        self._process.join(10)

    def __enter__(self) -> SMTPServerProcess:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


def free_port() -> int:
    """A local port nobody listens on (to test a refused connection)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    """A running SMTPServer; the default mailer (settings.MAILERS) sends to it for the duration of the test."""
    with SMTPServer() as server:
        settings.MAILERS = server.mailers()
        yield server
