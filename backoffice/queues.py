"""The staff home's own queues (settings.STAFF_QUEUES: "backoffice.queues.platform_queues").

A provider is a callable (request) -> list of queue dicts
    {"key": str, "label": str, "count": int, "oldest": datetime | None, "url": str, "detail": str (optional)}.

`platform_queues` gives five of them (structures to verify, join requests waiting too long, failed emails, imports
to handle, tenders past their deadline and not awarded) from ONE query: a UNION ALL of five aggregates, each a count
and the date of the oldest item, read through the indexes. So the staff home costs the same whatever the number of
rows. A queue is shown even when empty: staff see "0" rather than wonder.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import CharField, Count, IntegerField, Min, Q, QuerySet, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox.models import OutboxEmail
from structures.models import ImportJob, JoinRequest, Structure, VerificationStatus
from tenders.models import Tender, TenderStatus

# A join request is "waiting too long" after this: the structure's administrators did not answer.
JOIN_REQUEST_PATIENCE = timedelta(days=7)
# Imports that need staff: checked and waiting to be applied, or failed.
IMPORT_STATUSES = [ImportJob.Status.CHECKED, ImportJob.Status.FAILED]


def pending_structures() -> QuerySet:
    """The structures staff have to look at: pending and not archived."""
    return Structure.objects.active().filter(verification_status=VerificationStatus.PENDING)


def late_join_requests() -> QuerySet:
    return JoinRequest.objects.filter(
        status=JoinRequest.Status.PENDING, created_at__lt=timezone.now() - JOIN_REQUEST_PATIENCE
    )


def tenders_past_deadline_queryset() -> QuerySet:
    """Tenders whose deadline has passed and that are neither awarded, cancelled nor declared unsuccessful."""
    return Tender.objects.filter(
        status__in=[TenderStatus.PUBLISHED, TenderStatus.CLOSED], bid_deadline__lt=timezone.now()
    )


def _aggregate(key: str, queryset: QuerySet, date_field: str, extra=None) -> QuerySet:
    """One row (key, count, oldest, extra) for `queryset`, or no row at all when it is empty."""
    return (
        queryset.order_by()
        .annotate(queue=Value(key, output_field=CharField()))
        .values("queue")
        .annotate(
            count=Count("pk"),
            oldest=Min(date_field),
            extra=extra if extra is not None else Value(0, output_field=IntegerField()),
        )
    )


def _rows() -> dict[str, dict]:
    parts = [
        _aggregate("structures_to_verify", pending_structures(), "created_at"),
        _aggregate("join_requests_waiting", late_join_requests(), "created_at"),
        _aggregate("failed_emails", OutboxEmail.objects.failed(), "created_at"),
        _aggregate(
            "imports",
            ImportJob.objects.filter(status__in=IMPORT_STATUSES),
            "created_at",
            extra=Count("pk", filter=Q(status=ImportJob.Status.FAILED)),
        ),
        _aggregate("tenders_past_deadline", tenders_past_deadline_queryset(), "bid_deadline"),
    ]
    union = parts[0].union(*parts[1:], all=True).order_by("queue")
    return {row["queue"]: row for row in union}


def platform_queues(request) -> list[dict]:
    rows = _rows()

    def queue(key: str, label: str, url: str, detail: str = "") -> dict:
        row = rows.get(key) or {}
        return {
            "key": key,
            "label": label,
            "count": row.get("count", 0),
            "oldest": row.get("oldest"),
            "url": url,
            "detail": detail,
        }

    imports = rows.get("imports") or {}
    import_detail = ""
    if imports.get("count"):
        import_detail = _("%(ready)d prêt(s) à appliquer, %(failed)d en échec") % {
            "ready": imports["count"] - imports["extra"],
            "failed": imports["extra"],
        }
    return [
        queue("structures_to_verify", _("Structures à vérifier"), reverse("backoffice:structures")),
        queue(
            "join_requests_waiting",
            _("Demandes d'adhésion sans réponse depuis plus de 7 jours"),
            reverse("admin:structures_joinrequest_changelist") + "?status__exact=pending",
        ),
        queue(
            "failed_emails",
            _("E-mails en échec"),
            reverse("admin:outbox_outboxemail_changelist") + "?status__exact=failed",
        ),
        queue("imports", _("Imports de structures à traiter"), reverse("structures:import_list"), import_detail),
        queue(
            "tenders_past_deadline",
            _("Appels d'offres échus non attribués"),
            reverse("backoffice:tenders_past_deadline"),
        ),
    ]
