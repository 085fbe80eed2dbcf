from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from ess2024 import home as home_data


def home(request):
    return render(request, "home.html", home_data.context())


def accessibility(request):
    return render(request, "pages/accessibility.html")


def legal_notice(request):
    return render(request, "pages/legal_notice.html")


def admin_login_redirect(request):
    """Send the admin's login to allauth's, keeping where the user wanted to go."""
    return redirect_to_login(request.GET.get("next", "/admin/"))
