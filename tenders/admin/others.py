"""Questions, interests and awards as their own lists (scoped through their tender); organisations (staff)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tenders.admin.base import NotFoundInsteadOfRedirectMixin, StaffOnlyMixin, scoped_tenders
from tenders.admin.forms import InviteForm, QuestionAnswerForm
from tenders.models import (
    Award,
    BuyerMembership,
    BuyerOrganisation,
    Interest,
    Question,
)
from tenders.services.buyers import BuyerInvitationError, buyer_invite

# Questions, interests and awards, as their own lists (scoped through their tender) --------------------------------


class TenderChildAdmin(NotFoundInsteadOfRedirectMixin, admin.ModelAdmin):
    """Objects hanging from a tender: visible only through a tender the user manages."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(tender__in=scoped_tenders(request).values("pk"))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("appel d'offres"))
    def tender_link(self, obj):
        url = reverse("admin:tenders_tender_change", args=[obj.tender_id])
        return format_html('<a href="{}">{}</a>', url, obj.tender.title)


class AnsweredFilter(admin.SimpleListFilter):
    title = _("réponse")
    parameter_name = "repondu"

    def lookups(self, request, model_admin):
        return [("non", _("Sans réponse")), ("oui", _("Répondues"))]

    def queryset(self, request, queryset):
        if self.value() == "non":
            return queryset.filter(answered_at__isnull=True)
        if self.value() == "oui":
            return queryset.filter(answered_at__isnull=False)
        return queryset


@admin.register(Question)
class QuestionAdmin(TenderChildAdmin):
    form = QuestionAnswerForm
    list_display = ["short_text", "tender_link", "structure", "created_at", "answered_at"]
    list_filter = [AnsweredFilter]
    search_fields = ["text", "answer", "tender__title"]
    ordering = ["answered_at", "-created_at"]
    list_select_related = ["tender", "structure"]
    fields = ["tender_link", "structure", "created_at", "text", "answer", "answered_at"]
    readonly_fields = ["tender_link", "structure", "created_at", "text", "answered_at"]

    @admin.display(description=_("question"))
    def short_text(self, question):
        return question.text[:90] + ("…" if len(question.text) > 90 else "")

    def save_model(self, request, obj, form, change):
        from tenders.services.questions import question_answer

        if "answer" in form.changed_data and form.cleaned_data.get("answer"):
            question_answer(question=obj, answer=form.cleaned_data["answer"], by=request.user)


@admin.register(Interest)
class InterestAdmin(TenderChildAdmin):
    list_display = ["structure", "tender_link", "answer", "reason", "updated_at"]
    list_filter = ["answer", "reason"]
    search_fields = ["structure__name", "tender__title"]
    list_select_related = ["tender", "structure"]
    fields = ["tender_link", "structure", "answer", "reason", "reason_detail", "updated_at"]
    readonly_fields = fields

    def has_change_permission(self, request, obj=None):
        return False


class AwardChangeForm(forms.ModelForm):
    """Also checks the constraints on read-only fields (one active award per lot), which a ModelForm skips."""

    class Meta:
        model = Award
        fields: list[str] = []

    def _post_clean(self):
        super()._post_clean()
        if not self.errors:
            try:
                self.instance.validate_constraints()
            except ValidationError as error:
                self.add_error(None, error)


@admin.register(Award)
class AwardAdmin(TenderChildAdmin):
    """Awards feed the charter. Buyers come back later to report the hours actually worked."""

    form = AwardChangeForm

    list_display = ["tender_link", "lot", "winner_display", "winner_category", "amount", "awarded_on", "is_active"]
    list_filter = ["winner_category", "is_active", "source"]
    search_fields = ["tender__title", "winner__name", "winner_name"]
    list_select_related = ["tender", "lot", "winner"]
    fields = [
        "tender_link",
        "lot",
        "winner_display",
        "winner_category",
        "winner_category_reason",
        "source",
        "is_active",
        "amount",
        "ess_share_amount",
        "awarded_on",
        "total_hours_planned",
        "insertion_hours_planned",
        "total_hours_achieved",
        "insertion_hours_achieved",
    ]
    # The database refuses a second active award for one lot (or for a tender without lots) and achieved insertion
    # hours above achieved hours: the form shows the constraint's French message next to the fields (issue 12).
    readonly_fields = [
        "tender_link",
        "lot",
        "winner_display",
        "winner_category",
        "winner_category_reason",
        "source",
        "amount",
        "ess_share_amount",
        "awarded_on",
        "total_hours_planned",
        "insertion_hours_planned",
    ]

    @admin.display(description=_("titulaire"))
    def winner_display(self, award):
        return award.winner.name if award.winner_id else award.winner_name


# Organisations (staff only) ---------------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = BuyerMembership
    fields = ["user", "created_at"]
    readonly_fields = fields
    extra = 0
    verbose_name_plural = _("acheteurs de l'organisation")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(BuyerOrganisation)
class BuyerOrganisationAdmin(StaffOnlyMixin, NotFoundInsteadOfRedirectMixin, admin.ModelAdmin):
    list_display = ["name", "kind", "charter_signatory", "charter_signed_on"]
    list_filter = ["kind", "charter_signatory"]
    search_fields = ["name", "siret"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]
    change_form_template = "tenders/admin/organisation_change_form.html"

    def get_urls(self):
        return [
            path(
                "<path:object_id>/inviter/",
                self.admin_site.admin_view(self.invite_view),
                name="tenders_buyerorganisation_invite",
            ),
            *super().get_urls(),
        ]

    def invite_view(self, request, object_id):
        organisation = self.get_object(request, object_id)
        if not self.has_change_permission(request, organisation):
            raise PermissionDenied
        form = InviteForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                with transaction.atomic():
                    membership = buyer_invite(
                        organisation=organisation, email=form.cleaned_data["email"], by=request.user
                    )
            except BuyerInvitationError as error:
                form.add_error("email", str(error))
            except ValidationError as error:
                for text in error.messages:
                    form.add_error("email", text)
            else:
                self.message_user(
                    request,
                    gettext("Invitation envoyée à %(email)s.") % {"email": membership.user.email},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:tenders_buyerorganisation_change", args=[organisation.pk]))
        return render(
            request,
            "tenders/admin/invite.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": organisation,
                "title": gettext("Inviter un acheteur"),
                "subtitle": organisation.name,
                "form": form,
            },
        )


@admin.register(BuyerMembership)
class BuyerMembershipAdmin(StaffOnlyMixin, NotFoundInsteadOfRedirectMixin, admin.ModelAdmin):
    list_display = ["user", "organisation", "created_at"]
    list_filter = ["organisation"]
    search_fields = ["user__email", "organisation__name"]
    list_select_related = ["user", "organisation"]
    raw_id_fields = ["user"]
