"""Les Canaux staff organise meet-ups here: meet-ups, registrations with the waitlist, the schedule per table.

Only platform staff see this app (buyers also use the admin, for their tenders: they find nothing here). Every
change of state goes through meetups.services (cancel and promote, build the schedule, fill freed seats).
"""

from __future__ import annotations

from collections import defaultdict

from django.contrib import admin, messages
from django.db.models import Count, Q
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy, ngettext

from ess2024.admin_scoping import NotFoundInsteadOfRedirectMixin
from meetups import perms, services
from meetups.models import Meeting, MeetingRequest, Meetup, Registration, RegistrationStatus, RequestStatus


class StaffOnlyMixin:
    """Les Canaux staff only; anyone else finds no object here."""

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        return queryset if perms.can_organise(request.user) else queryset.none()

    def has_module_permission(self, request):
        return perms.can_organise(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return perms.can_organise(request.user) and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return perms.can_organise(request.user) and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return perms.can_organise(request.user) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return perms.can_organise(request.user) and super().has_delete_permission(request, obj)


class RegistrationInline(StaffOnlyMixin, admin.TabularInline):
    """Read-only: registrations are made on the site and cancelled with the action (which promotes the waitlist)."""

    model = Registration
    extra = 0
    can_delete = False
    fields = ["structure", "status", "position", "registered_by", "created_at", "cancelled_at"]
    readonly_fields = fields
    ordering = ["status", "position", "created_at"]
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Meetup)
class MeetupAdmin(NotFoundInsteadOfRedirectMixin, StaffOnlyMixin, admin.ModelAdmin):
    list_display = [
        "title",
        "starts_at",
        "venue",
        "status",
        "seats",
        "waitlist",
        "schedule_link",
    ]
    list_filter = ["status", ("topics", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "venue"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["topics", "buyers"]
    readonly_fields = ["schedule_built_at", "schedule_published_at", "schedule_link", "public_link", "staff_link"]
    inlines = [RegistrationInline]
    actions = ["build_schedule", "fill_waitlist"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "description", "public_link"]}),
        (
            gettext_lazy("Quand et où"),
            {"fields": ["starts_at", "ends_at", "registration_deadline", "venue", "address"]},
        ),
        (
            gettext_lazy("Participants"),
            {"fields": ["capacity", "meeting_minutes", "requests_need_acceptance", "topics", "buyers"]},
        ),
        (
            gettext_lazy("Planning"),
            {
                "fields": [
                    "tables",
                    "breaks",
                    "schedule_built_at",
                    "schedule_published_at",
                    "schedule_link",
                    "staff_link",
                ]
            },
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).with_seat_counts()

    @admin.display(description=gettext_lazy("inscrites / places"), ordering="confirmed_count")
    def seats(self, obj):
        return f"{getattr(obj, 'confirmed_count', '?')} / {obj.capacity}"

    @admin.display(description=gettext_lazy("liste d'attente"), ordering="waitlist_count")
    def waitlist(self, obj):
        return getattr(obj, "waitlist_count", "?")

    @admin.display(description=gettext_lazy("planning"))
    def schedule_link(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("admin:meetups_meetup_schedule", args=[obj.pk])
        label = gettext("Voir le planning par table") if obj.schedule_built_at else gettext("Pas encore construit")
        return format_html('<a href="{}">{}</a>', url, label)

    @admin.display(description=gettext_lazy("jour J"))
    def staff_link(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("meetups:staff", kwargs={"slug": obj.slug})
        return format_html('<a href="{}">{}</a>', url, gettext("Publier, badges, accueil, absences et avis"))

    @admin.display(description=gettext_lazy("page publique"))
    def public_link(self, obj):
        if not obj.pk:
            return "-"
        url = reverse("meetups:detail", kwargs={"slug": obj.slug})
        return format_html('<a href="{}">{}</a>', url, url)

    @admin.action(description=gettext_lazy("Construire le planning"))
    def build_schedule(self, request, queryset):
        """Build at once a schedule not yet published; a published one is re-optimised from its page, which shows
        the difference before anything changes."""
        from meetups.scheduling.db import certificate_sentence

        for meetup in queryset.order_by("starts_at"):
            if meetup.schedule_published_at is not None:
                self.message_user(
                    request,
                    gettext(
                        "%(title)s : le planning est publié ; recalculez-le depuis sa page « Planning », qui montre "
                        "les changements avant de les appliquer."
                    )
                    % {"title": meetup.title},
                    messages.WARNING,
                )
                continue
            try:
                result = services.schedule_build(meetup=meetup, by=request.user)
            except services.MeetupError as error:
                self.message_user(request, f"{meetup.title} : {error.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                ngettext(
                    "%(title)s : %(placed)d rendez-vous placé, %(unplaced)d demande non placée.",
                    "%(title)s : %(placed)d rendez-vous placés, %(unplaced)d demandes non placées.",
                    result.placed,
                )
                % {"title": meetup.title, "placed": result.placed, "unplaced": len(result.unplaced)},
                messages.WARNING if result.unplaced else messages.SUCCESS,
            )
            self.message_user(request, f"{certificate_sentence(result.certificate)}.", messages.INFO)

    @admin.action(description=gettext_lazy("Donner les places libres à la liste d'attente"))
    def fill_waitlist(self, request, queryset):
        total = 0
        for meetup in queryset:
            total += len(services.waitlist_fill(meetup=meetup, by=request.user))
        self.message_user(
            request,
            ngettext(
                "%(count)d structure passe de la liste d'attente aux inscrites (e-mail envoyé).",
                "%(count)d structures passent de la liste d'attente aux inscrites (e-mail envoyé).",
                total,
            )
            % {"count": total},
        )

    def get_urls(self):
        return [
            path(
                "<int:pk>/planning/",
                self.admin_site.admin_view(self.schedule_view),
                name="meetups_meetup_schedule",
            ),
            *super().get_urls(),
        ]

    def schedule_view(self, request, pk):
        """The schedule per table (one printed page per table), the wishes left unplaced, and the scheduler: run it
        in the background, see its certificate and what would change, apply it."""
        from meetups.scheduling import db as scheduling
        from meetups.scheduling import jobs

        if not self.has_view_permission(request):
            raise Http404
        meetup = get_object_or_404(Meetup, pk=pk)
        if request.method == "POST":
            if not self.has_change_permission(request, meetup):
                raise Http404
            return self._schedule_post(request, meetup)
        meetings = list(
            Meeting.objects.filter(meetup=meetup)
            .select_related("buyer", "structure", "request")
            .only(
                "pk",
                "starts_at",
                "ends_at",
                "table",
                "pinned",
                "buyer_id",
                "structure_id",
                "buyer__name",
                "structure__name",
                "request__note",
            )
            .order_by("table", "starts_at")
        )
        tables = defaultdict(list)
        for meeting in meetings:
            tables[meeting.table].append(meeting)
        met = {(m.buyer_id, m.structure_id) for m in meetings}
        unplaced, seen = [], set()
        for wish in (
            MeetingRequest.objects.filter(
                registration__meetup=meetup,
                registration__status=RegistrationStatus.CONFIRMED,
                status=RequestStatus.ACCEPTED,
            )
            .select_related("registration__structure", "buyer")
            .order_by("buyer__name", "registration__structure__name", "pk")
        ):
            pair = (wish.buyer_id, wish.registration.structure_id)
            if pair not in met and pair not in seen:
                seen.add(pair)
                unplaced.append(wish)
        counts = meetup.registrations.aggregate(
            confirmed=Count("pk", filter=Q(status=RegistrationStatus.CONFIRMED)),
            waitlisted=Count("pk", filter=Q(status=RegistrationStatus.WAITLISTED)),
        )
        job = jobs.get(meetup.pk)
        proposal = job.get("proposal") if job and job.get("state") == "done" else None
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Planning : %(title)s") % {"title": meetup.title},
            "opts": self.model._meta,
            "meetup": meetup,
            "tables": [(table, rows) for table, rows in sorted(tables.items())],
            "meeting_count": len(meetings),
            "pinned_count": sum(1 for m in meetings if m.pinned),
            "unplaced": unplaced if meetup.schedule_built_at else [],
            "counts": counts,
            "job": job,
            "job_running": jobs.running(job),
            "job_percent": round(100 * job.get("progress", 0)) if job else 0,
            "job_step": STEP_LABELS.get(job.get("step"), "") if job else "",
            "proposal": proposal,
            "sentence": scheduling.certificate_sentence(proposal["certificate"]) if proposal else "",
            "levels": [
                {**level, "label": scheduling.LEVEL_LABELS.get(level["name"], level["name"])}
                for level in (proposal["certificate"]["levels"] if proposal else [])
            ],
            "published": meetup.schedule_published_at is not None,
        }
        return TemplateResponse(request, "meetups/admin_schedule.html", context)

    def _schedule_post(self, request, meetup):
        from meetups.scheduling import db as scheduling
        from meetups.scheduling import jobs

        url = reverse("admin:meetups_meetup_schedule", args=[meetup.pk])
        action = request.POST.get("action")
        if action == "compute":
            allow_move = request.POST.get("allow_move") == "on" and meetup.schedule_published_at is not None
            if jobs.queue(meetup=meetup, allow_move=allow_move, by=request.user):
                self.message_user(request, gettext("Calcul du planning lancé."), messages.SUCCESS)
            else:
                self.message_user(
                    request, gettext("Un calcul est déjà en cours pour cette rencontre."), messages.ERROR
                )
        elif action == "apply":
            job = jobs.get(meetup.pk)
            if not job or job.get("state") != "done":
                self.message_user(
                    request, gettext("Aucun calcul terminé à appliquer : lancez le calcul."), messages.ERROR
                )
                return HttpResponseRedirect(url)
            try:
                placed = scheduling.apply(meetup=meetup, proposal=job["proposal"], by=request.user)
            except scheduling.StaleProposal as error:
                self.message_user(request, str(error), messages.ERROR)
                return HttpResponseRedirect(url)
            jobs.clear(meetup.pk)
            self.message_user(
                request,
                ngettext(
                    "Planning appliqué : %(count)d rendez-vous.", "Planning appliqué : %(count)d rendez-vous.", placed
                )
                % {"count": placed},
                messages.SUCCESS,
            )
        elif action == "discard":
            jobs.clear(meetup.pk)
            self.message_user(request, gettext("Proposition abandonnée : rien n'a changé."), messages.SUCCESS)
        else:
            self.message_user(request, gettext("Action inconnue : rien n'a changé."), messages.ERROR)
        return HttpResponseRedirect(url)


