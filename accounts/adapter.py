"""allauth's emails (verification, password reset, security notices) go through the outbox like every other email.

allauth renders them (templates/account/email/*, in the visitor's language, links built from the request); the
rendered subject and text become an outbox row, sent on commit by a Celery task with retries. An SMTP outage no
longer breaks a sign-up: the row waits and the sweep sends it.

Those that carry a key (password reset, email confirmation, login or reset code) are ``sensitive``: the outbox
masks the key everywhere it is shown and removes it from the database once the email has left (outbox/redaction.py).
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation

from outbox.services import queue_email

TEMPLATE = "accounts/emails/allauth"
# allauth's emails whose body holds a key (a link or a code): whoever reads it can act as the recipient.
SENSITIVE_TEMPLATES = frozenset(
    {
        "email_confirmation",
        "email_confirmation_signup",
        "email_confirmation_code",
        "password_reset_key",
        "password_reset_code",
        "login_code",
        "reauthentication_code",
    }
)
# Context values allauth passes that are secrets themselves (masked even where they are not part of a link).
SECRET_CONTEXT_KEYS = ("key", "code", "activate_url", "password_reset_url")


def supported_language(code: str | None) -> str | None:
    """`code` if it is one of settings.LANGUAGES (a region variant such as "en-gb" gives "en"), else None."""
    if not code:
        return None
    codes = {language for language, _name in settings.LANGUAGES}
    code = code.lower()
    return code if code in codes else (code.split("-")[0] if code.split("-")[0] in codes else None)


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        """A new account's emails (alerts, digests, reminders) are in the language the person signed up in."""
        user.language = supported_language(translation.get_language()) or settings.LANGUAGE_CODE
        return super().save_user(request, user, form, commit=commit)

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        name = template_prefix.rsplit("/", 1)[-1]
        secrets = [str(context[key]) for key in ("key", "code") if context.get(key)]
        if name in SENSITIVE_TEMPLATES:
            secrets += [str(context[key]) for key in SECRET_CONTEXT_KEYS[2:] if context.get(key)]
        queue_email(
            to=email,
            template=TEMPLATE,
            context={"subject": message.subject, "body": message.body},
            kind="compte : " + name,
            language=translation.get_language(),
            sensitive=name in SENSITIVE_TEMPLATES or bool(secrets),
            secrets=secrets,
        )
