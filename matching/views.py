from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from matching import preferences as prefs
from matching.forms import PreferenceForm, SaveSearchForm
from matching.models import SavedSearch


def index(request):
    return redirect("matching:preferences")


@login_required
def preferences(request):
    """`/alertes/preferences/`: how often to receive tenders, topics to ignore, the searches followed."""
    preference = prefs.preference_for(request.user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            prefs.set_preferences(
                user=request.user,
                frequency=form.cleaned_data["frequency"],
                ignored_topics=form.cleaned_data["ignored_topics"],
            )
            messages.success(request, _("Vos préférences d'alerte sont enregistrées."))
            return redirect("matching:preferences")
    else:
        form = PreferenceForm(
            initial={
                "frequency": preference.frequency,
                "ignored_topics": list(preference.ignored_topics.all()) if preference.pk else [],
            }
        )
    searches = SavedSearch.objects.filter(user=request.user)
    return render(
        request,
        "matching/preferences.html",
        {"form": form, "searches": searches, "tenders_url": reverse("tenders:index")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def save_search(request):
    """ "Suivre cette recherche": POST `querystring` (the list's current filters). GET asks for confirmation."""
    if request.method == "GET":
        form = SaveSearchForm(initial={"querystring": request.GET.get("querystring", "")})
        querystring = prefs.normalise_querystring(request.GET.get("querystring", ""))
        return render(
            request,
            "matching/save_search.html",
            {"form": form, "label": prefs.describe_querystring(querystring)},
        )
    form = SaveSearchForm(request.POST)
    querystring = form.cleaned_data["querystring"] if form.is_valid() else ""
    try:
        search, created = prefs.save_search(user=request.user, querystring=querystring)
    except prefs.SavedSearchLimit:
        messages.error(
            request,
            _("Vous suivez déjà %(n)s recherches : supprimez-en une dans vos alertes pour en suivre une nouvelle.")
            % {"n": prefs.MAX_SAVED_SEARCHES},
        )
        return redirect("matching:preferences")
    if created:
        messages.success(
            request,
            _("Recherche suivie : vous serez prévenu des nouveaux appels d'offres « %(label)s ».")
            % {"label": search.label},
        )
    else:
        messages.info(request, _("Vous suivez déjà cette recherche."))
    url = reverse("tenders:index")
    return redirect(f"{url}?{search.querystring}" if search.querystring else url)


@login_required
@require_POST
def delete_search(request, pk):
    search = get_object_or_404(SavedSearch.objects.filter(user=request.user), pk=pk)
    label = search.label
    prefs.delete_search(search=search)
    messages.success(request, _("Vous ne suivez plus la recherche « %(label)s ».") % {"label": label})
    return redirect("matching:preferences")


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a session; the signed token is the key
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """One-click unsubscribe, no login: GET shows a confirmation button, POST stops every tender email."""
    try:
        user_id = prefs.user_id_from_token(token)
    except prefs.ExpiredToken:
        return render(request, "matching/unsubscribe.html", {"state": "expired"}, status=410)
    except prefs.InvalidToken:
        return render(request, "matching/unsubscribe.html", {"state": "invalid"}, status=400)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return render(request, "matching/unsubscribe.html", {"state": "invalid"}, status=400)
    if request.method == "POST":
        prefs.unsubscribe(user=user)
        return render(request, "matching/unsubscribe.html", {"state": "done", "email": user.email})
    return render(request, "matching/unsubscribe.html", {"state": "confirm", "email": user.email})
