"""The member space of a structure, under /espace/structure/: sign-up wizard, profile sections, team, invitations.

Every page fetches through a user-scoped queryset (`for_member`, `administered_by`) and `get_object_or_404`: another
structure, or an action reserved to administrators, is a 404. Writes go through structures.services.
"""

from allauth.account.decorators import verified_email_required
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from structures import perms, services
from structures.forms import (
    SECTION_FORMS,
    ActivityForm,
    CapacityForm,
    IdentityStepForm,
    InvitationForm,
    JoinRequestForm,
    LogoForm,
    RoleForm,
    SiretForm,
)
from structures.models import (
    Invitation,
    JoinRequest,
    Membership,
    Structure,
    StructureDraft,
    VerificationStatus,
)
from structures.services import directory_lookup
from structures.services.proofs import proof_summary
from structures.services.reminders import threshold as reminder_threshold

# --- Sign-up wizard ---------------------------------------------------------------------------------------------

WIZARD_STEPS = [
    ("siret", gettext_lazy("SIRET"), SiretForm),
    ("identite", gettext_lazy("Identité"), IdentityStepForm),
    ("activite", gettext_lazy("Activité"), ActivityForm),
    ("capacite", gettext_lazy("Capacité"), CapacityForm),
]
STEP_NAMES = [name for name, _label, _form in WIZARD_STEPS]
LOOKUP_STEP = "identite"  # the step the company directory fills in


def _wizard_draft(request) -> StructureDraft:
    """The user's draft, or a new one not saved yet (nothing is written until the user submits a step)."""
    return StructureDraft.objects.filter(user=request.user).first() or StructureDraft(user=request.user)


def _wizard_resume_step(draft: StructureDraft) -> str:
    """Where the wizard opens: the step last shown, unless an earlier step still needs an answer."""
    first_open = next((name for name in STEP_NAMES if name not in draft.valid_steps), STEP_NAMES[-1])
    if draft.current_step in STEP_NAMES and STEP_NAMES.index(draft.current_step) < STEP_NAMES.index(first_open):
        return draft.current_step
    return first_open


def _wizard_mark(draft: StructureDraft, step: str, is_valid: bool) -> None:
    draft.valid_steps = [s for s in draft.valid_steps if s != step] + ([step] if is_valid else [])


def _wizard_form(form_class, draft: StructureDraft, step: str):
    """A step shown again: bound to what was typed (its errors with it), or offered the directory's values."""
    stored = draft.data.get(step)
    if stored is not None:
        return form_class(data=MultiValueDict(stored))
    if draft.prefill.get(step):
        return form_class(initial=draft.prefill[step])
    return form_class()


def _wizard_lookup(request, draft: StructureDraft, siret: str):
    """The button "Remplir depuis l'annuaire des entreprises": the directory's values go to the identity step.

    Returns the redirect to that step, or the French message to show on step 1 when the directory gave nothing."""
    try:
        found = directory_lookup.lookup_siret(siret)
    except directory_lookup.DirectoryLookupError as error:
        return None, error.message
    if LOOKUP_STEP in draft.data:
        # Already typed once: the directory's values replace those fields, the others (the contact) stay.
        draft.data[LOOKUP_STEP] = {**draft.data[LOOKUP_STEP], **{name: [value] for name, value in found.items()}}
        _wizard_mark(draft, LOOKUP_STEP, False)
    else:
        draft.prefill = {**draft.prefill, LOOKUP_STEP: found}
    draft.save()
    messages.success(
        request,
        _("Les informations de l'annuaire des entreprises sont remplies : vérifiez-les et complétez le contact."),
    )
    return redirect(_step_url(LOOKUP_STEP)), None


def _step_url(step: str | None = None) -> str:
    """A step's own address; without a step, the wizard's entry, which resumes where the user left."""
    if step is None:
        return reverse("structures_space:create")
    return reverse("structures_space:create_step", args=[step])


