"""Importing awards made outside the platform (`/charte/import/`): upload, dry run, apply (charter.imports).

A buyer imports for their own organisation; Les Canaux staff for any buyer. Imports are fetched through
`AwardImport.objects.for_user(user)`: another organisation's import is a 404.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from charter import imports
from charter.forms import AwardImportForm
from charter.models import AwardImport
from tenders import perms


def _own_organisation(user):
    organisation_id = perms.buyer_organisation_id(user)
    return user.buyer_membership.organisation if organisation_id is not None else None


def can_import(user) -> bool:
    """Staff import for any buyer, a buyer for their own organisation (tenders.perms holds both rules)."""
    return perms.is_platform_staff(user) or perms.is_buyer(user)


def importers_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_import(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@importers_only
@require_http_methods(["GET", "POST"])
def import_new(request):
    """The upload form and the previous imports."""
    staff = perms.is_platform_staff(request.user)
    form = AwardImportForm(request.POST or None, request.FILES or None, staff=staff)
    if request.method == "POST" and form.is_valid():
        buyer = form.cleaned_data["buyer"] if staff else _own_organisation(request.user)
        upload = form.cleaned_data["file"]
        try:
            award_import = imports.import_check(
                buyer=buyer, content=upload.read(), filename=upload.name, by=request.user
            )
        except imports.ImportFileError as error:
            form.add_error("file", str(error))
        else:
            messages.success(request, _("Fichier vérifié : voici ce que l'import fera. Rien n'est encore écrit."))
            return redirect("charter:import_detail", pk=award_import.pk)
    previous = (
        AwardImport.objects.for_user(request.user).select_related("buyer").defer("rows", "report").order_by("-pk")[:10]
    )
    return render(request, "charter/import_new.html", {"form": form, "previous": previous})


@importers_only
def import_detail(request, pk):
    """The dry run's report, the apply button, then the progress and the result."""
    award_import = get_object_or_404(
        AwardImport.objects.for_user(request.user).select_related("buyer").defer("rows"), pk=pk
    )
    outcome = request.GET.get("resultat", "")
    labels = imports.OUTCOME_LABELS
    report = [
        {**row, "label": labels.get(row["outcome"], row["outcome"])}
        for row in award_import.report
        if not outcome or row["outcome"] == outcome
    ]
    page = Paginator(report, 100).get_page(request.GET.get("page"))
    context = {
        "award_import": award_import,
        "page_obj": page,
        "outcome": outcome,
        "outcomes": list(imports.OUTCOME_LABELS.items()),
        "running": award_import.status == AwardImport.Status.APPLYING,
    }
    return render(request, "charter/import_detail.html", context)


@importers_only
@require_POST
def import_apply(request, pk):
    award_import = get_object_or_404(AwardImport.objects.for_user(request.user), pk=pk)
    try:
        imports.import_start_apply(award_import=award_import, by=request.user)
    except imports.ImportStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Import lancé : les attributions sont écrites par lots."))
    return redirect("charter:import_detail", pk=pk)
