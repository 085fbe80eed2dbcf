from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox.models import OutboxEmail
from outbox.services import requeue_failed


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """The outbox as staff see it: what left, what is waiting, what failed and why. Rows are never edited here."""

    list_display = ["created_at", "to", "subject", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["to", "subject", "=dedupe_key"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False
    actions = ["resend"]
    fieldsets = [
        (None, {"fields": ["status", "attempts", "last_error", "created_at", "next_attempt_at", "sent_at"]}),
        (_("Message"), {"fields": ["to", "from_email", "reply_to", "subject", "body_text", "body_html", "headers"]}),
        (_("Origine"), {"fields": ["kind", "dedupe_key"]}),
    ]
    readonly_fields = [
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "to",
        "from_email",
        "reply_to",
        "subject",
        "body_text",
        "body_html",
        "headers",
        "kind",
        "dedupe_key",
    ]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Renvoyer les courriels en échec sélectionnés"), permissions=["change"])
    def resend(self, request, queryset):
        count = requeue_failed(ids=list(queryset.failed().values_list("pk", flat=True)))
        skipped = queryset.count() - count
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel remis en file d'envoi.", "%(count)d courriels remis en file d'envoi.", count
                )
                % {"count": count},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel ignoré : seuls les courriels en échec peuvent être renvoyés.",
                    "%(count)d courriels ignorés : seuls les courriels en échec peuvent être renvoyés.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )
