"""Notifications: from publication until 5,000 matched structures have each received their email.

Real pieces only: the tender is published through `tender_publish` in a committed transaction; `celery -A ess2024
worker` subprocesses (one, then two, `--pool=solo`) consume from Redis and use the bench database; each email
goes out through the outbox to a local aiosmtpd server (tests/smtp.py, in its own process) that counts them. The clock
stops when the 5,000th message is accepted; every recipient must have received exactly one.

Beside it, in the same run and to the same server, right after each timed run: a raw `smtplib` loop sending that
run's 5,000 messages again over one connection — the ceiling of this machine's SMTP path without rendering,
database or queue. Its clock starts once the connection is greeted, and it runs twice: the faster loop is the
reference (the stricter one). The ratio compares the best run with the reference measured right after it.

Figures: `notify.5000.seconds_1_worker`, `notify.5000.seconds_2_workers`, `notify.emails_per_s` (5,000 / the
best of the two), `notify.smtplib_emails_per_s`, `notify.alerts.smtp_ratio` (the first rate ÷ the second: the goal
of issue 13 is ≥ 0.5) and `notify.profile.ms_per_email`. Before the timed runs, two chunks of a worker's work are
profiled in this process (cProfile, printed: where an email's time goes). The broker is REDIS_URL's server,
database 13 (nothing else consumes there); workers are stopped at the end, whatever happens, and the recipients are
deleted (the structures table keeps the size bench_matching measures).
"""

from __future__ import annotations

import datetime
import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.common import PROJECT_DIR, figure

NOTIFIED = 5_000
SIRET_OFFSET = 8_000_000
BROKER_DB = 13
RUN_TIMEOUT = 420  # seconds: a run that takes longer fails the benchmark instead of hanging it
LOG_DIR = PROJECT_DIR / ".data" / "bench-notify"


def broker_url() -> str:
    parts = urlsplit(os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0")
    return urlunsplit(parts._replace(path=f"/{BROKER_DB}"))


def ensure_recipients() -> None:
    """5,000 verified structures serving an inactive bench topic nationwide, one member each (idempotent)."""
    from django.contrib.auth.hashers import make_password
    from django.db import transaction

    from accounts.models import User
    from structures.models import Area, Membership, Structure, Topic, VerificationStatus
    from structures.validators import make_siret

    topic, _ = Topic.objects.get_or_create(
        slug="bench-notify", defaults={"name": "Mesure des envois", "position": 99, "is_active": False}
    )
    existing = Structure.objects.filter(slug__startswith="bench-notify-").count()
    if existing >= NOTIFIED:
        return
    france = Area.objects.get(code="FR")
    with transaction.atomic():
        numbers = range(existing, NOTIFIED)
        structures = Structure.objects.bulk_create(
            Structure(
                name=f"Structure destinataire {n}",
                slug=f"bench-notify-{n}",
                siret=make_siret(SIRET_OFFSET + n),
                legal_form="association",
                turnover="100k-500k",
                verification_status=VerificationStatus.VERIFIED,
            )
            for n in numbers
        )
        unusable = make_password(None)  # nobody logs in as a bench recipient
        users = User.objects.bulk_create(
            User(email=f"bench-notify-{n}@exemple.fr", password=unusable, first_name="Camille") for n in numbers
        )
        Structure.topics.through.objects.bulk_create(
            Structure.topics.through(structure_id=s.pk, topic_id=topic.pk) for s in structures
        )
        Structure.areas.through.objects.bulk_create(
            Structure.areas.through(structure_id=s.pk, area_id=france.pk) for s in structures
        )
        Membership.objects.bulk_create(
            Membership(structure=s, user=u, role=Membership.Role.ADMIN) for s, u in zip(structures, users, strict=True)
        )
    from bench.bench_matching import analyze

    analyze()


def clean(*, recipients: bool = False) -> None:
    """Remove the bench tenders and emails; with `recipients`, the 5,000 structures and people too (so the
    structures table keeps the size bench_matching measures)."""
    from accounts.models import User
    from outbox.models import OutboxEmail
    from structures.models import Structure
    from tenders.models import Tender

    Tender.objects.filter(reference__startswith="BENCH-NOTIFY-").delete()  # notifications and dispatch cascade
    OutboxEmail.objects.filter(to__startswith="bench-notify-").delete()
    if recipients:
        Structure.objects.filter(slug__startswith="bench-notify-").delete()
        User.objects.filter(email__startswith="bench-notify-").delete()


def new_tender(label: str):
    from django.utils import timezone

    from structures.models import Area, Topic
    from tenders.models import BuyerOrganisation, Tender

    buyer, _ = BuyerOrganisation.objects.get_or_create(
        slug="bench-notify", defaults={"name": "Acheteur de mesure (envois)", "kind": "public_body"}
    )
    tender = Tender.objects.create(
        buyer=buyer,
        reference=f"BENCH-NOTIFY-{label}",
        title=f"Appel d'offres de mesure {label}",
        slug=f"bench-notify-{label.lower()}",
        description="Mesure du temps de diffusion.",
        bid_deadline=timezone.now() + datetime.timedelta(days=30),
        estimated_value=80_000,
    )
    tender.topics.set([Topic.objects.get(slug="bench-notify")])
    tender.places.set([Area.objects.get(code="75111")])
    return tender


class Workers:
    """`count` real Celery worker processes on the bench database, sending to the given SMTP port."""

    def __init__(self, count: int, smtp_port: int):
        self.count = count
        self.smtp_port = smtp_port
        self.processes: list[subprocess.Popen] = []

    def __enter__(self) -> Workers:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ess2024.settings",
            "DEBUG": "0",
            "SECRET_KEY": "bench-notify-secret-key-not-for-production-0123456789",
            "REDIS_URL": broker_url(),
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}",
            "SITE_URL": "http://127.0.0.1:8000",
            "LOG_LEVEL": "WARNING",
        }
        try:
            for number in range(self.count):
                log = open(LOG_DIR / f"worker-{self.count}-{number}.log", "w")  # noqa: SIM115 - closed with the process
                self.processes.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "celery",
                            "-A",
                            "ess2024",
                            "worker",
                            "--pool=solo",
                            "--loglevel=WARNING",
                            "--without-gossip",
                            "--without-mingle",
                            "-n",
                            f"bench-notify-{number}@%h",
                        ],
                        cwd=PROJECT_DIR,
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float = 60) -> None:
        from ess2024.celery import app

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(process.poll() is not None for process in self.processes):
                raise RuntimeError(f"A bench worker exited early: see {LOG_DIR}")
            names = {name for reply in app.control.ping(timeout=0.5) for name in reply}
            if sum(name.startswith("bench-notify-") for name in names) >= self.count:
                return
        raise RuntimeError(f"Bench workers not ready after {timeout} s: see {LOG_DIR}")

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.processes = []

    def __exit__(self, *exc_info) -> None:
        self.stop()


