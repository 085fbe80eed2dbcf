"""Development only: the emails the site sent, as `make run`'s SMTP server caught them (issue 15).

`make run` starts a mail catcher (scripts/services.py, `--mail`) when EMAIL_URL is unset: every email the outbox
sends lands there as one `.eml` file in DEVMAIL_DIR, and goes nowhere else. `settings_dev` sets DEVMAIL_DIR and adds
`banner` to the context processors (the "N courriels envoyés" banner of the layout); `ess2024/urls.py` adds these
pages only when DEVMAIL_DIR is set. The production settings have neither (tests/test_devmail.py keeps it so).

Pages: /dev/courriels/ lists the emails, newest first; each one shows its headers, its HTML part (in a sandboxed
frame whose links open in the page) and its text part with working links.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override
from django.views.decorators.http import require_POST

# The catcher names each file <nanoseconds>-<pid>-<counter>.eml (scripts/services.py catch_mail).
NAME = re.compile(r"^[0-9]+-[0-9]+-[0-9]+$")
# The caught HTML is shown as sent: its inline styles and data: images only, no script, links open in the page.
HTML_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.UNSAFE_INLINE],
    "img-src": [CSP.SELF, "data:"],
    "frame-ancestors": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.NONE],
}


def folder() -> Path | None:
    configured = getattr(settings, "DEVMAIL_DIR", None)
    return Path(configured) if configured else None


def _files() -> list[Path]:
    """The caught emails, newest first."""
    where = folder()
    if where is None or not where.is_dir():
        return []
    found = [entry for entry in where.iterdir() if entry.suffix == ".eml" and NAME.match(entry.stem)]
    return sorted(found, key=lambda entry: tuple(int(part) for part in entry.stem.split("-")), reverse=True)


def count() -> int:
    return len(_files())


@dataclass
class CaughtEmail:
    name: str
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def to(self) -> str:
        return str(self.message.get("To", ""))

    @property
    def sender(self) -> str:
        return str(self.message.get("From", ""))

    @property
    def reply_to(self) -> str:
        return str(self.message.get("Reply-To", ""))

    @property
    def date(self) -> datetime | None:
        try:
            return parsedate_to_datetime(str(self.message["Date"]))
        except (KeyError, TypeError, ValueError):
            return None

    def _part(self, subtype: str) -> str:
        part = self.message.get_body((subtype,))
        if part is None:
            return ""
        try:
            return part.get_content()
        except (LookupError, UnicodeDecodeError):
            return part.get_payload(decode=True).decode("utf-8", "replace")

    @property
    def text(self) -> str:
        return self._part("plain")

    @property
    def html(self) -> str:
        return self._part("html")


def load(name: str) -> CaughtEmail:
    where = folder()
    if where is None or not NAME.match(name):
        raise Http404
    try:
        raw = (where / f"{name}.eml").read_bytes()
    except OSError as exc:
        raise Http404 from exc
    return CaughtEmail(name, email.message_from_bytes(raw, policy=email.policy.default))


def banner(request):
    """Context processor (settings_dev only): how many emails the development SMTP server caught."""
    if folder() is None:
        return {}
    return {"devmail_count": count()}


# -- views ---------------------------------------------------------------------------------------------------------
def index(request):
    caught = [load(entry.stem) for entry in _files()[:200]]
    return render(request, "devmail/index.html", {"emails": caught, "total": count(), "folder": folder()})


def detail(request, name: str):
    return render(request, "devmail/detail.html", {"email": load(name)})


@xframe_options_sameorigin
@csp_override(HTML_CSP)
def html(request, name: str):
    """The HTML part alone, for the detail page's frame; its links leave the frame (<base target="_top">)."""
    body = load(name).html
    if not body:
        raise Http404
    base = '<base target="_top">'
    head = re.search(r"<head\b[^>]*>", body, re.IGNORECASE)
    body = body[: head.end()] + base + body[head.end() :] if head else base + body
    return HttpResponse(body, content_type="text/html; charset=utf-8")


@require_POST
def clear(request):
    for entry in _files():
        entry.unlink(missing_ok=True)
    return redirect("devmail:index")


app_name = "devmail"
urlpatterns = [
    path("", index, name="index"),
    path("effacer/", clear, name="clear"),
    path("<str:name>/", detail, name="detail"),
    path("<str:name>/html/", html, name="html"),
]
