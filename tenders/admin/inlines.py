"""Inlines of the tender page: lots, documents, questions.

All stacked: the admin's tabular inlines label their inputs only through column headers (axe: "label"), so every
editable inline here gives each field its own <label>. Read-only lists (interests, awards) are plain tables,
rendered by TenderAdmin.interests_table / awards_table.
"""

from __future__ import annotations

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from tenders import perms
from tenders.admin.forms import DocumentUploadForm, LotForm, QuestionAnswerForm
from tenders.models import (
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


class DocumentInline(EditableWhileOpenInline, admin.StackedInline):
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


class DocumentUploadInline(EditableWhileOpenInline, admin.StackedInline):
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
            formats.date_format(timezone.localtime(question.created_at), "SHORT_DATETIME_FORMAT"),
            question.text,
        )