@verified_email_required
def structure_create(request, step: str | None = None):
    """`/espace/structure/nouvelle/`: "Je représente une structure", four steps kept in a draft (StructureDraft).

    What was typed is stored at each submission (even with errors, even when going back), so nothing is lost, across
    logouts and devices: the entry address opens the step where the user left. The structure is created only at the
    end, by services.structure_create, and the draft deleted with it. "Recommencer" deletes the draft.
    """
    draft = _wizard_draft(request)
    if step is None:
        if request.method != "POST":
            return redirect(_step_url(_wizard_resume_step(draft)))
        step = STEP_NAMES[0]  # older pages post step 1 to the entry address
    if step not in STEP_NAMES:
        raise Http404
    if request.method == "POST" and "restart" in request.POST:
        if draft.pk:
            draft.delete()
        messages.success(request, _("Tout ce que vous aviez saisi est effacé. Vous pouvez recommencer."))
        return redirect(_step_url(STEP_NAMES[0]))
    index = STEP_NAMES.index(step)
    label, form_class = WIZARD_STEPS[index][1:]
    for previous in STEP_NAMES[:index]:
        if previous not in draft.valid_steps:
            return redirect(_step_url(previous))

    lookup_enabled = index == 0 and directory_lookup.is_enabled()
    lookup_error = None
    if request.method == "POST":
        if draft.pk is None:  # the first submission (two tabs at once: one draft all the same)
            draft, _created = StructureDraft.objects.get_or_create(user=request.user)
        if index == 0 and draft.data.get(step, {}).get("siret") != request.POST.getlist("siret"):
            draft.prefill = {}  # another SIRET: what the directory said about the previous one no longer holds
        draft.data = {**draft.data, step: {name: request.POST.getlist(name) for name in form_class.base_fields}}
        form = form_class(data=request.POST)
        is_valid = form.is_valid()
        _wizard_mark(draft, step, is_valid)
        draft.current_step = step
        draft.save()
        if "back" in request.POST and index > 0:
            return redirect(_step_url(STEP_NAMES[index - 1]))
        if is_valid and lookup_enabled and "lookup" in request.POST:
            response, lookup_error = _wizard_lookup(request, draft, form.cleaned_data["siret"])
            if response is not None:
                return response
        elif is_valid:
            if index + 1 < len(STEP_NAMES):
                return redirect(_step_url(STEP_NAMES[index + 1]))
            return _wizard_finish(request, draft)
    else:
        form = _wizard_form(form_class, draft, step)
        if draft.pk and draft.current_step != step:
            draft.current_step = step
            draft.save(update_fields=["current_step", "updated_at"])

    return render(
        request,
        "structures/space/wizard.html",
        {
            "form": form,
            "step": step,
            "step_label": label,
            "step_number": index + 1,
            "step_count": len(STEP_NAMES),
            "steps": [
                {
                    "name": name,
                    "label": step_label,
                    "number": number,
                    "url": _step_url(name),
                    "done": name in draft.valid_steps,
                }
                for number, (name, step_label, _form) in enumerate(WIZARD_STEPS, start=1)
            ],
            "previous_url": _step_url(STEP_NAMES[index - 1]) if index else None,
            "is_last": index + 1 == len(STEP_NAMES),
            "has_draft": draft.pk is not None,
            "lookup_enabled": lookup_enabled,
            "lookup_error": lookup_error,
        },
    )


def _wizard_finish(request, draft: StructureDraft):
    cleaned = {}
    for name, _label, form_class in WIZARD_STEPS:
        form = form_class(data=MultiValueDict(draft.data.get(name, {})))
        if not form.is_valid():
            _wizard_mark(draft, name, False)
            draft.save()
            messages.error(request, _("Une information de cette étape doit être corrigée."))
            return redirect(_step_url(name))
        cleaned.update(form.cleaned_data)
    try:
        structure = services.structure_create(user=request.user, **cleaned)
    except services.SiretAlreadyRegistered:
        # Registered by someone else while this person was filling in the form: step 1 now says so.
        draft.valid_steps = []
        draft.save()
        return redirect(_step_url(STEP_NAMES[0]))
    except services.StructureError as error:
        messages.error(request, error.message)
        return redirect(_step_url(STEP_NAMES[0]))
    draft.delete()  # in the request's transaction: with the structure, or not at all
    messages.success(
        request,
        _("« %(name)s » est inscrite. L'équipe des Canaux va vérifier ses informations.") % {"name": structure.name},
    )
    return redirect("structures_space:detail", slug=structure.slug)


@login_required
def join_request_create(request, siret: str):
    """Ask to join a structure already registered (offered when its SIRET is typed in the wizard)."""
    # Like its public page: an archived or rejected structure is a 404 here too, and takes no join request.
    structure = get_object_or_404(Structure.objects.listed(), siret=siret)
    if structure.memberships.filter(user=request.user).exists():
        return redirect("structures_space:detail", slug=structure.slug)
    form = JoinRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.join_request_create(structure=structure, user=request.user, message=form.cleaned_data["message"])
        except services.StructureError as error:
            messages.warning(request, error.message)
            return redirect("dashboard")
        StructureDraft.objects.filter(user=request.user).delete()  # joined instead: the draft is done
        messages.success(
            request,
            _(
                "Votre demande est envoyée aux administrateurs de « %(name)s ». "
                "Vous recevrez un e-mail dès leur réponse."
            )
            % {"name": structure.name},
        )
        return redirect("dashboard")
    pending = structure.join_requests.filter(user=request.user, status=JoinRequest.Status.PENDING).exists()
    return render(
        request, "structures/space/join_request.html", {"structure": structure, "form": form, "pending": pending}
    )


