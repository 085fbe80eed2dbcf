"""The staff home: the first panel of /espace/ for Les Canaux staff (settings.DASHBOARD_PANELS).

It renders whatever settings.STAFF_QUEUES holds, in order; a provider that fails to import is a configuration
error and raises (better seen at once than a silently missing queue).
"""

from django.conf import settings
from django.utils.module_loading import import_string

from accounts.perms import is_platform_staff

TEMPLATE = "backoffice/_staff_home_panel.html"


def staff_queues(request) -> list[dict]:
    queues: list[dict] = []
    for dotted in settings.STAFF_QUEUES:
        queues.extend(import_string(dotted)(request) or [])
    return queues


def staff_home_panel(request):
    """None for everyone but staff; for staff, the queues (count, oldest item, link to the list)."""
    if not is_platform_staff(request.user):
        return None
    # exclusive: the staff home is the staff's whole /espace/ (then their account panel), see accounts.views.
    return {"template": TEMPLATE, "queues": staff_queues(request), "exclusive": True}