STEP_LABELS = {
    "queued": gettext_lazy("en file d'attente"),
    "start": gettext_lazy("lecture des demandes"),
    "bound": gettext_lazy("calcul de la borne (flot maximal)"),
    "pairs": gettext_lazy("choix des rendez-vous (nombre, équité, priorités)"),
    "slots": gettext_lazy("placement dans les créneaux"),
    "full": gettext_lazy("placement exact (indisponibilités)"),
    "idle_slots": gettext_lazy("réduction des attentes"),
    "unserved_min": gettext_lazy("vérification de l'équité"),
    "done": gettext_lazy("terminé"),
}


class MeetingRequestInline(StaffOnlyMixin, admin.TabularInline):
    model = MeetingRequest
    extra = 0
    fields = ["buyer", "direction", "priority", "status", "note", "decline_reason", "created_at"]
    readonly_fields = ["created_at"]


@admin.register(Registration)
class RegistrationAdmin(NotFoundInsteadOfRedirectMixin, StaffOnlyMixin, admin.ModelAdmin):
    list_display = ["structure", "meetup", "status", "position", "request_count", "created_at"]
    list_filter = ["status", "meetup"]
    search_fields = ["structure__name", "structure__siret", "meetup__title"]
    list_select_related = ["structure", "meetup"]
    ordering = ["meetup__starts_at", "status", "position", "created_at"]
    readonly_fields = ["meetup", "structure", "status", "position", "registered_by", "created_at", "cancelled_at"]
    fields = readonly_fields
    inlines = [MeetingRequestInline]
    actions = ["cancel_registrations"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(request_total=Count("meeting_requests"))

    def has_add_permission(self, request):
        # Registrations go through the site (or the service): capacity and the waitlist are decided there.
        return False

    def has_delete_permission(self, request, obj=None):
        # Cancel instead: the freed seat goes to the waitlist and the meetings leave the schedule.
        return False

    @admin.display(description=gettext_lazy("demandes de rendez-vous"), ordering="request_total")
    def request_count(self, obj):
        return getattr(obj, "request_total", None)

    @admin.action(description=gettext_lazy("Annuler les inscriptions sélectionnées (la liste d'attente avance)"))
    def cancel_registrations(self, request, queryset):
        cancelled = promoted = 0
        for registration in queryset.exclude(status=RegistrationStatus.CANCELLED).select_related(
            "structure", "meetup"
        ):
            if services.registration_cancel(registration=registration, by=request.user) is not None:
                promoted += 1
            cancelled += 1
        self.message_user(
            request,
            gettext(
                "%(cancelled)d inscription(s) annulée(s), %(promoted)d structure(s) sortie(s) de la liste d'attente."
            )
            % {"cancelled": cancelled, "promoted": promoted},
        )