# --- A structure's space ----------------------------------------------------------------------------------------


def _member_structure(request, slug: str) -> Structure:
    return get_object_or_404(Structure.objects.for_member(request.user).active(), slug=slug)


def _admin_structure(request, slug: str) -> Structure:
    return get_object_or_404(Structure.objects.administered_by(request.user).active(), slug=slug)


@login_required
def structure_detail(request, slug: str):
    """`/espace/structure/<slug>/`: verification status, completeness, the profile section by section."""
    structure = get_object_or_404(
        Structure.objects.for_member(request.user)
        .active()
        .prefetch_related("topics", "sectors", "areas")
        .with_proofs(),
        slug=slug,
    )
    return render(
        request,
        "structures/space/detail.html",
        {
            "structure": structure,
            "completeness": services.structure_completeness(structure),
            "is_admin": perms.can_manage_members(request.user, structure),
            "sections": services.SECTIONS,
            "Status": VerificationStatus,
            "proofs": proof_summary(structure),
            "membership": structure.memberships.filter(user=request.user).first(),
            "reminder_threshold": reminder_threshold(),
        },
    )


@login_required
def structure_edit_section(request, slug: str, section: str):
    """`/espace/structure/<slug>/modifier/<section>/`: one form per part of the profile."""
    structure = _member_structure(request, slug)
    if section not in services.SECTIONS:
        raise Http404
    if section == "logo":
        return _edit_logo(request, structure)
    form_class = SECTION_FORMS[section]
    form = form_class(request.POST or None, instance=structure)
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.SECTION_FIELDS[section]}
        try:
            updated = services.structure_update_section(
                structure=structure, by=request.user, section=section, data=data
            )
        except services.StructureError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("C'est enregistré."))
            if updated.back_to_pending:
                messages.info(
                    request,
                    _(
                        "La forme juridique ou l'agrément ESUS a changé : "
                        "l'équipe des Canaux va vérifier à nouveau la structure."
                    ),
                )
            return redirect("structures_space:detail", slug=structure.slug)
    return render(
        request,
        "structures/space/edit_section.html",
        {"structure": structure, "form": form, "section": section, "section_title": services.SECTIONS[section]},
    )


def _edit_logo(request, structure: Structure):
    form = LogoForm()
    if request.method == "POST" and "remove" in request.POST:
        services.structure_remove_logo(structure=structure, by=request.user)
        messages.success(request, _("Le logo est supprimé."))
        return redirect("structures_space:detail", slug=structure.slug)
    if request.method == "POST":
        form = LogoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.structure_set_logo(structure=structure, by=request.user, upload=form.cleaned_data["logo"])
            except services.StructureError as error:
                form.add_error("logo", error.message)
            else:
                messages.success(request, _("Le logo est enregistré."))
                return redirect("structures_space:detail", slug=structure.slug)
    return render(
        request,
        "structures/space/edit_section.html",
        {"structure": structure, "form": form, "section": "logo", "section_title": services.SECTIONS["logo"]},
    )


@login_required
def structure_archive(request, slug: str):
    structure = _admin_structure(request, slug)
    if request.method == "POST":
        services.structure_archive(structure=structure, by=request.user)
        messages.success(
            request, _("« %(name)s » est archivée : elle n'apparaît plus dans l'annuaire.") % {"name": structure.name}
        )
        return redirect("dashboard")
    return render(request, "structures/space/archive.html", {"structure": structure})


@login_required
@require_POST
def structure_request_review(request, slug: str):
    structure = _admin_structure(request, slug)
    try:
        services.structure_request_review(structure=structure, by=request.user)
    except services.StructureError as error:
        messages.warning(request, error.message)
    else:
        messages.success(request, _("C'est noté : l'équipe des Canaux va regarder à nouveau votre profil."))
    return redirect("structures_space:detail", slug=structure.slug)


# --- Team -------------------------------------------------------------------------------------------------------


