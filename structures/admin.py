"""Staff admin for structures: the verification queue, verify / reject (with a reason), reference data, teams.

Every state change is an action calling structures.services (which checks that the user is Les Canaux staff and
queues the emails); the change form never edits the verification status directly. Buyers are `is_staff` but have
no structures permission (see migration 0005), so none of this shows for them.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from structures import perms, services
from structures.categories import category_choices
from structures.forms import RejectionForm
from structures.models import (
    Area,
    ClientReference,
    ImportJob,
    Invitation,
    JoinRequest,
    Label,
    Membership,
    Offer,
    Sector,
    Structure,
    StructureLabel,
    StructurePhoto,
    StructureToVerify,
    Topic,
    VerificationStatus,
)
from structures.validators import clean_siret


class ArchivedFilter(admin.SimpleListFilter):
    title = gettext_lazy("archivage")
    parameter_name = "archivee"

    def lookups(self, request, model_admin):
        return [("non", _("En ligne")), ("oui", _("Archivées"))]

    def queryset(self, request, queryset):
        if self.value() == "non":
            return queryset.filter(archived_at__isnull=True)
        if self.value() == "oui":
            return queryset.filter(archived_at__isnull=False)
        return queryset


class CategoryFilter(admin.SimpleListFilter):
    """`category` is a generated column: the admin does not see its choices, so it would list raw codes."""

    title = gettext_lazy("catégorie")
    parameter_name = "categorie"

    def lookups(self, request, model_admin):
        return category_choices()  # the one rule's categories, "Grande entreprise" included

    def queryset(self, request, queryset):
        return queryset.filter(category=self.value()) if self.value() else queryset


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role", "created_at"]
    readonly_fields = ["user", "role", "created_at"]
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class _ProofInline(admin.TabularInline):
    """What the profile proves (issue 14), shown to staff as the structure shows it; its members edit it."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False


class ClientReferenceInline(_ProofInline):
    model = ClientReference
    fields = ["client", "year", "amount_band", "description"]


class StructureLabelInline(_ProofInline):
    model = StructureLabel
    fields = ["label", "expires_on", "document_name"]


class StructurePhotoInline(_ProofInline):
    model = StructurePhoto
    fields = ["alt_text", "image", "position"]


class OfferInline(_ProofInline):
    model = Offer
    fields = ["title", "description"]


class StructureAdminForm(forms.ModelForm):
    """The staff form: the SIRET is checked like everywhere else (format, checksum, French messages)."""

    class Meta:
        model = Structure
        fields = "__all__"  # noqa: DJ007 - the admin's fieldsets choose what is shown

    def clean_siret(self):
        try:
            return clean_siret(self.cleaned_data["siret"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages[0], code=error.code) from None


def _run(modeladmin, request, queryset, action, done_message, **kwargs):
    """Call a service on each selected structure; report successes and refusals (French messages)."""
    done = 0
    for structure in queryset:
        try:
            action(structure=structure, by=request.user, **kwargs)
        except services.StructureError as error:
            modeladmin.message_user(request, f"{structure.name} : {error.message}", messages.WARNING)
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)


