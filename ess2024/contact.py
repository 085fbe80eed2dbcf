"""The contact form (/contact/): a visitor's question reaches Les Canaux staff through the outbox.

The view binds `ContactForm`; a valid message goes to `send_contact_message`, which queues one email per recipient:
CONTACT_EMAIL when set, otherwise every active member of the staff group. The email's Reply-To is the visitor's
address, so staff answer with their mail client. Two guards against abuse: a honeypot field that people never see
(a robot that fills it is told "sent" and nothing is queued), and allauth's rate limit
ACCOUNT_RATE_LIMITS["contact"] per client address.
"""

from __future__ import annotations

import logging

from allauth.core import ratelimit
from django import forms
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.models import STAFF_GROUP, User
from outbox.services import queue_email

logger = logging.getLogger(__name__)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Votre nom"), max_length=120)
    email = forms.EmailField(
        label=_("Votre adresse e-mail"),
        help_text=_("Pour vous répondre ; elle ne sert à rien d'autre."),
        error_messages={"invalid": _("Saisissez une adresse e-mail valide, par exemple nom@exemple.fr.")},
    )
    subject = forms.CharField(label=_("Objet"), max_length=150)
    message = forms.CharField(
        label=_("Votre message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        min_length=10,
        max_length=5000,
        error_messages={
            "min_length": _("Votre message est trop court : écrivez au moins %(limit_value)d caractères."),
            "max_length": _(
                "Votre message est trop long : %(limit_value)d caractères au plus (il en a %(show_value)d)."
            ),
        },
    )
    # The honeypot: hidden from people (display: none, out of the tab order), filled by robots.
    website = forms.CharField(label=_("Ne remplissez pas ce champ"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("name", "email", "subject"):
            self.fields[name].error_messages["required"] = _("Ce champ est obligatoire.")
        self.fields["message"].error_messages["required"] = _("Écrivez votre message.")
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["website"].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def clean_subject(self):
        return " ".join(self.cleaned_data["subject"].split())  # one line: it becomes the email's subject

    @property
    def is_robot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


def recipients() -> list[str]:
    """CONTACT_EMAIL, or the active staff members' addresses."""
    if settings.CONTACT_EMAIL:
        return [settings.CONTACT_EMAIL]
    return sorted(
        User.objects.filter(groups__name=STAFF_GROUP, is_active=True).exclude(email="").values_list("email", flat=True)
    )


def rate_limited(request) -> bool:
    """Count one message; True once this client sent ACCOUNT_RATE_LIMITS["contact"] within its window.

    allauth's limiter finds the client's address the way login and sign-up do (ALLAUTH_TRUSTED_PROXY_COUNT behind a
    proxy), instead of REMOTE_ADDR, which is the proxy's own address in production.
    """
    return not ratelimit.consume(request, action="contact")


@transaction.atomic
def send_contact_message(*, name: str, email: str, subject: str, message: str, language: str) -> int:
    """Queue the visitor's message to each recipient (in French, staff's language); return how many were queued."""
    context = {"name": name, "email": email, "subject": subject, "message": message, "language": language}
    addresses = recipients()
    if not addresses:
        logger.error("Contact form: no CONTACT_EMAIL and no active staff member; the message from %s is lost.", email)
    for address in addresses:
        queue_email(
            to=address,
            template="ess2024/emails/contact",
            context=context,
            reply_to=email,
            kind="contact",
            language=settings.LANGUAGE_CODE,
        )
    return len(addresses)
