"""A structure's sites, managed from its member space: `/espace/structure/sites/<slug>/`.

Same rules as the other profile sections (structures.views_space): the structure is fetched through
`Structure.objects.for_member(user)`, so another structure's page is a 404; writes go through geo.services.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from geo import services
from geo.forms import SiteForm
from structures.models import Structure


def _member_structure(request, slug: str) -> Structure:
    return get_object_or_404(Structure.objects.for_member(request.user).active(), slug=slug)


@login_required
def sites(request, slug: str):
    """The list of the structure's sites and the form to add one (what was typed stays on an error)."""
    structure = _member_structure(request, slug)
    site_list = list(structure.sites.select_related("commune"))
    # No site yet: the form starts from the structure's address (what the sign-up wizard asked), as its head office.
    initial = (
        {"label": _("Siège"), "address": structure.address, "commune": structure.city, "postcode": structure.postcode}
        if not site_list
        else {}
    )
    form = SiteForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            site = services.site_add(
                structure=structure,
                by=request.user,
                commune=data["commune"],
                label=data["label"],
                address=data["address"],
                is_main=data["is_main"],
            )
        except services.GeoError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Le site « %(site)s » est ajouté.") % {"site": site})
            return redirect("geo:sites", slug=structure.slug)
    return render(
        request,
        "geo/sites.html",
        {"structure": structure, "form": form, "sites": site_list},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def site_delete(request, slug: str, pk: int):
    structure = _member_structure(request, slug)
    site = get_object_or_404(structure.sites.select_related("commune", "structure"), pk=pk)
    try:
        services.site_delete(site=site, by=request.user)
    except services.GeoError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Le site « %(site)s » est supprimé.") % {"site": site})
    return redirect("geo:sites", slug=structure.slug)


@login_required
@require_POST
def site_set_main(request, slug: str, pk: int):
    structure = _member_structure(request, slug)
    site = get_object_or_404(structure.sites.select_related("commune", "structure"), pk=pk)
    try:
        services.site_set_main(site=site, by=request.user)
    except services.GeoError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("« %(site)s » est maintenant le site principal.") % {"site": site})
    return redirect("geo:sites", slug=structure.slug)
