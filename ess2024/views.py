from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from accounts.perms import can_use_admin
from ess2024 import contact as contact_service
from ess2024 import home as home_data
from ess2024.middleware import admin_refused
from ess2024.middleware import bad_request as bad_request_page


def home(request):
    return render(request, "home.html", home_data.context())


def accessibility(request):
    return render(request, "pages/accessibility.html")


def legal_notice(request):
    legal = {
        "publisher": settings.LEGAL_PUBLISHER,
        "director": settings.LEGAL_PUBLICATION_DIRECTOR,
        "host": settings.LEGAL_HOST,
        "contact_email": settings.CONTACT_EMAIL,
    }
    return render(request, "pages/legal_notice.html", {"legal": legal})


def contact(request):
    """The contact form: a question to Les Canaux staff, sent through the outbox (ess2024/contact.py)."""
    form = contact_service.ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if contact_service.rate_limited(request):
            form.add_error(
                None, _("Vous avez déjà envoyé plusieurs messages en peu de temps. Réessayez dans une heure.")
            )
        else:
            if not form.is_robot:
                contact_service.send_contact_message(
                    name=form.cleaned_data["name"],
                    email=form.cleaned_data["email"],
                    subject=form.cleaned_data["subject"],
                    message=form.cleaned_data["message"],
                    language=get_language(),
                )
            messages.success(request, _("Merci, votre message a bien été envoyé. L'équipe vous répondra par e-mail."))
            return redirect("contact")
    return render(request, "pages/contact.html", {"form": form, "contact_email": settings.CONTACT_EMAIL})


def admin_login_redirect(request):
    """Send the admin's login to allauth's, keeping where the user wanted to go.

    A signed-in user is not sent to a login page: allauth would send them straight back to the admin, which would
    send them here again, in a loop. Without admin access they get a page saying whom the admin is for."""
    next_url = request.GET.get("next", "/admin/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/admin/"
    if request.user.is_authenticated:
        return redirect(next_url) if can_use_admin(request.user) else admin_refused(request)
    return redirect_to_login(next_url)


def bad_request(request, exception=None):
    """handler400: Django's own 400s (a suspicious request) in the site's layout too, or plain text if the request is
    too broken for the layout (a host name that is not allowed, for instance)."""
    try:
        return bad_request_page(request)
    except Exception:  # noqa: BLE001 - an error page must not fail
        return HttpResponseBadRequest(_("Requête invalide."), content_type="text/plain; charset=utf-8")
