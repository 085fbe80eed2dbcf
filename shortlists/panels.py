"""The buyer's "Mes listes de structures" panel on /espace/ (to be listed in settings.DASHBOARD_PANELS)."""

from django.db.models import Count

from shortlists.models import Shortlist
from tenders.perms import is_buyer, is_platform_staff

PANEL_LIMIT = 5


def shortlists_panel(request):
    """A buyer's most recently changed lists (staff have their own home); None for anyone else. Two queries."""
    user = request.user
    if not is_buyer(user) or is_platform_staff(user):
        return None
    lists = Shortlist.objects.for_user(user)
    return {
        "template": "shortlists/_panel.html",
        "shortlists": list(lists.annotate(entry_count=Count("entries")).order_by("-updated_at", "-pk")[:PANEL_LIMIT]),
        "total": lists.count(),
    }
