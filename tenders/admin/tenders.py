"""The tender admin: list, change form, preview and lifecycle actions, scoped to the buyer's organisation."""

from __future__ import annotations

import os

from django.contrib import admin, messages
from django.contrib.admin import ActionLocation
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from tenders import perms
from tenders.admin.base import NotFoundInsteadOfRedirectMixin, scoped_tenders
from tenders.admin.forms import AwardFormSet, CancelForm, DocumentUploadForm, TenderForm
from tenders.admin.inlines import (
    DocumentInline,
    DocumentUploadInline,
    LotInline,
    QuestionInline,
)
from tenders.admin.interested import InterestedStructuresMixin
from tenders.models import (
    BuyerOrganisation,
    Interest,
    Lot,
    Question,
    Tender,
    TenderDocument,
    TenderStatus,
)
from tenders.services import amendments, lifecycle
from tenders.services.documents import document_add, document_delete

# Tender admin -----------------------------------------------------------------------------------------------------


@admin.register(Tender)
class TenderAdmin(InterestedStructuresMixin, NotFoundInsteadOfRedirectMixin, admin.ModelAdmin):
    form = TenderForm
    change_form_template = "tenders/admin/tender_change_form.html"
    list_display = ["title", "reference", "status", "bid_deadline", "interested_count", "open_questions_count"]
    list_filter = ["status", "procedure", "topics"]
    search_fields = ["title", "reference"]
    ordering = ["-created_at"]
    date_hierarchy = "bid_deadline"
    show_full_result_count = False
    actions = ["close_selected"]
    readonly_fields = [
        "status",
        "published_at",
        "status_changed_at",
        "cancellation_reason",
        "slug",
        "matching_figures",
        "interests_table",
        "awards_table",
    ]

    # --- scoping

    def get_queryset(self, request):
        return (
            scoped_tenders(request)
            .select_related("buyer")
            .defer("search_vector")
            .annotate(
                interested=Count("interests", filter=Q(interests__answer=Interest.Answer.INTERESTED), distinct=True),
                open_questions=Count("questions", filter=Q(questions__answered_at__isnull=True), distinct=True),
            )
        )

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and (
            obj is None or perms.can_manage_tender(request.user, obj)
        )

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or perms.can_edit_tender(request.user, obj)
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or perms.can_delete_tender(request.user, obj)
        )

    def get_list_filter(self, request):
        if perms.can_choose_buyer(request.user):
            return ["status", "buyer", "procedure", "topics"]
        return self.list_filter

    def get_list_display(self, request):
        if perms.can_choose_buyer(request.user):
            return ["title", "buyer", *self.list_display[1:]]
        return self.list_display

    def get_actions(self, request, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location)
        if not perms.is_platform_staff(request.user):
            actions.pop("delete_selected", None)  # a buyer deletes a draft from its page, one at a time
        return actions

    def get_fieldsets(self, request, obj=None):
        main = ["title", "reference", "description", "topics", "places", "cpv_codes"]
        if perms.can_choose_buyer(request.user):
            main.insert(0, "buyer")
        fieldsets = [
            (None, {"fields": main}),
            (_("Montant et procédure"), {"fields": ["estimated_value", "procedure"]}),
            (_("Calendrier"), {"fields": ["questions_deadline", "bid_deadline"]}),
            (_("Contact et plateforme officielle"), {"fields": ["contact_name", "contact_email", "official_url"]}),
        ]
        if obj is not None and amendments.is_amendable(obj) and self.has_change_permission(request, obj):
            fieldsets.append(
                (
                    _("Modification d'un appel d'offres publié (rectificatif)"),
                    {
                        "fields": ["amendment_note", "confirm_short_notice"],
                        "description": _(
                            "Les structures s'appuient sur cet appel d'offres : toute modification des dates "
                            "limites, des lots, des montants, des lieux, des documents ou de la description est "
                            "publiée, datée, en haut de sa page, et envoyée par e-mail aux structures prévenues ou "
                            "qui ont répondu."
                        ),
                    },
                )
            )
        if obj is not None:
            fieldsets.append((_("Réponses des structures"), {"fields": ["interests_table"]}))
            if obj.status == TenderStatus.AWARDED:
                fieldsets.append((_("Attribution"), {"fields": ["awards_table"]}))
            fieldsets.append(
                (
                    _("Suivi"),
                    {
                        "fields": [
                            "status",
                            "published_at",
                            "status_changed_at",
                            *(["cancellation_reason"] if obj.cancellation_reason else []),
                            "slug",
                            "matching_figures",
                        ]
                    },
                )
            )
        return fieldsets

    def get_inlines(self, request, obj):
        inlines = [LotInline, DocumentInline, DocumentUploadInline]
        if obj is not None:
            inlines.append(QuestionInline)
        return inlines

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "buyer" in form.base_fields:  # staff only
            form.base_fields["buyer"].queryset = BuyerOrganisation.objects.order_by("name")
        else:
            form.forced_buyer_id = perms.buyer_organisation_id(request.user)
        return form

    def view_on_site(self, obj):
        if obj.published_at is None:
            return None
        return reverse("tenders:detail", kwargs={"slug": obj.slug})

    # --- saving

    def _create_formsets(self, request, obj, change):
        formsets, inline_instances = super()._create_formsets(request, obj, change)
        # TenderForm.amended_fields() asks the lot and document inlines whether they change anything.
        obj._amendment_formsets = [
            formset for formset in formsets if formset.model in (Lot, TenderDocument) and formset.is_bound
        ]
        return formsets, inline_instances

    def save_model(self, request, obj, form, change):
        if change and amendments.is_amendable(obj):
            # The state the structures relied on, read before anything is written (inlines included).
            form.amendment_before = amendments.amendable_state(obj)
        if not change:
            if not perms.can_choose_buyer(request.user):
                organisation_id = perms.buyer_organisation_id(request.user)
                if organisation_id is None:
                    raise PermissionDenied
                obj.buyer_id = organisation_id  # never what the request says
            obj.created_by = request.user
            obj.slug = lifecycle.new_tender_slug(obj.title, obj.reference)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        tender = form.instance
        if issubclass(formset.form, DocumentUploadForm):
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for doc_form in formset.forms:
                if doc_form.has_changed() and doc_form.cleaned_data.get("upload"):
                    formset.new_objects.append(
                        document_add(
                            tender=tender,
                            file=doc_form.cleaned_data["upload"],
                            title=doc_form.cleaned_data.get("title", ""),
                            by=request.user,
                        )
                    )
            return
        if formset.model is TenderDocument:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for doc_form in formset.initial_forms:
                document = doc_form.instance
                if formset.can_delete and formset._should_delete_form(doc_form):
                    document_delete(document=document, by=request.user)
                    formset.deleted_objects.append(document)
                elif doc_form.has_changed():
                    document.save(update_fields=["title"])
                    formset.changed_objects.append((document, doc_form.changed_data))
            return
        if formset.model is Question:
            from tenders.services.questions import question_answer

            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            for question_form in formset.initial_forms:
                if "answer" in question_form.changed_data and question_form.cleaned_data.get("answer"):
                    question_answer(
                        question=question_form.instance, answer=question_form.cleaned_data["answer"], by=request.user
                    )
                    formset.changed_objects.append((question_form.instance, ["answer"]))
            return
        if formset.model is Lot:
            instances = formset.save(commit=False)
            for lot in formset.deleted_objects:
                lot.delete()
            numbers = set(tender.lots.values_list("number", flat=True))
            for lot in instances:
                if lot.number is None:
                    lot.number = max(numbers | {0}) + 1
                numbers.add(lot.number)
                lot.save()
            return
        super().save_formset(request, form, formset, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(form, "amendment_before", None)
        if before is None:
            return
        note = form.cleaned_data.get("amendment_note") or gettext("Modification de l'appel d'offres.")
        amendment = amendments.amendment_record(tender=form.instance, by=request.user, note=note, before=before)
        if amendment is not None:
            self.message_user(
                request,
                ngettext(
                    "La modification est publiée sur l'appel d'offres ; %(count)d personne en est prévenue par "
                    "e-mail.",
                    "La modification est publiée sur l'appel d'offres ; %(count)d personnes en sont prévenues par "
                    "e-mail.",
                    amendment.notified_count,
                )
                % {"count": amendment.notified_count},
                messages.SUCCESS,
            )

    def delete_model(self, request, obj):
        for document in obj.documents.all():
            document_delete(document=document, by=request.user)
        super().delete_model(request, obj)

    # --- read-only displays

    @admin.display(description=_("Structures intéressées"), ordering="interested")
    def interested_count(self, tender):
        return tender.interested

    @admin.display(description=_("Questions sans réponse"), ordering="open_questions")
    def open_questions_count(self, tender):
        return tender.open_questions

    @admin.display(description=_("Mise en relation (chiffres)"))
    def matching_figures(self, tender):
        from matching.services import tender_stats

        figures = tender_stats(tender=tender) or {}
        if not figures:
            return gettext("Pas encore de chiffres : ils apparaissent après la publication.")
        labels = {
            "matched": gettext("Structures correspondantes"),
            "emailed": gettext("Structures prévenues par e-mail"),
            "interested": gettext("Intéressées"),
            "not_interested": gettext("Pas intéressées"),
            "reasons": gettext("Raisons données"),
            "not_interested_reasons": gettext("Raisons données par les structures pas intéressées"),
        }

        def show(value):
            if isinstance(value, dict):
                return format_html(
                    "<ul>{}</ul>",
                    format_html_join("", "<li>{} : {}</li>", ((labels.get(k, k), v) for k, v in value.items())),
                )
            return value

        return format_html(
            "<dl class='tender-figures'>{}</dl>",
            format_html_join("", "<dt>{}</dt><dd>{}</dd>", ((labels.get(k, k), show(v)) for k, v in figures.items())),
        )

    @admin.display(description=_("Intéressées ou non"))
    def interests_table(self, tender):
        interests = list(tender.interests.select_related("structure").order_by("answer", "-updated_at"))
        if not interests:
            return gettext("Aucune structure n'a encore répondu.")
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    interest.structure.name,
                    interest.get_answer_display(),
                    " — ".join(part for part in (interest.get_reason_display(), interest.reason_detail) if part),
                    timezone.localtime(interest.updated_at).strftime("%d/%m/%Y"),
                )
                for interest in interests
            ),
        )
        interested = sum(interest.answer == Interest.Answer.INTERESTED for interest in interests)
        return format_html(
            "<table class='tender-answers'><caption>{}</caption><thead><tr><th scope='col'>{}</th>"
            "<th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th></tr></thead><tbody>{}</tbody>"
            "</table>",
            ngettext("%(count)d structure intéressée", "%(count)d structures intéressées", interested)
            % {"count": interested}
            + " — "
            + ngettext("%(count)d réponse en tout", "%(count)d réponses en tout", len(interests))
            % {"count": len(interests)},
            gettext("Structure"),
            gettext("Réponse"),
            gettext("Raison"),
            gettext("Le"),
            rows,
        )

    @admin.display(description=_("Titulaires"))
    def awards_table(self, tender):
        awards = list(tender.awards.select_related("lot", "winner").order_by("lot__number", "pk"))
        if not awards:
            return "—"
        rows = format_html_join(
            "",
            "<tr><th scope='row'>{}</th><td>{}</td><td>{}</td><td>{} €</td><td>{}</td></tr>",
            (
                (
                    str(award.lot) if award.lot_id else gettext("Tout le marché"),
                    award.winner.name if award.winner_id else award.winner_name,
                    award.get_winner_category_display(),
                    award.amount,
                    award.insertion_hours_planned,
                )
                for award in awards
            ),
        )
        return format_html(
            "<table class='tender-awards'><thead><tr><th scope='col'>{}</th><th scope='col'>{}</th>"
            "<th scope='col'>{}</th><th scope='col'>{}</th><th scope='col'>{}</th></tr></thead><tbody>{}</tbody>"
            "</table>",
            gettext("Lot"),
            gettext("Titulaire"),
            gettext("Catégorie"),
            gettext("Montant HT"),
            gettext("Heures d'insertion prévues"),
            rows,
        )

    # --- bulk action

    @admin.action(description=_("Clore les appels d'offres sélectionnés"), permissions=["change"])
    def close_selected(self, request, queryset):
        closed = 0
        for tender in queryset:
            try:
                lifecycle.tender_close(tender=tender, by=request.user)
            except lifecycle.TenderTransitionError as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                closed += 1
        if closed:
            self.message_user(
                request,
                ngettext("%(count)d appel d'offres clos.", "%(count)d appels d'offres clos.", closed)
                % {"count": closed},
                messages.SUCCESS,
            )

    # --- extra URLs: preview, lifecycle actions, document download

    def get_urls(self):
        def wrap(view):
            return self.admin_site.admin_view(view)

        return [
            path("<path:object_id>/apercu/", wrap(self.preview_view), name="tenders_tender_preview"),
            path("<path:object_id>/publier/", wrap(self.publish_view), name="tenders_tender_publish"),
            path("<path:object_id>/clore/", wrap(self.close_view), name="tenders_tender_close"),
            path("<path:object_id>/annuler/", wrap(self.cancel_view), name="tenders_tender_cancel"),
            path("<path:object_id>/infructueux/", wrap(self.unsuccessful_view), name="tenders_tender_unsuccessful"),
            path("<path:object_id>/attribuer/", wrap(self.award_view), name="tenders_tender_award"),
            path("<path:object_id>/interesses/", wrap(self.interested_view), name="tenders_tender_interested"),
            path(
                "<path:object_id>/interesses/export.<str:fmt>",
                wrap(self.interested_export_view),
                name="tenders_tender_interested_export",
            ),
            path(
                "<path:object_id>/documents/<int:document_id>/",
                wrap(self.document_view),
                name="tenders_tender_document",
            ),
            *super().get_urls(),
        ]

    def _managed_tender(self, request, object_id, *, act: bool) -> Tender:
        """The tender, if the user may see it (404 otherwise); `act`: run its lifecycle actions too (else 403)."""
        tender = self.get_object(request, object_id)  # scoped: 404 for another organisation's tender
        if not self.has_view_permission(request, tender):
            raise PermissionDenied
        if act and not (
            request.user.has_perm("tenders.change_tender") and perms.can_manage_tender(request.user, tender)
        ):
            raise PermissionDenied
        return tender

    def _change_url(self, tender):
        return reverse("admin:tenders_tender_change", args=[tender.pk])

    def _run(self, request, tender, transition, success_message, **kwargs):
        service = {
            "publish": lifecycle.tender_publish,
            "close": lifecycle.tender_close,
            "cancel": lifecycle.tender_cancel,
            "mark_unsuccessful": lifecycle.tender_mark_unsuccessful,
        }[transition]
        try:
            with transaction.atomic():
                service(tender=tender, by=request.user, **kwargs)
        except lifecycle.TenderTransitionError as error:
            self.message_user(request, str(error), messages.ERROR)
            return False
        self.log_change(request, tender, [{"changed": {"fields": ["status"]}}])
        self.message_user(request, success_message, messages.SUCCESS)
        return True

    def preview_view(self, request, object_id):
        tender = self._managed_tender(request, object_id, act=False)
        tender = (
            Tender.objects.filter(pk=tender.pk)
            .select_related("buyer")
            .prefetch_related("topics", "places", "lots__topic", "documents")
            .get()
        )
        context = {
            "tender": tender,
            "preview": True,
            "preview_change_url": self._change_url(tender),
            "answered_questions": list(tender.questions.exclude(answered_at=None).order_by("answered_at", "pk")),
            "structures": [],
            "structure": None,
            # What the public will see once it is published: a tender open to answers.
            "refusal": None,
            "questions_refusal": None,
            "questions_deadline": tender.questions_deadline or tender.bid_deadline,
        }
        return TemplateResponse(request, "tenders/admin/preview.html", context)

    def publish_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(self._managed_tender(request, object_id, act=False)))
        tender = self._managed_tender(request, object_id, act=True)
        self._run(request, tender, "publish", gettext("L'appel d'offres est publié : les structures peuvent le voir."))
        return HttpResponseRedirect(self._change_url(tender))

    def close_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(self._managed_tender(request, object_id, act=False)))
        tender = self._managed_tender(request, object_id, act=True)
        self._run(request, tender, "close", gettext("L'appel d'offres est clos : il ne reçoit plus de réponses."))
        return HttpResponseRedirect(self._change_url(tender))

    def unsuccessful_view(self, request, object_id):
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(self._managed_tender(request, object_id, act=False)))
        tender = self._managed_tender(request, object_id, act=True)
        self._run(
            request,
            tender,
            "mark_unsuccessful",
            gettext("L'appel d'offres est déclaré infructueux."),
            reason=request.POST.get("reason", "")[:2000],
        )
        return HttpResponseRedirect(self._change_url(tender))

    def _action_page(self, request, tender, template, title, **context):
        return TemplateResponse(
            request,
            template,
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": tender,
                "tender": tender,
                "title": title,
                "subtitle": tender.title,
                "change_url": self._change_url(tender),
                **context,
            },
        )

    def cancel_view(self, request, object_id):
        tender = self._managed_tender(request, object_id, act=request.method == "POST")
        form = CancelForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if self._run(
                request, tender, "cancel", gettext("L'appel d'offres est annulé."), reason=form.cleaned_data["reason"]
            ):
                return HttpResponseRedirect(self._change_url(tender))
        return self._action_page(
            request, tender, "tenders/admin/cancel.html", gettext("Annuler l'appel d'offres"), form=form
        )

    def award_view(self, request, object_id):
        tender = self._managed_tender(request, object_id, act=request.method == "POST")
        lots = list(tender.lots.order_by("number"))
        initial = [{"lot": lot} for lot in lots] or [{}]
        formset = AwardFormSet(request.POST or None, initial=initial, form_kwargs={"tender": tender}, prefix="award")
        if request.method == "POST" and formset.is_valid():
            awards = [form.award_data() for form in formset.forms if not form.skipped]
            try:
                with transaction.atomic():
                    lifecycle.tender_award(tender=tender, by=request.user, awards=awards)
            except lifecycle.TenderTransitionError as error:
                self.message_user(request, str(error), messages.ERROR)
            except ValidationError as error:
                for text in error.messages:
                    self.message_user(request, text, messages.ERROR)
            else:
                self.log_change(request, tender, [{"changed": {"fields": ["status"]}}])
                self.message_user(request, gettext("L'attribution est enregistrée."), messages.SUCCESS)
                return HttpResponseRedirect(self._change_url(tender))
        return self._action_page(
            request, tender, "tenders/admin/award.html", gettext("Attribuer l'appel d'offres"), formset=formset
        )

    def document_view(self, request, object_id, document_id):
        tender = self._managed_tender(request, object_id, act=False)
        try:
            document = tender.documents.get(pk=document_id)
        except TenderDocument.DoesNotExist:
            raise Http404(gettext("Cet élément n'existe pas.")) from None
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, ValueError) as error:
            raise Http404(gettext("Cet élément n'existe pas.")) from error
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=document.original_name or os.path.basename(document.file.name),
            content_type=document.content_type or "application/octet-stream",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            can_act = request.user.has_perm("tenders.change_tender") and perms.can_manage_tender(request.user, obj)
            context["lifecycle_actions"] = lifecycle.possible_transitions(obj.status) if can_act else []
            context["status_label"] = obj.get_status_display()
            context["amendable"] = amendments.is_amendable(obj)
            context["interested_count"] = obj.interests.filter(answer=Interest.Answer.INTERESTED).count()
        return super().render_change_form(request, context, add, change, form_url, obj)
