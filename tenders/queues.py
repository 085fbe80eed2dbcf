"""The tenders app's queues on the staff home (settings.STAFF_QUEUES): buyer account requests to decide."""

from __future__ import annotations

from django.db.models import Count, Min
from django.urls import reverse
from django.utils.translation import gettext as _

from tenders.models import BuyerAccessRequest
from tenders.perms import is_platform_staff


def buyer_access_requests(request) -> list[dict]:
    """Pending "Demander un accès acheteur" requests, oldest first, linking to their list. Staff only."""
    if not is_platform_staff(request.user):
        return []
    figures = BuyerAccessRequest.objects.filter(status=BuyerAccessRequest.Status.PENDING).aggregate(
        count=Count("pk"), oldest=Min("created_at")
    )
    return [
        {
            "key": "tenders.buyer_access_requests",
            "label": _("Demandes d'accès acheteur"),
            "count": figures["count"],
            "oldest": figures["oldest"],
            "url": reverse("admin:tenders_buyeraccessrequest_changelist") + "?statut=pending",
            "detail": _("Accepter (invitation envoyée) ou refuser avec un motif."),
        }
    ]
