"""Staff's view of the alerts: who was told what and when, what was skipped and why. Read-only, staff only."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from matching.models import DeadlineReminder, Digest, Notification, NotificationPreference, SavedSearch, TenderDispatch


class StaffOnlyAdmin(admin.ModelAdmin):
    """Buyers use the admin too (is_staff): these pages are for Les Canaux staff only."""

    def has_module_permission(self, request):
        return getattr(request.user, "is_platform_staff", False)

    def has_view_permission(self, request, obj=None):
        return getattr(request.user, "is_platform_staff", False)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(StaffOnlyAdmin):
    list_display = [
        "created_at",
        "tender",
        "user",
        "structure",
        "source",
        "channel",
        "score",
        "status",
        "email_status",
    ]
    list_filter = ["status", "skip_reason", "source", "channel"]
    search_fields = ["=tender__reference", "tender__title", "user__email", "structure__name"]
    list_select_related = ["tender", "user", "structure", "email"]
    date_hierarchy = "created_at"
    show_full_result_count = False
    raw_id_fields = ["tender", "user", "structure", "saved_search", "email", "digest"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    @admin.display(description=_("e-mail"))
    def email_status(self, obj):
        return obj.email.get_status_display() if obj.email_id else "—"


@admin.register(TenderDispatch)
class TenderDispatchAdmin(StaffOnlyAdmin):
    list_display = ["tender", "matched_count", "notification_count", "started_at", "finished_at"]
    list_select_related = ["tender"]
    search_fields = ["=tender__reference", "tender__title"]
    readonly_fields = ["tender", "matched_count", "notification_count", "started_at", "finished_at"]


@admin.register(Digest)
class DigestAdmin(StaffOnlyAdmin):
    list_display = ["created_at", "user", "frequency", "window", "tender_count", "email"]
    list_filter = ["frequency"]
    search_fields = ["user__email", "=window"]
    list_select_related = ["user", "email"]
    readonly_fields = ["user", "frequency", "window", "tender_count", "email", "created_at"]


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(StaffOnlyAdmin):
    list_display = ["created_at", "tender", "user", "structure", "email"]
    list_select_related = ["tender", "user", "structure", "email"]
    search_fields = ["=tender__reference", "user__email"]
    readonly_fields = ["tender", "user", "structure", "email", "created_at"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(StaffOnlyAdmin):
    list_display = ["user", "frequency", "unsubscribed_at", "updated_at"]
    list_filter = ["frequency"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    readonly_fields = ["user", "frequency", "ignored_topics", "unsubscribed_at", "updated_at"]


@admin.register(SavedSearch)
class SavedSearchAdmin(StaffOnlyAdmin):
    list_display = ["label", "user", "created_at"]
    search_fields = ["user__email", "label"]
    list_select_related = ["user"]
    readonly_fields = ["user", "querystring", "label", "created_at"]
