"""Staff pages to import structures from a CSV file, under /structures/imports/ (Les Canaux staff only, else 404).

Upload → the check runs in Celery → the dry-run report (row by row) → "Appliquer" → progress while the chunks run.
The logic is in structures.imports; these views check access, bind the form, call one service and redirect.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from structures import imports
from structures.forms_imports import ImportUploadForm
from structures.models import ImportJob
from structures.visibility import can_import

REPORT_PAGE_SIZE = 100
# An import "applying" whose job row has not moved for this long lost its worker: staff may resume it.
STALLED_AFTER_SECONDS = 120


def staff_only(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not can_import(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@staff_only
@require_http_methods(["GET", "POST"])
def import_list(request):
    """The upload form, the documented columns and the previous imports."""
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = imports.import_create(upload=form.cleaned_data["file"], by=request.user)
        messages.success(request, _("Fichier reçu : la vérification des lignes a commencé."))
        return redirect("structures:import_detail", pk=job.pk)
    jobs = ImportJob.objects.select_related("uploaded_by").defer("report").order_by("-created_at")[:20]
    return render(
        request,
        "structures/imports/list.html",
        {"form": form, "jobs": jobs, "columns": imports.COLUMNS, "max_rows": imports.MAX_ROWS},
    )


@staff_only
@require_GET
def import_template(request):
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="modele-import-structures.csv"'
    return response


@staff_only
@require_GET
def import_detail(request, pk):
    """Progress while the file is checked or applied; then the report, with its counts, row by row."""
    job = get_object_or_404(ImportJob.objects.select_related("uploaded_by"), pk=pk)
    action = request.GET.get("action", "")
    entries = [e for e in job.report if e["action"] == action] if action in imports.ACTION_LABELS else job.report
    page = Paginator(entries, REPORT_PAGE_SIZE).get_page(request.GET.get("page"))
    applied = job.status in (ImportJob.Status.APPLYING, ImportJob.Status.DONE) or job.processed_rows > 0
    running = job.status in (ImportJob.Status.UPLOADED, ImportJob.Status.CHECKING, ImportJob.Status.APPLYING)
    stalled = running and (timezone.now() - job.updated_at).total_seconds() > STALLED_AFTER_SECONDS
    same_file = (
        ImportJob.objects.filter(file_sha256=job.file_sha256, created_at__lt=job.created_at)
        .exclude(pk=job.pk)
        .order_by("-created_at")
        .only("pk", "created_at")
        .first()
    )
    labels = imports.APPLIED_LABELS if applied else imports.ACTION_LABELS
    rows = [
        {
            **entry,
            "action_label": labels[entry["action"]],
            "changes_labels": [str(imports.FIELD_LABELS.get(name, name)) for name in entry["changes"]],
            # Rows not reached yet by the apply still show the dry run's prediction.
            "pending": job.status == ImportJob.Status.APPLYING and entry["line"] > _last_line(job),
        }
        for entry in page.object_list
    ]
    progress_total = job.total_rows or 1
    context = {
        "job": job,
        "file_name": imports.display_name(job),
        "rows": rows,
        "page_obj": page,
        "action": action,
        "action_choices": list(imports.ACTION_LABELS.items()),
        "applied": applied,
        "running": running,
        "stalled": stalled,
        "same_file": same_file,
        "progress_percent": min(100, round(100 * job.processed_rows / progress_total)),
        "can_apply": job.status == ImportJob.Status.CHECKED and (job.created_count or job.updated_count),
        "resumable": job.status == ImportJob.Status.CHECKED and job.processed_rows > 0,
    }
    return render(request, "structures/imports/detail.html", context)


def _last_line(job: ImportJob) -> int:
    index = job.processed_rows - 1
    return job.report[index]["line"] if 0 <= index < len(job.report) else 0


@staff_only
@require_POST
def import_apply(request, pk):
    """POST "apply" starts (or resumes) writing the rows; "stop" pauses after the chunk in progress."""
    job = get_object_or_404(ImportJob, pk=pk)
    if request.POST.get("action") == "stop":
        imports.import_stop(job=job, by=request.user)
        messages.info(request, _("Import mis en pause : vous pourrez le reprendre là où il s'est arrêté."))
        return redirect("structures:import_detail", pk=job.pk)
    if request.POST.get("action") == "resume" and job.status == ImportJob.Status.APPLYING:
        # The worker was lost mid-way: queue the next chunk again (the job's lock makes a duplicate harmless).
        from structures import tasks

        tasks.apply_import.delay_on_commit(job.pk)
        messages.info(request, _("Import relancé."))
        return redirect("structures:import_detail", pk=job.pk)
    try:
        imports.import_start_apply(job=job, by=request.user)
    except imports.ImportStateError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Import lancé : les structures sont écrites par lots."))
    return redirect("structures:import_detail", pk=job.pk)
