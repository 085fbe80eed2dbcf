"""`/espace/` panel for structure members: their tenders, groupements and questions (accounts.views.dashboard)."""

from django.db.models import Count, Q

from structures.models import Structure
from tenders.models import Interest, PartnerMessage, PartnerSearch, Question

PANEL_LIMIT = 10


def my_tenders_panel(request):
    """The tenders the user's structures are interested in (closest deadline first), their partner searches with
    the messages received, and their questions (answered or not). None for a user without a structure."""
    if not request.user.is_authenticated:
        return None
    structures = list(Structure.objects.for_member(request.user).active().only("pk", "name", "slug"))
    if not structures:
        return None
    ids = [structure.pk for structure in structures]
    tender_fields = ("id", "slug", "title", "bid_deadline", "status", "buyer__name")
    interests = list(
        Interest.objects.filter(structure_id__in=ids, answer=Interest.Answer.INTERESTED)
        .exclude(tender__published_at=None)
        .select_related("tender__buyer", "structure")
        .only("pk", "structure__name", "structure__slug", *(f"tender__{f}" for f in tender_fields))
        .order_by("tender__bid_deadline")[:PANEL_LIMIT]
    )
    searches = list(
        PartnerSearch.objects.filter(structure_id__in=ids, is_active=True)
        .exclude(tender__published_at=None)
        .select_related("tender", "structure")
        .only(
            "pk",
            "contribution",
            "structure__name",
            "structure__slug",
            "tender__slug",
            "tender__title",
            "tender__bid_deadline",
            "tender__status",
        )
        .annotate(
            others=Count(
                "tender__partner_searches",
                filter=Q(tender__partner_searches__is_active=True)
                & ~Q(tender__partner_searches__structure_id__in=ids),
            )
        )
        .order_by("tender__bid_deadline")[:PANEL_LIMIT]
    )
    received = list(
        PartnerMessage.objects.filter(recipient_id__in=ids)
        .select_related("tender", "sender", "recipient")
        .only("pk", "created_at", "body", "sender__name", "recipient__name", "tender__slug", "tender__title")
        .order_by("-created_at")[:PANEL_LIMIT]
    )
    questions = list(
        Question.objects.filter(structure_id__in=ids)
        .select_related("tender")
        .only("pk", "text", "answered_at", "created_at", "tender__slug", "tender__title")
        .order_by("-created_at")[:PANEL_LIMIT]
    )
    return {
        "template": "tenders/_panel_my_tenders.html",
        "structures": structures,
        "interests": interests,
        "searches": searches,
        "received_messages": received,
        "questions": questions,
    }
