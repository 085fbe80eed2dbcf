"""The staff back office, under /espace/equipe/ (Les Canaux staff only: anyone else gets a 404).

From the staff home (/espace/, backoffice.panels) to a decision on a structure takes three clicks: the count of
"Structures à vérifier", the structure in the queue, then Vérifier / Refuser / Demander une précision on its page.
Writes go through services (structures.services for verify and refuse, backoffice.services for a clarification).
Buyers have one page here too: their organisation's tender and award history (/espace/historique/).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.perms import is_platform_staff
from backoffice import checks
from backoffice.forms import ClarifyForm, RejectForm
from backoffice.history import KINDS, entries, kind_of
from backoffice.models import ClarificationRequest
from backoffice.queues import pending_structures, tenders_past_deadline_queryset
from backoffice.services import structure_request_clarification
from structures import services as structure_services
from structures.models import Membership, Structure
from structures.visibility import is_buyer
from tenders.models import Award, Tender

QUEUE_PAGE_SIZE = 50
HISTORY_PAGE_SIZE = 50
# ?ordre=… on the queue: newest first by default (today's sign-ups on top), oldest first on demand.
QUEUE_SORTS = {
    "recentes": ("-created_at", "-pk"),
    "anciennes": ("created_at", "pk"),
}


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_platform_staff(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@staff_required
def structure_queue(request):
    """`/espace/equipe/structures/`: the structures to verify, newest first (or oldest first), with labels."""
    sort = request.GET.get("ordre")
    if sort not in QUEUE_SORTS:
        sort = "recentes"
    # The member count is a subquery evaluated for the page's rows only (a join + GROUP BY would count them all).
    members = Membership.objects.filter(structure=OuterRef("pk")).order_by().values("structure")
    queryset = (
        pending_structures()
        .annotate(member_count=Subquery(members.annotate(count=Count("pk")).values("count")))
        .only("pk", "name", "siret", "legal_form", "category", "city", "postcode", "created_at", "esus_accredited")
        .order_by(*QUEUE_SORTS[sort])
    )
    page = Paginator(queryset, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/structure_queue.html", {"page_obj": page, "sort": sort})


def _review_context(structure: Structure, *, reject_form=None, clarify_form=None) -> dict:
    records = structure.history.order_by("-history_date", "-history_id")[:HISTORY_PAGE_SIZE]
    return {
        "structure": structure,
        "checks": checks.identity_checks(structure),
        "duplicates": checks.same_identifier(structure),
        "reserved": checks.reserved_statuses(structure),
        "members": checks.members(structure),
        "history": entries(records),
        "clarifications": list(
            ClarificationRequest.objects.filter(structure=structure).select_related("asked_by").order_by("-created_at")
        ),
        "reject_form": reject_form or RejectForm(),
        "clarify_form": clarify_form or ClarifyForm(),
        "history_kind": "structure",
    }


def _staff_structure(pk: int) -> Structure:
    return get_object_or_404(Structure, pk=pk)  # the review page shows no topics, sectors or areas


@require_GET
@staff_required
def structure_review(request, pk: int):
    """`/espace/equipe/structures/<pk>/`: everything needed to decide, and the three decisions."""
    return render(request, "backoffice/structure_review.html", _review_context(_staff_structure(pk)))


def _next_in_queue(structure: Structure):
    """After a decision, staff go back to the queue (the next structure is on top)."""
    return redirect("backoffice:structures")


@require_POST
@staff_required
def structure_verify(request, pk: int):
    structure = _staff_structure(pk)
    try:
        structure_services.structure_verify(structure=structure, by=request.user)
    except structure_services.StructureError as error:
        messages.warning(request, error.message)
        return redirect("backoffice:structure", pk=structure.pk)
    messages.success(
        request,
        _("« %(name)s » est vérifiée : ses membres sont prévenus par e-mail et elle apparaît dans l'annuaire.")
        % {"name": structure.name},
    )
    return _next_in_queue(structure)


@require_POST
@staff_required
def structure_reject(request, pk: int):
    structure = _staff_structure(pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            structure_services.structure_reject(
                structure=structure, by=request.user, reason=form.cleaned_data["reason"]
            )
        except structure_services.StructureError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(
                request, _("« %(name)s » est refusée : ses membres ont reçu le motif.") % {"name": structure.name}
            )
            return _next_in_queue(structure)
    context = _review_context(structure, reject_form=form)
    return render(request, "backoffice/structure_review.html", context, status=400)


@require_POST
@staff_required
def structure_clarify(request, pk: int):
    structure = _staff_structure(pk)
    form = ClarifyForm(request.POST)
    if form.is_valid():
        try:
            structure_request_clarification(structure=structure, by=request.user, message=form.cleaned_data["message"])
        except structure_services.StructureError as error:
            form.add_error("message", error.message)
        else:
            messages.success(
                request,
                _("Votre demande est envoyée aux membres de « %(name)s » ; la structure reste en attente.")
                % {"name": structure.name},
            )
            return redirect("backoffice:structure", pk=structure.pk)
    context = _review_context(structure, clarify_form=form)
    return render(request, "backoffice/structure_review.html", context, status=400)


@require_GET
@staff_required
def tenders_past_deadline(request):
    """`/espace/equipe/appels-d-offres-echus/`: past their deadline, not awarded (nor cancelled, nor unsuccessful)."""
    queryset = tenders_past_deadline_queryset().select_related("buyer").order_by("bid_deadline", "pk")
    page = Paginator(queryset, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "backoffice/tenders_past_deadline.html", {"page_obj": page})


@require_GET
@staff_required
def object_history(request, kind: str, pk: int):
    """`/espace/equipe/historique/<kind>/<pk>/`: every change of one structure, tender, award or meet-up."""
    model = KINDS.get(kind)
    if model is None:
        raise Http404
    records = model.history.filter(id=pk).order_by("-history_date", "-history_id")
    page = Paginator(records, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    if not page.object_list:
        raise Http404
    current = model.objects.filter(pk=pk).first()
    return render(
        request,
        "backoffice/history.html",
        {
            "page_obj": page,
            "entries": entries(page.object_list),
            "object_label": str(current) if current else str(page.object_list[0].instance),
            "model_label": model._meta.verbose_name,
            "kind": kind,
        },
    )


@require_GET
@login_required
def buyer_history(request):
    """`/espace/historique/`: the history of the buyer's own organisation's tenders and awards (nobody else's)."""
    if not is_buyer(request.user):
        raise Http404
    organisation = request.user.buyer_membership.organisation
    tender_records = Tender.history.filter(buyer_id=organisation.pk).order_by("-history_date", "-history_id")
    tender_ids = Tender.objects.filter(buyer=organisation).values("pk")
    award_records = Award.history.filter(tender_id__in=tender_ids).order_by("-history_date", "-history_id")
    return render(
        request,
        "backoffice/buyer_history.html",
        {
            "organisation": organisation,
            "tender_entries": entries(tender_records[:HISTORY_PAGE_SIZE]),
            "award_entries": entries(award_records[:HISTORY_PAGE_SIZE]),
            "tender_kind": kind_of(Tender),
        },
    )
