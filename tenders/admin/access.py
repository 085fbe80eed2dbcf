"""Buyer account requests (staff only): the list, and on a request's page one-click "Accepter" or "Refuser" with a
reason. The decisions go through tenders.services.buyer_access."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenders.admin.base import NotFoundInsteadOfRedirectMixin, StaffOnlyMixin
from tenders.models import BuyerAccessRequest
from tenders.services.buyer_access import (
    BuyerAccessError,
    access_request_approve,
    access_request_refuse,
    organisation_for,
)
from tenders.services.buyers import BuyerInvitationError


class RefuseForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif du refus"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        help_text=_("Envoyé à la personne, avec un lien pour faire une nouvelle demande."),
        error_messages={"required": _("Indiquez le motif du refus : il est envoyé à la personne.")},
    )


class PendingFirstFilter(admin.SimpleListFilter):
    """Pending requests by default: the list is a to-do."""

    title = _("statut")
    parameter_name = "statut"

    def lookups(self, request, model_admin):
        return [
            ("pending", _("En attente")),
            ("approved", _("Acceptées")),
            ("refused", _("Refusées")),
            ("all", _("Toutes")),
        ]

    def choices(self, changelist):
        value = self.value() or "pending"
        for lookup, title in self.lookup_choices:
            yield {
                "selected": value == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value() or "pending"
        return queryset if value == "all" else queryset.filter(status=value)


@admin.register(BuyerAccessRequest)
class BuyerAccessRequestAdmin(StaffOnlyMixin, NotFoundInsteadOfRedirectMixin, admin.ModelAdmin):
    list_display = ["organisation_name", "full_name", "role", "email", "charter_signatory", "created_at", "status"]
    list_filter = [PendingFirstFilter]
    search_fields = ["organisation_name", "full_name", "email", "siret"]
    ordering = ["created_at"]
    change_form_template = "tenders/admin/access_request_change_form.html"
    fields = [
        "organisation_name",
        "siret",
        "charter_signatory",
        "full_name",
        "role",
        "email",
        "message",
        "created_at",
        "status",
        "organisation",
        "refusal_reason",
        "decided_by",
        "decided_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<path:object_id>/accepter/",
                self.admin_site.admin_view(self.approve_view),
                name="tenders_buyeraccessrequest_approve",
            ),
            path(
                "<path:object_id>/refuser/",
                self.admin_site.admin_view(self.refuse_view),
                name="tenders_buyeraccessrequest_refuse",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra_context = {
            **(extra_context or {}),
            "refuse_form": RefuseForm(),
            "existing_organisation": organisation_for(obj)
            if obj.status == BuyerAccessRequest.Status.PENDING
            else None,
            "is_pending": obj.status == BuyerAccessRequest.Status.PENDING,
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def _decision_target(self, request, object_id):
        if request.method != "POST":
            return None  # 405, before any lookup
        access_request = self.get_object(request, object_id)  # 404 for anyone but staff
        if not self.has_change_permission(request, access_request):
            raise PermissionDenied
        return access_request

    def approve_view(self, request, object_id):
        access_request = self._decision_target(request, object_id)
        if access_request is None:
            return HttpResponseNotAllowed(["POST"])
        change_url = reverse("admin:tenders_buyeraccessrequest_change", args=[access_request.pk])
        try:
            with transaction.atomic():
                access_request = access_request_approve(access_request=access_request, by=request.user)
        except (BuyerAccessError, BuyerInvitationError) as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Demande acceptée : invitation envoyée à %(email)s pour « %(organisation)s ».")
                % {"email": access_request.email, "organisation": access_request.organisation.name},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(change_url)

    def refuse_view(self, request, object_id):
        access_request = self._decision_target(request, object_id)
        if access_request is None:
            return HttpResponseNotAllowed(["POST"])
        change_url = reverse("admin:tenders_buyeraccessrequest_change", args=[access_request.pk])
        form = RefuseForm(request.POST)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    self.message_user(request, error, messages.ERROR)
            return HttpResponseRedirect(change_url)
        try:
            with transaction.atomic():
                access_request_refuse(
                    access_request=access_request, by=request.user, reason=form.cleaned_data["reason"]
                )
        except BuyerAccessError as error:
            self.message_user(request, str(error), messages.ERROR)
        except ValidationError as error:
            for text in error.messages:
                self.message_user(request, text, messages.ERROR)
        else:
            self.message_user(
                request,
                gettext("Demande refusée : %(email)s a reçu le motif par e-mail.") % {"email": access_request.email},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(change_url)
