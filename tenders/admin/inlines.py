"""Inlines of the tender page: lots, documents, questions, interests, awards."""

from __future__ import annotations

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tenders import perms
from tenders.admin.forms import DocumentUploadForm, LotForm, QuestionAnswerForm
from tenders.models import (
    Award,
    Interest,
    Lot,
    Question,
    TenderDocument,
)


class EditableWhileOpenInline:
    """Lots and documents can be changed while the tender is a draft or published, by whoever may change it."""

    def _editable(self, request, obj):
        return obj is None or perms.can_edit_tender(request.user, obj)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and self._editable(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._editable(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._editable(request, obj)


class LotInline(EditableWhileOpenInline, admin.StackedInline):
    model = Lot
    form = LotForm
    extra = 0
    verbose_name = _("lot")
    verbose_name_plural = _("lots")


class DocumentInline(EditableWhileOpenInline, admin.TabularInline):
    """The documents already attached: rename or remove them. New files go through DocumentUploadInline."""

    model = TenderDocument
    fields = ["title", "file_name", "file_size", "uploaded_at"]
    readonly_fields = ["file_name", "file_size", "uploaded_at"]
    extra = 0
    verbose_name = _("document joint")
    verbose_name_plural = _("documents joints")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("fichier"))
    def file_name(self, document):
        if not document.pk:
            return "—"
        url = reverse("admin:tenders_tender_document", args=[document.tender_id, document.pk])
        return format_html('<a href="{}">{}</a>', url, document.original_name or document.title)

    @admin.display(description=_("taille"))
    def file_size(self, document):
        return filesizeformat(document.size) if document.pk else "—"


class DocumentUploadInline(EditableWhileOpenInline, admin.TabularInline):
    model = TenderDocument
    form = DocumentUploadForm
    fields = ["title", "upload"]
    extra = 1
    verbose_name = _("nouveau document")
    verbose_name_plural = _("ajouter des documents (DCE)")

    def get_queryset(self, request):
        return super().get_queryset(request).none()

    def has_change_permission(self, request, obj=None):
        return self.has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class QuestionInline(admin.StackedInline):
    """Questions asked by structures: the buyer answers here; the answer is published and the asker emailed."""

    model = Question
    form = QuestionAnswerForm
    fields = ["asked", "answer", "answered_at"]
    readonly_fields = ["asked", "answered_at"]
    extra = 0
    can_delete = False
    verbose_name = _("question d'une structure")
    verbose_name_plural = _("questions des structures")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("structure")

    def has_add_permission(self, request, obj=None):
        return False

    @admin.display(description=_("question"))
    def asked(self, question):
        return format_html(
            "<strong>{}</strong> — {}<br>{}",
            question.structure.name,
            timezone.localtime(question.created_at).strftime("%d/%m/%Y %H:%M"),
            question.text,
        )


class InterestInline(admin.TabularInline):
    """Who said "Intéressé" or "Pas intéressé" (and why). Read only: structures answer on the tender page."""

    model = Interest
    fields = ["structure_link", "answer", "reason", "reason_detail", "updated_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name = _("réponse d'une structure")
    verbose_name_plural = _("structures intéressées ou non")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("structure").order_by("answer", "-updated_at")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("structure"))
    def structure_link(self, interest):
        try:
            url = reverse("structures:detail", kwargs={"slug": interest.structure.slug})
        except NoReverseMatch:
            return interest.structure.name
        return format_html('<a href="{}">{}</a>', url, interest.structure.name)


class AwardInline(admin.TabularInline):
    model = Award
    fields = ["lot", "winner_display", "winner_category", "amount", "ess_share_amount", "insertion_hours_planned"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = _("attributions")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("lot", "winner")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("titulaire"))
    def winner_display(self, award):
        return award.winner.name if award.winner_id else award.winner_name
