"""What a profile proves, edited from the structure's space: client references, labels, photos, offers.

`/espace/structure/<slug>/profil/<kind>/` lists one kind with a form to add one; `…/<pk>/` changes one,
`…/<pk>/supprimer/` removes it (POST), `…/photos/<pk>/deplacer/` moves a photo (POST). Like the other sections of
the profile, every member of the structure may edit (structures.perms.can_edit); the structure is fetched through
`Structure.objects.for_member(user)`, so someone else's structure is a 404. Writes go through
structures.services.proofs; a refusal is shown next to the field, and what was typed stays in the form.

Also here: a label's document for anyone who may see the public profile (always as an attachment), and the monthly
completeness reminder's preference and one-click unsubscribe.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from structures.forms_proofs import (
    ClientReferenceForm,
    OfferForm,
    PhotoForm,
    ReminderPreferenceForm,
    StructureLabelForm,
)
from structures.models import ClientReference, Membership, Offer, Structure, StructureLabel, StructurePhoto
from structures.services import StructureError, proofs, reminders


@dataclass(frozen=True)
class Kind:
    model: type
    related: str  # the structure's related manager
    form: type
    intro: str
    add_label: str
    file_field: str = ""


def _kinds() -> dict[str, Kind]:
    return {
        "references": Kind(
            ClientReference,
            "client_references",
            ClientReferenceForm,
            _("Les marchés que vous avez réalisés : les acheteurs y voient ce que vous savez faire, et pour qui."),
            _("Ajouter une référence"),
            "client_logo_upload",
        ),
        "labels": Kind(
            StructureLabel,
            "structure_labels",
            StructureLabelForm,
            _("Les labels et certifications que la structure détient, avec leur date de fin et un justificatif."),
            _("Ajouter un label"),
            "document_upload",
        ),
        "photos": Kind(
            StructurePhoto,
            "photos",
            PhotoForm,
            _("Jusqu'à %(max)s photos de vos réalisations, dans l'ordre où elles s'affichent sur votre fiche.")
            % {"max": proofs.PHOTOS_MAX},
            _("Ajouter la photo"),
            "image_upload",
        ),
        "offres": Kind(
            Offer,
            "offers",
            OfferForm,
            _("Ce que vous proposez aux acheteurs, en quelques mots : un titre et une courte description."),
            _("Ajouter l'offre"),
        ),
    }


# Which form field a service refusal belongs to (by its code); anything else is shown above the form.
_ERROR_FIELDS = {
    "duplicate": "label",
    "inactive": "label",
    "alt_required": "alt_text",
    "alt_too_long": "alt_text",
    "invalid_year": "year",
    "invalid_amount": "amount_band",
}
_FILE_ERRORS = {"invalid_proof", "too_large", "empty"}


def _structure(request, slug: str) -> Structure:
    return get_object_or_404(Structure.objects.for_member(request.user).active(), slug=slug)


def _kind(kind: str) -> Kind:
    kinds = _kinds()
    if kind not in kinds:
        raise Http404
    return kinds[kind]


def _save(kind_name: str, kind: Kind, form, structure: Structure, user, instance=None):
    data = form.cleaned_data
    if kind_name == "references":
        return proofs.reference_save(
            structure=structure,
            by=user,
            client=data["client"],
            year=data["year"],
            description=data["description"],
            amount_band=data["amount_band"],
            client_logo=data.get("client_logo_upload"),
            remove_client_logo=data.get("remove_client_logo", False),
            reference=instance,
        )
    if kind_name == "labels":
        return proofs.label_save(
            structure=structure,
            by=user,
            label=data["label"],
            expires_on=data["expires_on"],
            document=data.get("document_upload"),
            remove_document=data.get("remove_document", False),
            structure_label=instance,
        )
    if kind_name == "photos":
        if instance is None:
            return proofs.photo_add(
                structure=structure, by=user, image=data["image_upload"], alt_text=data["alt_text"]
            )
        return proofs.photo_update(photo=instance, by=user, alt_text=data["alt_text"], image=data.get("image_upload"))
    return proofs.offer_save(
        structure=structure, by=user, title=data["title"], description=data["description"], offer=instance
    )


def _bind_and_save(request, kind_name, kind, structure, instance=None):
    """(form, saved): the bound form, and whether the service saved it."""
    form_kwargs = {"structure": structure} if kind.form is StructureLabelForm else {}
    if request.method != "POST":
        return kind.form(instance=instance, **form_kwargs), False
    # A fresh instance for the form: a failed validation must not alter the one the service gets.
    form = kind.form(request.POST, request.FILES, instance=instance, **form_kwargs)
    if not form.is_valid():
        return form, False
    try:
        fresh = kind.model.objects.get(pk=instance.pk) if instance is not None else None
        _save(kind_name, kind, form, structure, request.user, fresh)
    except StructureError as error:
        field = _ERROR_FIELDS.get(error.code) or (kind.file_field if error.code in _FILE_ERRORS else None)
        form.add_error(field if field in form.fields else None, error.message)
        return form, False
    return form, True


@login_required
def proofs_list(request, slug: str, kind: str):
    """`/espace/structure/<slug>/profil/<kind>/`: the items of one kind, and a form to add one."""
    kind_obj = _kind(kind)
    structure = _structure(request, slug)
    items = list(getattr(structure, kind_obj.related).all())
    full = kind == "photos" and len(items) >= proofs.PHOTOS_MAX
    form, saved = _bind_and_save(request, kind, kind_obj, structure)
    if saved:
        messages.success(request, _("C'est ajouté à votre fiche."))
        return redirect("structures_space:proofs", slug=structure.slug, kind=kind)
    return render(
        request,
        "structures/space/proofs.html",
        {
            "structure": structure,
            "kind": kind,
            "kind_info": kind_obj,
            "kind_title": proofs.PROOF_KINDS[kind],
            "items": items,
            "form": form,
            "full": full,
            "full_message": proofs.photos_full_message() if full else "",
            "photos_max": proofs.PHOTOS_MAX,
        },
    )


@login_required
def proof_edit(request, slug: str, kind: str, pk: int):
    """`/espace/structure/<slug>/profil/<kind>/<pk>/`: change one reference, label, photo or offer."""
    kind_obj = _kind(kind)
    structure = _structure(request, slug)
    item = get_object_or_404(getattr(structure, kind_obj.related), pk=pk)
    form, saved = _bind_and_save(request, kind, kind_obj, structure, instance=item)
    if saved:
        messages.success(request, _("C'est enregistré."))
        return redirect("structures_space:proofs", slug=structure.slug, kind=kind)
    return render(
        request,
        "structures/space/proof_edit.html",
        {"structure": structure, "kind": kind, "kind_title": proofs.PROOF_KINDS[kind], "item": item, "form": form},
    )


@login_required
@require_POST
def proof_delete(request, slug: str, kind: str, pk: int):
    kind_obj = _kind(kind)
    structure = _structure(request, slug)
    item = get_object_or_404(getattr(structure, kind_obj.related), pk=pk)
    try:
        proofs.proof_delete(item=item, by=request.user)
    except StructureError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("« %(item)s » est retiré de votre fiche.") % {"item": item})
    return redirect("structures_space:proofs", slug=structure.slug, kind=kind)


@login_required
@require_POST
def photo_move(request, slug: str, pk: int):
    structure = _structure(request, slug)
    photo = get_object_or_404(structure.photos, pk=pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("Choisissez de monter ou de descendre la photo."))
    else:
        try:
            proofs.photo_move(photo=photo, by=request.user, direction=direction)
        except StructureError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("L'ordre des photos est enregistré."))
    return redirect("structures_space:proofs", slug=structure.slug, kind="photos")


@require_GET
def label_document(request, slug: str, pk: int):
    """A label's document, for whoever may see the structure's public profile; always as an attachment."""
    user = request.user
    queryset = (
        Structure.objects.all() if user.is_authenticated and user.is_platform_staff else Structure.objects.listed()
    )
    if user.is_authenticated:
        queryset = queryset | Structure.objects.for_member(user).active()
    structure = get_object_or_404(queryset.distinct(), slug=slug)
    item = get_object_or_404(StructureLabel.objects.filter(structure=structure).exclude(document=""), pk=pk)
    try:
        handle = item.document.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404("Missing file") from error
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.document_name or f"justificatif.{item.document.name.rsplit('.', 1)[-1]}",
        content_type=item.document_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --- The monthly completeness reminder --------------------------------------------------------------------------


@login_required
@require_POST
def reminder_preference(request, slug: str):
    """A member turns the monthly reminder on or off, for this structure, for themselves."""
    structure = _structure(request, slug)
    membership = get_object_or_404(Membership, structure=structure, user=request.user)
    form = ReminderPreferenceForm(request.POST)
    if form.is_valid():
        enabled = form.cleaned_data["completeness_reminders"]
        reminders.set_reminder_preference(membership=membership, enabled=enabled)
        if enabled:
            messages.success(request, _("Vous recevrez un rappel mensuel tant que le profil n'est pas complet."))
        else:
            messages.success(request, _("Vous ne recevrez plus le rappel mensuel de complétude."))
    return redirect("structures_space:detail", slug=structure.slug)


@csrf_exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" without a session; the signed token is the key
@require_http_methods(["GET", "POST"])
def reminder_unsubscribe(request, token: str):
    """One-click unsubscribe from the reminder, no login: GET shows a button, POST (or RFC 8058's POST) stops it."""
    try:
        membership = reminders.membership_from_token(token)
    except reminders.ExpiredToken:
        return render(request, "structures/space/reminder_unsubscribe.html", {"state": "expired"}, status=410)
    except reminders.InvalidToken:
        return render(request, "structures/space/reminder_unsubscribe.html", {"state": "invalid"}, status=400)
    context = {"membership": membership, "structure": membership.structure}
    if request.method == "POST":
        reminders.set_reminder_preference(membership=membership, enabled=False)
        return render(request, "structures/space/reminder_unsubscribe.html", {**context, "state": "done"})
    return render(request, "structures/space/reminder_unsubscribe.html", {**context, "state": "confirm"})