@login_required
def team(request, slug: str):
    """`/espace/structure/<slug>/equipe/`: members and roles; for administrators, invitations and join requests."""
    structure = _member_structure(request, slug)
    is_admin = perms.can_manage_members(request.user, structure)
    invite_form = InvitationForm(request.POST or None) if is_admin else None
    if request.method == "POST":
        if not is_admin:
            raise Http404
        if invite_form.is_valid():
            try:
                invitation = services.invitation_create(
                    structure=structure, by=request.user, **invite_form.cleaned_data
                )
            except services.StructureError as error:
                invite_form.add_error("email", error.message)
            else:
                messages.success(request, _("Invitation envoyée à %(email)s.") % {"email": invitation.email})
                return redirect("structures_space:team", slug=structure.slug)
    memberships = structure.memberships.select_related("user").order_by("role", "user__last_name", "user__email")
    context = {
        "structure": structure,
        "is_admin": is_admin,
        "memberships": memberships,
        "admin_count": sum(1 for m in memberships if m.role == Membership.Role.ADMIN),
        "invite_form": invite_form,
        "role_choices": Membership.Role.choices,
        "now": timezone.now(),
    }
    if is_admin:
        context["invitations"] = structure.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True)
        context["join_requests"] = structure.join_requests.filter(status=JoinRequest.Status.PENDING).select_related(
            "user"
        )
    return render(request, "structures/space/team.html", context)


@login_required
@require_POST
def member_role(request, slug: str, pk: int):
    structure = _admin_structure(request, slug)
    membership = get_object_or_404(structure.memberships, pk=pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_change_role(membership=membership, role=form.cleaned_data["role"], by=request.user)
        except services.StructureError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Le rôle de %(name)s est modifié.") % {"name": membership.user})
    return redirect("structures_space:team", slug=structure.slug)


@login_required
@require_POST
def member_remove(request, slug: str, pk: int):
    """An administrator removes a member, or a member leaves (their own membership)."""
    structure = _member_structure(request, slug)
    if perms.can_manage_members(request.user, structure):
        membership = get_object_or_404(structure.memberships, pk=pk)
    else:
        membership = get_object_or_404(structure.memberships, pk=pk, user=request.user)
    leaving = membership.user_id == request.user.pk
    try:
        services.membership_remove(membership=membership, by=request.user)
    except services.StructureError as error:
        messages.error(request, error.message)
        return redirect("structures_space:team", slug=structure.slug)
    if leaving:
        messages.success(request, _("Vous avez quitté « %(name)s ».") % {"name": structure.name})
        return redirect("dashboard")
    messages.success(request, _("%(name)s ne fait plus partie de l'équipe.") % {"name": membership.user})
    return redirect("structures_space:team", slug=structure.slug)


@login_required
@require_POST
def invitation_revoke(request, slug: str, pk: int):
    structure = _admin_structure(request, slug)
    invitation = get_object_or_404(structure.invitations, pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, by=request.user)
    except services.StructureError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("L'invitation de %(email)s est annulée.") % {"email": invitation.email})
    return redirect("structures_space:team", slug=structure.slug)


@login_required
@require_POST
def join_request_decide(request, slug: str, pk: int, decision: str):
    if decision not in ("accepter", "refuser"):
        raise Http404
    structure = _admin_structure(request, slug)
    join_request = get_object_or_404(structure.join_requests.select_related("user"), pk=pk)
    try:
        if decision == "accepter":
            services.join_request_accept(request=join_request, by=request.user)
            messages.success(request, _("%(name)s a rejoint l'équipe.") % {"name": join_request.user})
        else:
            services.join_request_refuse(request=join_request, by=request.user)
            messages.success(request, _("La demande de %(name)s est refusée.") % {"name": join_request.user})
    except services.StructureError as error:
        messages.error(request, error.message)
    return redirect("structures_space:team", slug=structure.slug)


@login_required
def invitation_accept(request, token: str):
    """`/espace/structure/invitation/<token>/`: the invited person sees the structure and joins its team."""
    error = None
    invitation: Invitation | None = None
    try:
        invitation = services.invitation_from_token(token)
    except services.StructureError as exc:
        error = exc.message
    if invitation is not None and request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except services.StructureError as exc:
            error = exc.message
        else:
            messages.success(
                request, _("Bienvenue dans l'équipe de « %(name)s ».") % {"name": membership.structure.name}
            )
            return redirect("structures_space:detail", slug=membership.structure.slug)
    return render(
        request,
        "structures/space/invitation.html",
        {"invitation": invitation, "error": error},
        status=200 if error is None else 400,
    )
