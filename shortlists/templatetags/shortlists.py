"""`{% shortlist_box structure %}`: the "Ajouter à une liste" box of a structure's profile (buyers and staff)."""

from django import template

from shortlists.forms import AddToShortlistForm
from shortlists.models import Shortlist
from shortlists.perms import can_use_shortlists
from structures.models import VerificationStatus

register = template.Library()


@register.inclusion_tag("shortlists/_save_box.html", takes_context=True)
def shortlist_box(context, structure):
    request = context.get("request")
    user = getattr(request, "user", None)
    listed = structure.verification_status == VerificationStatus.VERIFIED and structure.archived_at is None
    if user is None or not listed or not can_use_shortlists(user):
        return {"show": False}
    shortlists = list(Shortlist.objects.for_user(user).only("pk", "name"))
    member_ids = set(
        Shortlist.objects.for_user(user).filter(entries__structure=structure).values_list("pk", flat=True)
    )
    return {
        "show": True,
        "structure": structure,
        "member_of": [shortlist for shortlist in shortlists if shortlist.pk in member_ids],
        "form": AddToShortlistForm(shortlists=shortlists),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
