from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.module_loading import import_string


@login_required
def dashboard(request):
    """`/espace/`: each app contributes a panel (settings.DASHBOARD_PANELS); a panel may be None (not relevant)."""
    panels = []
    for dotted in settings.DASHBOARD_PANELS:
        panel = import_string(dotted)(request)
        if panel is not None:
            panels.append(panel)
    return render(request, "accounts/dashboard.html", {"panels": panels})


@login_required
def personal_data(request):
    return render(request, "accounts/personal_data.html")
