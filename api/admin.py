"""API tokens in the admin: Les Canaux staff issue and revoke any organisation's tokens; a buyer sees, issues and
revokes their own organisation's (the `Acheteurs` group has the permissions, api migration 0002; the queryset does
the scoping, another organisation's token is a 404).

Issuing shows the key once, on the page that answers the form (never in a message, a log or the database); revoking
is one button on the token's page. Tokens are never deleted: a revoked one stays as history.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from api import services
from api.models import ApiToken
from ess2024.admin_scoping import NotFoundInsteadOfRedirectMixin
from tenders import perms
from tenders.models import BuyerOrganisation


class ActiveFilter(admin.SimpleListFilter):
    title = _("état")
    parameter_name = "etat"

    def lookups(self, request, model_admin):
        return [("actif", _("Actifs")), ("revoque", _("Révoqués"))]

    def queryset(self, request, queryset):
        if self.value() == "actif":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoque":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiToken)
class ApiTokenAdmin(NotFoundInsteadOfRedirectMixin, admin.ModelAdmin):
    list_display = ["name", "organisation", "prefix", "created_by", "created_at", "last_used_at", "state"]
    list_filter = [ActiveFilter]
    search_fields = ["name", "prefix", "organisation__name"]
    list_select_related = ["organisation", "created_by"]
    change_form_template = "api/admin/apitoken_change_form.html"
    readonly_fields = [
        "organisation_name",
        "prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def get_queryset(self, request):
        return ApiToken.objects.for_user(request.user).select_related("organisation", "created_by", "revoked_by")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["organisation", "name"] if perms.is_platform_staff(request.user) else ["name"]
        return ["name", *self.readonly_fields]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organisation":
            kwargs["queryset"] = BuyerOrganisation.objects.order_by("name")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("organisation acheteuse"))
    def organisation_name(self, obj):
        return obj.organisation.name

    @admin.display(description=_("état"))
    def state(self, obj):
        return gettext("Révoqué") if obj.revoked_at else gettext("Actif")

    def has_add_permission(self, request):
        if not (perms.is_platform_staff(request.user) or perms.is_buyer(request.user)):
            return False
        return super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False  # a revoked token stays as history

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        if not perms.is_platform_staff(request.user):
            obj.organisation_id = perms.buyer_organisation_id(request.user)
        request._api_token_key = services.token_issue(token=obj, by=request.user)

    def response_add(self, request, obj, post_url_continue=None):
        """The key, once: this page is the only place it is ever shown."""
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Jeton créé : copiez sa clé maintenant"),
            "opts": self.opts,
            "token": obj,
            "key": request._api_token_key,
            "docs_url": reverse("api:docs"),
        }
        response = TemplateResponse(request, "api/admin/token_created.html", context)
        response["Cache-Control"] = "no-store"
        return response

    def get_urls(self):
        return [
            path(
                "<path:object_id>/revoquer/",
                self.admin_site.admin_view(self.revoke_view),
                name="api_apitoken_revoke",
            ),
            *super().get_urls(),
        ]

    def revoke_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        token = self.get_object(request, object_id)  # 404 outside the user's organisation
        if not self.has_change_permission(request, token):
            raise PermissionDenied
        try:
            services.token_revoke(token=token, by=request.user)
        except services.ApiTokenError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Jeton « %(name)s » révoqué : l'API le refuse désormais.") % {"name": token.name},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:api_apitoken_change", args=[token.pk]))
