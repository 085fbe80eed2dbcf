from django.db.models import Case, IntegerField, Value, When

from matching.formatting import deadline_text
from matching.services import for_you
from structures.models import Membership

FOR_YOU_LIMIT = 10


def for_you_panel(request):
    """ "Pour vous" on /espace/: the open tenders that best match the member's structure, each with its reasons.

    A person in several structures sees those of the one they administer first (then by name). Bounded queries.
    """
    if not request.user.is_authenticated:
        return None
    membership = (
        Membership.objects.filter(user=request.user, structure__archived_at__isnull=True)
        .select_related("structure")
        .order_by(
            Case(When(role=Membership.Role.ADMIN, then=Value(0)), default=Value(1), output_field=IntegerField()),
            "structure__name",
        )
        .first()
    )
    if membership is None:
        return None
    matches = for_you(membership.structure, limit=FOR_YOU_LIMIT)
    for tender, _match in matches:
        tender.deadline_text = deadline_text(tender.bid_deadline)
    return {"template": "matching/_panel_for_you.html", "structure": membership.structure, "matches": matches}
