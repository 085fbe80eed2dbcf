"""The outbox in the admin: what left, what is waiting, what failed and why — never a personal link.

Staff and superusers alike see a row's metadata (recipient, subject, kind, status, attempts, error, dates) and
its body with every personal link masked (outbox/redaction.py). The raw body, HTML and headers are not fields of
the page, cannot be searched or filtered on (no ``?body_text__contains=`` oracle), and rows are never edited.
"""

from django.contrib import admin, messages
from django.contrib.admin.exceptions import DisallowedModelAdminLookup
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from outbox.models import OutboxEmail
from outbox.services import masked, requeue_failed

# Fields that hold (or held) a body: never shown as such, never searched, never filtered on.
SECRET_FIELDS = frozenset({"body_text", "body_html", "headers", "secret_values"})


@admin.register(OutboxEmail)
class OutboxEmailAdmin(admin.ModelAdmin):
    """The outbox as staff see it. Rows are never edited here; failed ones can be sent again ("Renvoyer")."""

    list_display = ["created_at", "to", "subject", "kind", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind", "sensitive"]
    search_fields = ["to", "subject", "=dedupe_key"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-pk"]
    show_full_result_count = False
    actions = ["resend"]
    fieldsets = [
        (None, {"fields": ["status", "attempts", "last_error", "created_at", "next_attempt_at", "sent_at"]}),
        (
            _("Message"),
            {"fields": ["to", "from_email", "reply_to", "subject", "masked_body_text", "masked_body_html"]},
        ),
        (_("Confidentialité"), {"fields": ["privacy_note", "sensitive", "secrets_removed_at", "body_purged_at"]}),
        (_("Origine"), {"fields": ["kind", "dedupe_key", "masked_headers"]}),
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
        "masked_body_text",
        "masked_body_html",
        "masked_headers",
        "privacy_note",
        "sensitive",
        "secrets_removed_at",
        "body_purged_at",
        "kind",
        "dedupe_key",
    ]

    class Media:
        css = {"all": ["outbox/admin.css"]}

    def has_add_permission(self, request):
        return False

    def lookup_allowed(self, lookup, value, request=None):
        if lookup.split("__", 1)[0] in SECRET_FIELDS:
            raise DisallowedModelAdminLookup(f"Filtering by {lookup} not allowed")
        return super().lookup_allowed(lookup, value, request)

    def get_queryset(self, request):
        # The list never loads the bodies (they can weigh a lot, and the list shows none of them).
        queryset = super().get_queryset(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and (match.url_name or "").endswith("changelist"):
            queryset = queryset.defer("body_text", "body_html", "headers", "secret_values")
        return queryset

    @staticmethod
    def _masked(obj) -> dict:
        """The masked text, HTML and headers, computed once per row for the three fields that show them."""
        if not hasattr(obj, "_masked_parts"):
            obj._masked_parts = masked(obj)
        return obj._masked_parts

    @admin.display(description=_("texte"))
    def masked_body_text(self, obj):
        if obj.body_purged_at:
            return _("Contenu effacé après le délai de conservation.")
        return format_html('<pre class="outbox-body">{}</pre>', self._masked(obj)["body_text"])

    @admin.display(description=_("HTML (source)"))
    def masked_body_html(self, obj):
        body = self._masked(obj)["body_html"]
        if not body:
            return "—"
        return format_html('<pre class="outbox-body">{}</pre>', body)

    @admin.display(description=_("en-têtes"))
    def masked_headers(self, obj):
        headers = self._masked(obj)["headers"]
        if not headers:
            return "—"
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{} : {}</li>", sorted(headers.items(), key=lambda kv: kv[0]))
        )

    @admin.display(description=_("Note"))
    def privacy_note(self, obj):
        if obj.sensitive and obj.status == OutboxEmail.Status.FAILED:
            return _(
                "Ce courriel contenait un lien personnel (réinitialisation du mot de passe, confirmation, "
                "invitation…), effacé après l'échec : il ne peut pas être renvoyé. Demandez à la personne d'en "
                "redemander un (par exemple avec « Mot de passe oublié ? »)."
            )
        if obj.sensitive:
            return _("Ce courriel contient un lien personnel : il reste masqué pour tout le monde.")
        return _("Les liens personnels sont masqués ; le contenu est effacé après le délai de conservation.")

    @admin.action(description=_("Renvoyer les courriels en échec sélectionnés"), permissions=["change"])
    def resend(self, request, queryset):
        selected = queryset.count()
        failed = queryset.failed().count()
        count = requeue_failed(ids=list(queryset.failed().resendable().values_list("pk", flat=True)))
        lost = failed - count
        skipped = selected - failed
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel remis en file d'envoi.", "%(count)d courriels remis en file d'envoi.", count
                )
                % {"count": count},
                messages.SUCCESS,
            )
        if lost:
            self.message_user(
                request,
                ngettext(
                    "%(count)d courriel non renvoyé : son lien personnel a été effacé (ou son contenu, passé le "
                    "délai de conservation). Demandez à la personne d'en redemander un, par exemple avec « Mot "
                    "de passe oublié ? ».",
                    "%(count)d courriels non renvoyés : leur lien personnel a été effacé (ou leur contenu, passé "
                    "le délai de conservation). Demandez aux personnes d'en redemander un, par exemple avec « Mot "
                    "de passe oublié ? ».",
                    lost,
                )
                % {"count": lost},
                messages.WARNING,
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
