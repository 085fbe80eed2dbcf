import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.i18n import LANGUAGE_QUERY_PARAMETER
from django.views.i18n import set_language as django_set_language

from accounts.adapter import supported_language
from accounts.forms import AccountDeleteForm
from accounts.panels import ACCOUNT_PANEL_TEMPLATE
from accounts.services import AccountDeletionRefused, user_delete, user_deletion_problems, user_personal_data


@login_required
def dashboard(request):
    """`/espace/`: each app contributes a panel (settings.DASHBOARD_PANELS); a panel may be None (not relevant).

    When only the account panel applies (a brand-new user), the page says what one can do next. A panel marked
    "exclusive" (the staff home, backoffice.panels) is the role's whole page: only the account panel follows it.
    """
    panels = []
    for dotted in settings.DASHBOARD_PANELS:
        if any(panel.get("exclusive") for panel in panels) and dotted != "accounts.panels.account_panel":
            continue
        panel = import_string(dotted)(request)
        if panel is not None:
            panels.append(panel)
    role_panels = [panel for panel in panels if panel["template"] != ACCOUNT_PANEL_TEMPLATE]
    return render(request, "accounts/dashboard.html", {"panels": panels, "show_welcome": not role_panels})


@login_required
@require_GET
def personal_data(request):
    return render(request, "accounts/personal_data.html", {"data": user_personal_data(user=request.user)})


@login_required
@require_GET
def personal_data_download(request):
    data = user_personal_data(user=request.user)
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    filename = f"ess2024-mes-donnees-{timezone.localdate().isoformat()}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def account_delete(request):
    problems = user_deletion_problems(user=request.user)
    form = AccountDeleteForm(request.POST or None, user=request.user, request=request)
    if request.method == "POST" and not problems and form.is_valid():
        try:
            user_delete(user=request.user)
        except AccountDeletionRefused as refused:
            problems = refused.messages
        else:
            logout(request)
            messages.success(request, _("Votre compte et vos données personnelles ont été supprimés. Au revoir !"))
            return redirect("home")
    return render(request, "accounts/delete.html", {"form": form, "problems": problems})


def set_language(request):
    """The site's language switcher (Django's `set_language`, GET only redirects); a signed-in person's emails
    follow the language chosen (POST)."""
    response = django_set_language(request)
    language = supported_language(request.POST.get(LANGUAGE_QUERY_PARAMETER)) if request.method == "POST" else None
    if language and request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    return response