def publish_and_wait(server, label: str) -> float:
    """Seconds from the publishing commit until NOTIFIED emails reached `server` (each recipient once)."""
    from django.db import transaction

    from tenders.services.lifecycle import tender_publish

    tender = new_tender(label)
    before = server.count()
    recipients_before = len(server.recipients())
    started = time.perf_counter()
    with transaction.atomic():
        tender_publish(tender=tender, by=None)
    deadline = started + RUN_TIMEOUT
    while (received := server.count() - before) < NOTIFIED:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"{received} of {NOTIFIED} emails after {RUN_TIMEOUT} s ({label})")
        time.sleep(0.02)
    elapsed = time.perf_counter() - started
    time.sleep(1.0)  # anything sent twice would arrive now
    recipients = server.recipients()[recipients_before:]
    assert len(recipients) == NOTIFIED == len(set(recipients)), (len(recipients), len(set(recipients)))
    assert all(rcpt.startswith("bench-notify-") for rcpt in recipients)
    return elapsed


def smtplib_rate(server, *, loops: int = 2) -> float:
    """Emails per second of a raw smtplib loop sending the last run's messages again, over one connection: the
    best of `loops` loops (the stricter reference on a noisy machine)."""
    import email.policy

    from django.core.mail import EmailMultiAlternatives

    from outbox.models import OutboxEmail

    payloads = []
    for row in OutboxEmail.objects.filter(to__startswith="bench-notify-").order_by("-pk")[:NOTIFIED]:
        message = EmailMultiAlternatives(
            subject=row.subject, body=row.body_text, from_email=row.from_email, to=[row.to], headers=row.headers
        )
        if row.body_html:
            message.attach_alternative(row.body_html, "text/html")
        payloads.append((row.from_email, [row.to], message.message(policy=email.policy.SMTP).as_bytes()))
    assert len(payloads) == NOTIFIED, len(payloads)
    rates = []
    for _loop in range(loops):
        with smtplib.SMTP(server.host, server.port, local_hostname="bench.test") as smtp:
            # The clock starts once the connection is open and greeted: the sink can take from a few milliseconds to
            # over a second to greet a new client after a busy spell, which is not the sending this loop measures.
            smtp.ehlo_or_helo_if_needed()
            started = time.perf_counter()
            for sender, recipients, payload in payloads:
                smtp.sendmail(sender, recipients, payload)
            rates.append(NOTIFIED / (time.perf_counter() - started))
    return max(rates)


