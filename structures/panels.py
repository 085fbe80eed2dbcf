"""Dashboard panel for /espace/ (see accounts.views.dashboard)."""

from django.db.models import Count, Q

from structures.models import JoinRequest, Membership, Structure
from structures.services import structure_completeness


def structure_panel(request):
    """The user's structures with their completeness and verification status, and their pending join requests.

    None when there is nothing to show: the dashboard's welcome panel then offers "Je représente une structure".
    """
    user = request.user
    structures = list(
        Structure.objects.for_member(user)
        .active()
        .prefetch_related("topics", "sectors", "areas", "clarification_requests")
        .with_proofs()
        .annotate(
            pending_requests=Count(
                "join_requests", filter=Q(join_requests__status=JoinRequest.Status.PENDING), distinct=True
            )
        )
        .order_by("name")
    )
    pending = list(
        JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING)
        .select_related("structure")
        .order_by("-created_at")
    )
    if not structures and not pending:
        return None
    roles = dict(Membership.objects.filter(user=user).values_list("structure_id", "role"))
    items = [
        {
            "structure": structure,
            "completeness": structure_completeness(structure),
            "is_admin": roles.get(structure.pk) == Membership.Role.ADMIN,
        }
        for structure in structures
    ]
    return {"template": "structures/space/_panel.html", "items": items, "pending_requests": pending}
