"""System checks for the outbox: in production, emails (and the personal links in them) must not go to a console."""

from django.conf import settings
from django.core.checks import Tags, Warning, register

PRINTING_BACKENDS = (
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
)


@register(Tags.security, deploy=True)
def check_mailer_keeps_links_out_of_logs(app_configs, **kwargs):
    """`consolemail://` prints whole emails, reset and invitation links included, into the worker's log."""
    backend = (getattr(settings, "MAILERS", {}) or {}).get("default", {}).get("BACKEND", "")
    if settings.DEBUG or backend not in PRINTING_BACKENDS:
        return []
    return [
        Warning(
            "EMAIL_URL prints or writes emails (console or file backend) while DEBUG is off: password-reset and "
            "invitation links would land in the logs.",
            hint="Use an SMTP EMAIL_URL in production; consolemail:// is for development only.",
            id="outbox.W001",
        )
    ]