PROFILE_CHUNKS = 2  # notification chunks profiled in-process (CHUNK_SIZE each)


def profile_pipeline(server) -> tuple[float, str]:
    """cProfile of what a worker does for PROFILE_CHUNKS chunks of notifications, in this process with Celery
    eager (as the bench settings have it, before `use_broker`) and the same SMTP server: `send_notifications`
    (checks, rendering, outbox rows), then on commit the outbox's `send_emails` (MIME, SMTP, rows marked sent).

    Returns (milliseconds per email, the top functions by own time). On a tender of its own, cleaned with the others.
    """
    import cProfile
    import io
    import pstats

    from django.test import override_settings
    from django.utils import timezone

    from matching import delivery
    from matching.tasks import send_notifications
    from tenders.models import Tender, TenderStatus

    tender = new_tender("PROFILE")  # published without tender_publish: its on-commit dispatch would send all 5,000
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.PUBLISHED, published_at=timezone.now())
    warmup, *chunks = delivery.chunks(delivery.dispatch_tender(tender_id=tender.pk))[: 1 + PROFILE_CHUNKS]
    ids = [pk for chunk in chunks for pk in chunk]
    profiler = cProfile.Profile()
    with override_settings(MAILERS=server.mailers()):
        send_notifications.apply(args=[warmup]).get()  # imports, URL resolver, templates: once per worker
        before = server.count()
        started = time.perf_counter()
        profiler.enable()
        for chunk in chunks:
            send_notifications.apply(args=[chunk]).get()
        profiler.disable()
        elapsed = time.perf_counter() - started
    assert server.count() - before == len(ids), (server.count() - before, len(ids))
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(r"outbox|matching|mail|template/(base|loader)", 30)
    return elapsed * 1000 / len(ids), out.getvalue()


def use_broker() -> None:
    """This process queues tasks in Redis (the bench settings run them in-process otherwise)."""
    import redis

    from ess2024.celery import app

    url = broker_url()
    redis.Redis.from_url(url, socket_connect_timeout=3).ping()  # a clear error when Redis is not there
    app.conf.task_always_eager = False
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None
    app.control.purge()  # leftovers of an interrupted run


def run() -> list[dict]:
    from ess2024.celery import app
    from tests.smtp import SMTPServerProcess

    ensure_recipients()
    clean()
    eager = app.conf.task_always_eager
    seconds = {}
    try:
        with SMTPServerProcess() as server:  # in its own process: no GIL shared with any sender
            app.conf.task_always_eager = True
            profile_ms, profile = profile_pipeline(server)
            print(f"Profil d'un worker ({PROFILE_CHUNKS} lots) : {profile_ms:.2f} ms par courriel\n{profile}")
            use_broker()
            smtplib_per_s = {}
            for workers in (1, 2):
                with Workers(workers, server.port):
                    seconds[workers] = publish_and_wait(server, f"{workers}W")
                # The reference right after each run (that run's 5,000 messages), so that both see the same load.
                smtplib_per_s[workers] = smtplib_rate(server)
    finally:
        app.conf.task_always_eager = eager
        clean(recipients=True)
    best = min(seconds, key=seconds.get)
    return [
        figure("notify.5000.seconds_1_worker", seconds[1], "s"),
        figure("notify.5000.seconds_2_workers", seconds[2], "s"),
        figure("notify.emails_per_s", NOTIFIED / seconds[best], "emails/s"),
        figure("notify.smtplib_emails_per_s", smtplib_per_s[best], "emails/s"),
        figure("notify.alerts.smtp_ratio", NOTIFIED / seconds[best] / smtplib_per_s[best], "ratio"),
        figure("notify.profile.ms_per_email", profile_ms, "ms"),
    ]


if __name__ == "__main__":  # python bench/bench_notify.py: this benchmark alone
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.common import setup_django

    setup_django()
    for line in run():
        print(line)
