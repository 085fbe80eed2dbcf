"""allauth's emails (verification, password reset, security notices) go through the outbox like every other email.

allauth renders them (templates/account/email/*, in the visitor's language, links built from the request); the
rendered subject and text become an outbox row, sent on commit by a Celery task with retries. An SMTP outage no
longer breaks a sign-up: the row waits and the sweep sends it.
"""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.utils import translation

from outbox.services import queue_email

TEMPLATE = "accounts/emails/allauth"


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        message = self.render_mail(
            template_prefix,
            email,
            {"request": request, "email": email, "current_site": get_current_site(request), **context},
        )
        queue_email(
            to=email,
            template=TEMPLATE,
            context={"subject": message.subject, "body": message.body},
            kind="compte : " + template_prefix.rsplit("/", 1)[-1],
            language=translation.get_language(),
        )
