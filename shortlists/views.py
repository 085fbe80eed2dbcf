"""Shortlist pages (`/listes/`): a buyer's (or staff's) lists, one list with its structures and notes, its exports,
its invitation to a tender, and "Ajouter à une liste" from a structure's profile.

Every view checks the role first (`can_use_shortlists`: buyers and staff; anyone else gets a 404, as for another
organisation's list), fetches through `Shortlist.objects.for_user`, binds a form, calls one service and redirects.
A refused write re-renders the page with the French message next to the form and what the user typed.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count, Max
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shortlists import exports, services
from shortlists.forms import AddToShortlistForm, ExportForm, InviteForm, NoteForm, ShortlistNameForm
from shortlists.models import Shortlist, ShortlistEntry
from shortlists.perms import can_use_shortlists
from structures.visibility import directory_structures
from tenders.models import TenderStatus


def _check_role(request) -> None:
    if not can_use_shortlists(request.user):
        raise Http404(_("Cette page n'existe pas."))


def _shortlist(request, pk: int) -> Shortlist:
    _check_role(request)
    return get_object_or_404(Shortlist.objects.for_user(request.user), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def index(request):
    """`/listes/`: the lists of my organisation (staff: the staff's lists), and a form to start one."""
    _check_role(request)
    form = ShortlistNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shortlist = services.shortlist_create(by=request.user, name=form.cleaned_data["name"])
        except services.ShortlistError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Liste « %(name)s » créée.") % {"name": shortlist.name})
            return redirect("shortlists:detail", pk=shortlist.pk)
    shortlists = (
        Shortlist.objects.for_user(request.user)
        .annotate(entry_count=Count("entries", distinct=True), last_added=Max("entries__added_at"))
        .select_related("created_by")
    )
    return render(
        request,
        "shortlists/index.html",
        {"shortlists": shortlists, "form": form, "directory_url": reverse("structures:index")},
        status=400 if form.is_bound and form.errors else 200,
    )


def _render_detail(request, shortlist: Shortlist, *, status: int = 200, **forms):
    entries = list(shortlist.entries.select_related("structure").order_by("structure__name", "pk"))
    tenders = list(services.invitable_tenders(request.user).only("pk", "title", "status", "reference"))
    context = {
        "shortlist": shortlist,
        "entries": entries,
        "rename_form": forms.get("rename_form") or ShortlistNameForm(initial={"name": shortlist.name}),
        "export_form": forms.get("export_form")
        or ExportForm(initial={"columns": exports.DEFAULT_COLUMNS, "format": "xlsx"}),
        "invite_form": forms.get("invite_form") or InviteForm(tenders=tenders),
        "note_error": forms.get("note_error"),
        "tenders": tenders,
        "invitations": shortlist.invitations.select_related("tender", "invited_by").order_by("-created_at"),
        "published": TenderStatus.PUBLISHED,
        "note_max_length": NoteForm.base_fields["note"].max_length,
    }
    return render(request, "shortlists/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, pk: int):
    """`/listes/<pk>/`: the list's structures with their notes; rename, delete, export, invite."""
    return _render_detail(request, _shortlist(request, pk))


@login_required
@require_POST
def rename(request, pk: int):
    shortlist = _shortlist(request, pk)
    form = ShortlistNameForm(request.POST)
    if form.is_valid():
        try:
            services.shortlist_rename(shortlist=shortlist, name=form.cleaned_data["name"], by=request.user)
        except services.ShortlistError as error:
            form.add_error("name", error.message)
        else:
            messages.success(request, _("Liste renommée : « %(name)s ».") % {"name": shortlist.name})
            return redirect("shortlists:detail", pk=shortlist.pk)
    shortlist.refresh_from_db()
    return _render_detail(request, shortlist, status=400, rename_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def delete(request, pk: int):
    """A confirmation page, then the deletion (the structures themselves stay in the directory)."""
    shortlist = _shortlist(request, pk)
    if request.method == "POST":
        name = shortlist.name
        services.shortlist_delete(shortlist=shortlist, by=request.user)
        messages.success(request, _("Liste « %(name)s » supprimée.") % {"name": name})
        return redirect("shortlists:index")
    return render(
        request, "shortlists/delete.html", {"shortlist": shortlist, "entry_count": shortlist.entries.count()}
    )


def _entry(request, pk: int, entry_pk: int) -> tuple[Shortlist, ShortlistEntry]:
    shortlist = _shortlist(request, pk)
    return shortlist, get_object_or_404(shortlist.entries.select_related("structure"), pk=entry_pk)


@login_required
@require_POST
def entry_note(request, pk: int, entry_pk: int):
    shortlist, entry = _entry(request, pk, entry_pk)
    note = request.POST.get("note", "")
    try:
        services.entry_set_note(entry=entry, note=note, by=request.user)
    except services.ShortlistError as error:
        return _render_detail(
            request, shortlist, status=400, note_error={"entry": entry.pk, "message": error.message, "value": note}
        )
    messages.success(request, _("Note enregistrée pour « %(name)s ».") % {"name": entry.structure.name})
    return redirect(reverse("shortlists:detail", args=[shortlist.pk]) + f"#structure-{entry.pk}")


@login_required
@require_POST
def entry_remove(request, pk: int, entry_pk: int):
    shortlist, entry = _entry(request, pk, entry_pk)
    services.entry_remove(entry=entry, by=request.user)
    messages.success(
        request,
        _("« %(structure)s » retirée de la liste « %(name)s ».")
        % {"structure": entry.structure.name, "name": shortlist.name},
    )
    return redirect("shortlists:detail", pk=shortlist.pk)


@login_required
@require_GET
def export(request, pk: int):
    """`/listes/<pk>/export/?columns=name&columns=siret&format=xlsx`: the file, with the chosen columns only."""
    shortlist = _shortlist(request, pk)
    form = ExportForm(request.GET)
    if not form.is_valid():
        return _render_detail(request, shortlist, status=400, export_form=form)
    exporter = exports.export_xlsx if form.cleaned_data["format"] == "xlsx" else exports.export_csv
    return exporter(shortlist, form.cleaned_data["columns"])


@login_required
@require_POST
def invite(request, pk: int):
    """Invite the whole list to one of my organisation's tenders (draft, or published and open)."""
    shortlist = _shortlist(request, pk)
    tenders = list(services.invitable_tenders(request.user).only("pk", "title", "status", "reference"))
    form = InviteForm(request.POST, tenders=tenders)
    if form.is_valid():
        tender = next(tender for tender in tenders if tender.pk == form.cleaned_data["tender"])
        try:
            _invitation, notified = services.shortlist_invite(shortlist=shortlist, tender=tender, by=request.user)
        except services.ShortlistError as error:
            form.add_error("tender", error.message)
        else:
            if tender.status == TenderStatus.PUBLISHED:
                message = _(
                    "Liste invitée à « %(title)s » : ses structures sont prévenues maintenant, "
                    "en plus de celles que la plateforme a trouvées."
                )
            else:
                message = _(
                    "Liste invitée à « %(title)s » : ces structures recevront l'appel d'offres à sa publication, "
                    "en plus de celles que la plateforme trouvera."
                )
            messages.success(request, message % {"title": tender.title})
            return redirect("shortlists:detail", pk=shortlist.pk)
    return _render_detail(request, shortlist, status=400, invite_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def add(request, slug: str):
    """`/listes/ajouter/<slug>/`: "Ajouter à une liste" (the form is also on the structure's profile)."""
    _check_role(request)
    structure = get_object_or_404(directory_structures(), slug=slug)
    shortlists = list(Shortlist.objects.for_user(request.user))
    form = AddToShortlistForm(request.POST or None, shortlists=shortlists)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():  # a new list is not kept if the structure cannot go in it
                if data.get("shortlist"):
                    shortlist = next(s for s in shortlists if s.pk == data["shortlist"])
                else:
                    shortlist = services.shortlist_create(by=request.user, name=data["new_name"])
                _entry, created = services.entry_add(
                    shortlist=shortlist, structure=structure, by=request.user, note=data["note"]
                )
        except services.ShortlistError as error:
            form.add_error(None, error.message)
        else:
            if created:
                text = _("« %(structure)s » ajoutée à la liste « %(name)s ».")
            else:
                text = _("« %(structure)s » est déjà dans la liste « %(name)s ».")
            messages.success(request, text % {"structure": structure.name, "name": shortlist.name})
            return redirect("structures:detail", slug=structure.slug)
    return render(
        request,
        "shortlists/add.html",
        {"structure": structure, "form": form},
        status=400 if form.is_bound and form.errors else 200,
    )