@admin.register(Structure)
class StructureAdmin(admin.ModelAdmin):
    form = StructureAdminForm
    list_display = [
        "name",
        "siret",
        "legal_form",
        "category_display",
        "verification_badge",
        "city",
        "member_count",
        "created_at",
    ]
    list_filter = [
        "verification_status",
        CategoryFilter,
        "legal_form",
        ArchivedFilter,
        "esus_accredited",
        ("topics", admin.RelatedOnlyFieldListFilter),
        ("areas", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["name", "siret", "=siren", "city", "contact_email"]
    date_hierarchy = "created_at"
    list_per_page = 50

    @admin.display(description=gettext_lazy("catégorie"), ordering="category")
    def category_display(self, obj):
        return obj.category_label

    filter_horizontal = ["topics", "sectors", "areas"]
    inlines = [MembershipInline, ClientReferenceInline, StructureLabelInline, StructurePhotoInline, OfferInline]
    actions = ["verify_structures", "reject_structures", "archive_structures", "restore_structures"]
    readonly_fields = [
        "siren",
        "category_display",
        "eligible_12",
        "eligible_13",
        "eligible_15",
        "verification_status",
        "rejection_reason",
        "verified_at",
        "verified_by_display",
        "archived_at",
        "created_at",
        "updated_at",
        "public_link",
        "review_link",
    ]
    fieldsets = [
        (
            gettext_lazy("Vérification"),
            {
                "fields": [
                    "review_link",
                    "verification_status",
                    "rejection_reason",
                    "verified_at",
                    "verified_by_display",
                    "archived_at",
                ]
            },
        ),
        (
            gettext_lazy("Identité"),
            {
                "fields": [
                    "name",
                    "slug",
                    "siret",
                    "siren",
                    "legal_form",
                    "esus_accredited",
                    "category_display",
                    ("eligible_12", "eligible_13", "eligible_15"),
                    "address",
                    ("postcode", "city"),
                    "website",
                    "logo",
                    "public_link",
                ]
            },
        ),
        (gettext_lazy("Contact public"), {"fields": ["contact_name", "contact_email", "contact_phone"]}),
        (gettext_lazy("Activité"), {"fields": ["topics", "sectors", "areas"]}),
        (
            gettext_lazy("Capacité"),
            {
                "fields": [
                    "headcount",
                    "turnover",
                    ("insertion_people_per_year", "insertion_hours_per_year"),
                    "description",
                    "references",
                    "matching_opt_out",
                ]
            },
        ),
        (gettext_lazy("Dates"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_count=Count("memberships"))

    def has_add_permission(self, request):
        return False  # structures are created by their members (wizard) or by the staff import

    def has_delete_permission(self, request, obj=None):
        return False  # archive instead: history is kept

    def has_verify_permission(self, request):
        return perms.can_verify(request.user)

    @admin.display(description=gettext_lazy("vérification"), ordering="verification_status")
    def verification_badge(self, obj):
        symbols = {VerificationStatus.VERIFIED: "✓", VerificationStatus.REJECTED: "✗", VerificationStatus.PENDING: "…"}
        label = obj.get_verification_status_display()
        if obj.archived_at:
            label = _("%(status)s (archivée)") % {"status": label}
        return f"{symbols.get(obj.verification_status, '')} {label}"

    @admin.display(description=gettext_lazy("membres"), ordering="member_count")
    def member_count(self, obj):
        return obj.member_count

    @admin.display(description=gettext_lazy("vérifiée par"))
    def verified_by_display(self, obj):
        return str(obj.verified_by) if obj.verified_by_id else "—"

    @admin.display(description=gettext_lazy("éligible L2113-12 (EA/ESAT)"))
    def eligible_12(self, obj):
        return _("Oui") if obj.eligible_l2113_12 else _("Non")

    @admin.display(description=gettext_lazy("éligible L2113-13 (SIAE)"))
    def eligible_13(self, obj):
        return _("Oui") if obj.eligible_l2113_13 else _("Non")

    @admin.display(description=gettext_lazy("éligible L2113-15 (ESS)"))
    def eligible_15(self, obj):
        return _("Oui") if obj.eligible_l2113_15 else _("Non")

    @admin.display(description=gettext_lazy("décision"))
    def review_link(self, obj):
        """The staff verification page: identity checks, members, history, and the Vérifier / Refuser buttons."""
        if not obj.pk:
            return "-"
        return format_html(
            '<a class="button" href="{}">{}</a>',
            reverse("backoffice:structure", args=[obj.pk]),
            _("Vérifier, refuser ou demander une précision"),
        )

    @admin.display(description=gettext_lazy("fiche publique"))
    def public_link(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("structures:detail", args=[obj.slug])
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.action(description=gettext_lazy("Vérifier les structures sélectionnées"), permissions=["verify"])
    def verify_structures(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            services.structure_verify,
            lambda n: (
                ngettext(
                    "%(count)d structure vérifiée : ses membres reçoivent un e-mail.",
                    "%(count)d structures vérifiées : leurs membres reçoivent un e-mail.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(
        description=gettext_lazy("Refuser les structures sélectionnées (avec un motif)…"), permissions=["verify"]
    )
    def reject_structures(self, request, queryset):
        """An intermediate page asks for the reason (sent to the structures' members), then rejects."""
        form = RejectionForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            _run(
                self,
                request,
                queryset,
                services.structure_reject,
                lambda n: (
                    ngettext(
                        "%(count)d structure refusée : ses membres reçoivent le motif par e-mail.",
                        "%(count)d structures refusées : leurs membres reçoivent le motif par e-mail.",
                        n,
                    )
                    % {"count": n}
                ),
                reason=form.cleaned_data["reason"],
            )
            return HttpResponseRedirect(request.get_full_path())
        context = {
            **self.admin_site.each_context(request),
            "title": _("Refuser des structures"),
            "opts": self.model._meta,
            "structures": queryset,
            "form": form,
            "action": "reject_structures",
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
        }
        return TemplateResponse(request, "structures/admin_reject.html", context)

    @admin.action(description=gettext_lazy("Archiver les structures sélectionnées"), permissions=["verify"])
    def archive_structures(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            services.structure_archive,
            lambda n: ngettext("%(count)d structure archivée.", "%(count)d structures archivées.", n) % {"count": n},
        )

    @admin.action(description=gettext_lazy("Remettre en ligne les structures archivées"), permissions=["verify"])
    def restore_structures(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            services.structure_restore,
            lambda n: (
                ngettext("%(count)d structure remise en ligne.", "%(count)d structures remises en ligne.", n)
                % {"count": n}
            ),
        )


@admin.register(StructureToVerify)
class StructureToVerifyAdmin(StructureAdmin):
    """The queue: pending structures, newest first (today's sign-ups on top; "Créée le" sorts both ways), labels
    and not codes, few enough columns to fit 1,280 px. Each row links to the staff verification page."""

    list_display = ["name", "legal_form", "category_display", "city", "member_count", "created_at", "review_link"]
    list_filter = [CategoryFilter, "legal_form", ("topics", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = None
    actions = ["verify_structures", "reject_structures"]
    ordering = ["-created_at", "-pk"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(verification_status=VerificationStatus.PENDING, archived_at__isnull=True)
        )


@admin.register(Topic)
class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "position", "is_active", "structure_count"]
    list_editable = ["name_en", "position", "is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "name_en"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(structure_count=Count("structures"))

    @admin.display(description=gettext_lazy("structures"), ordering="structure_count")
    def structure_count(self, obj):
        return obj.structure_count


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    """The labels and certifications structures may show (issue 14): staff keep the list."""

    list_display = ["name", "is_active", "holder_count"]
    list_editable = ["is_active"]
    list_filter = ["is_active"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "description"]

    def get_queryset(self, request):
        holders = StructureLabel.objects.filter(label=OuterRef("pk")).values("label").annotate(n=Count("pk"))
        return super().get_queryset(request).annotate(holder_count=Coalesce(Subquery(holders.values("n")), 0))

    @admin.display(description=gettext_lazy("structures"), ordering="holder_count")
    def holder_count(self, obj):
        return obj.holder_count


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "position"]
    list_editable = ["name_en", "position"]
    prepopulated_fields = {"slug": ["name"]}
    search_fields = ["name", "name_en"]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ["name", "name_en", "code", "kind", "parent", "position"]
    list_editable = ["name_en", "position"]
    list_filter = ["kind"]
    search_fields = ["name", "name_en", "code"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "structure", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "user__last_name", "structure__name", "structure__siret"]
    list_select_related = ["user", "structure"]
    readonly_fields = ["structure", "user", "role", "created_at"]
    actions = ["make_admin", "make_member", "remove_members"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # through the action below, which keeps at least one administrator

    def _change(self, request, queryset, role):
        done = 0
        for membership in queryset.select_related("structure"):
            try:
                services.membership_change_role(membership=membership, role=role, by=request.user)
            except services.StructureError as error:
                self.message_user(request, f"{membership} : {error.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("Rôle modifié pour %(count)d personne.", "Rôle modifié pour %(count)d personnes.", done)
                % {"count": done},
                messages.SUCCESS,
            )

    @admin.action(description=gettext_lazy("Nommer administrateur"), permissions=["change"])
    def make_admin(self, request, queryset):
        self._change(request, queryset, Membership.Role.ADMIN)

    @admin.action(description=gettext_lazy("Passer simple membre"), permissions=["change"])
    def make_member(self, request, queryset):
        self._change(request, queryset, Membership.Role.MEMBER)

    @admin.action(description=gettext_lazy("Retirer de l'équipe"), permissions=["change"])
    def remove_members(self, request, queryset):
        done = 0
        for membership in queryset.select_related("structure"):
            try:
                services.membership_remove(membership=membership, by=request.user)
            except services.StructureError as error:
                self.message_user(request, f"{membership} : {error.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d personne retirée.", "%(count)d personnes retirées.", done) % {"count": done},
                messages.SUCCESS,
            )


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "structure", "role", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["role"]
    search_fields = ["email", "structure__name"]
    list_select_related = ["structure"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(JoinRequest)
class JoinRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "structure", "status", "created_at", "decided_at"]
    list_filter = ["status"]
    search_fields = ["user__email", "structure__name", "structure__siret"]
    list_select_related = ["user", "structure"]
    readonly_fields = ["structure", "user", "message", "status", "decided_by", "decided_at", "created_at"]
    actions = ["accept_requests", "refuse_requests"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _decide(self, request, queryset, service, label):
        done = 0
        for join_request in queryset.select_related("structure", "user"):
            try:
                service(request=join_request, by=request.user)
            except services.StructureError as error:
                self.message_user(request, f"{join_request} : {error.message}", messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(request, label(done) % {"count": done}, messages.SUCCESS)

    @admin.action(description=gettext_lazy("Accepter les demandes sélectionnées"), permissions=["change"])
    def accept_requests(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.join_request_accept,
            lambda n: ngettext("%(count)d demande acceptée.", "%(count)d demandes acceptées.", n),
        )

    @admin.action(description=gettext_lazy("Refuser les demandes sélectionnées"), permissions=["change"])
    def refuse_requests(self, request, queryset):
        self._decide(
            request,
            queryset,
            services.join_request_refuse,
            lambda n: ngettext("%(count)d demande refusée.", "%(count)d demandes refusées.", n),
        )


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Read-only history; imports are run from the staff import pages (/structures/imports/)."""

    list_display = [
        "__str__",
        "status",
        "total_rows",
        "created_count",
        "updated_count",
        "rejected_count",
        "created_at",
    ]
    list_filter = ["status"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
