"""Public meet-up pages: the list, one meet-up (register, choose buyers, cancel) and each participant's agenda."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from meetups import perms, services
from meetups.forms import MeetingRequestsForm, RegisterForm
from meetups.models import Meeting, MeetingRequest, Meetup, MeetupStatus, Registration, RegistrationStatus
from structures.models import Structure, Topic
from tenders.models import BuyerOrganisation


def _visible_meetups(user):
    """Published and cancelled meet-ups for everyone; drafts for staff too."""
    if perms.can_organise(user):
        return Meetup.objects.all()
    return Meetup.objects.filter(status__in=[MeetupStatus.PUBLISHED, MeetupStatus.CANCELLED])


def _with_cards(queryset):
    return queryset.with_seat_counts().prefetch_related(
        Prefetch("topics", queryset=Topic.objects.only("pk", "name")),
        Prefetch("buyers", queryset=BuyerOrganisation.objects.only("pk", "name").order_by("name")),
    )


def index(request):
    meetups = list(_with_cards(Meetup.objects.published().upcoming()).order_by("starts_at", "pk"))
    mine = dict(
        Registration.objects.for_member(request.user)
        .active()
        .filter(meetup__in=[m.pk for m in meetups])
        .values_list("meetup_id", "status")
    )
    for meetup in meetups:
        meetup.my_status = mine.get(meetup.pk)
    past = list(Meetup.objects.published().past().only("pk", "slug", "title", "starts_at").order_by("-starts_at")[:5])
    return render(request, "meetups/list.html", {"meetups": meetups, "past_meetups": past})


def _get_meetup(request, slug):
    return get_object_or_404(_with_cards(_visible_meetups(request.user)), slug=slug)


def _render_detail(request, meetup, *, register_form=None, request_forms=None, status=200):
    user = request.user
    structures = list(Structure.objects.for_member(user).active().only("pk", "name", "slug").order_by("name"))
    registrations = list(
        Registration.objects.active()
        .filter(meetup=meetup, structure__in=structures)
        .select_related("structure")
        .prefetch_related(
            Prefetch(
                "meeting_requests", queryset=MeetingRequest.objects.only("pk", "registration_id", "buyer_id", "note")
            )
        )
        .order_by("structure__name")
    )
    registered_ids = {registration.structure_id for registration in registrations}
    unregistered = [structure for structure in structures if structure.pk not in registered_ids]
    buyers = list(meetup.buyers.all())
    request_forms = request_forms or {}
    for registration in registrations:
        if registration.status == RegistrationStatus.WAITLISTED:
            registration.rank = (
                Registration.objects.waitlist().filter(meetup=meetup, position__lt=registration.position).count() + 1
            )
        form = request_forms.get(registration.pk)
        if form is None:
            wishes = {wish.buyer_id: wish for wish in registration.meeting_requests.all()}
            initial = {"buyers": [str(pk) for pk in wishes]}
            initial.update({f"note_{pk}": wish.note for pk, wish in wishes.items()})
            form = MeetingRequestsForm(buyers=buyers, initial=initial, prefix=f"r{registration.pk}")
        registration.requests_form = form
    if register_form is None and unregistered:
        register_form = RegisterForm(
            structures=Structure.objects.filter(pk__in=[s.pk for s in unregistered]).order_by("name"),
            initial={"structure": unregistered[0].pk},
        )
    has_meetings = (
        bool(registrations)
        and meetup.schedule_built_at is not None
        and Meeting.objects.filter(meetup=meetup, structure_id__in=registered_ids).exists()
    )
    buyer_id = perms.buyer_organisation_id(user)
    context = {
        "meetup": meetup,
        "buyers": buyers,
        "structures": structures,
        "registrations": registrations,
        "unregistered": unregistered,
        "register_form": register_form,
        "has_meetings": has_meetings,
        "is_attending_buyer": buyer_id is not None and any(buyer.pk == buyer_id for buyer in buyers),
    }
    return render(request, "meetups/detail.html", context, status=status)


def detail(request, slug):
    return _render_detail(request, _get_meetup(request, slug))


@login_required
@require_POST
def register(request, slug):
    meetup = _get_meetup(request, slug)
    structures = (
        Structure.objects.for_member(request.user)
        .active()
        .exclude(pk__in=Registration.objects.active().filter(meetup=meetup).values("structure_id"))
    )
    form = RegisterForm(request.POST, structures=structures)
    if not form.is_valid():
        return _render_detail(request, meetup, register_form=form, status=400)
    try:
        registration = services.registration_create(
            meetup=meetup, structure=form.cleaned_data["structure"], by=request.user
        )
    except services.MeetupError as error:
        messages.error(request, error.message)
        return redirect("meetups:detail", slug=meetup.slug)
    if registration.status == RegistrationStatus.CONFIRMED:
        messages.success(
            request,
            _("%(structure)s est inscrite. Choisissez maintenant les acheteurs que vous voulez rencontrer.")
            % {"structure": registration.structure.name},
        )
    else:
        messages.info(
            request,
            _(
                "La rencontre est complète : %(structure)s est sur la liste d'attente. Vous recevrez un e-mail si une "
                "place se libère."
            )
            % {"structure": registration.structure.name},
        )
    return redirect(reverse("meetups:detail", kwargs={"slug": meetup.slug}) + f"#inscription-{registration.pk}")


def _my_registration(request, slug, pk):
    return get_object_or_404(
        Registration.objects.for_member(request.user).active().select_related("structure", "meetup"),
        pk=pk,
        meetup__slug=slug,
    )


@login_required
@require_POST
def meeting_requests(request, slug, pk):
    registration = _my_registration(request, slug, pk)
    meetup = _get_meetup(request, slug)
    buyers = list(meetup.buyers.all())
    form = MeetingRequestsForm(request.POST, buyers=buyers, prefix=f"r{registration.pk}")
    if not form.is_valid():
        return _render_detail(request, meetup, request_forms={registration.pk: form}, status=400)
    try:
        wishes = services.meeting_requests_set(
            registration=registration, buyers=form.selected_buyers(), notes=form.notes(), by=request.user
        )
    except services.MeetupError as error:
        messages.error(request, error.message)
    else:
        if wishes:
            messages.success(
                request,
                _("C'est noté : %(names)s. L'équipe Les Canaux construira le planning à partir de vos demandes.")
                % {"names": ", ".join(wish.buyer.name for wish in wishes)},
            )
        else:
            messages.success(request, _("Vous n'avez demandé aucun rendez-vous."))
    return redirect(reverse("meetups:detail", kwargs={"slug": meetup.slug}) + f"#inscription-{registration.pk}")


@login_required
def cancel(request, slug, pk):
    """GET: confirm; POST: cancel. Another structure's registration is a 404."""
    registration = _my_registration(request, slug, pk)
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration, by=request.user)
        except services.MeetupError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("L'inscription de %(structure)s est annulée. Merci d'avoir libéré la place.")
                % {"structure": registration.structure.name},
            )
        return redirect("meetups:detail", slug=slug)
    return render(request, "meetups/cancel.html", {"registration": registration, "meetup": registration.meetup})


@login_required
def agenda(request, slug):
    """The signed-in participant's meetings: those of their structures, or of their buyer organisation."""
    meetup = get_object_or_404(_visible_meetups(request.user), slug=slug)
    structure_ids = list(
        Registration.objects.for_member(request.user)
        .active()
        .filter(meetup=meetup)
        .values_list("structure_id", flat=True)
    )
    buyer_id = perms.buyer_organisation_id(request.user)
    attending_buyer = buyer_id is not None and meetup.buyers.filter(pk=buyer_id).exists()
    if not structure_ids and not attending_buyer:
        raise Http404("Not a participant of this meet-up.")
    who = Q(structure_id__in=structure_ids)
    if attending_buyer:
        who |= Q(buyer_id=buyer_id)
    meetings = list(
        Meeting.objects.filter(meetup=meetup)
        .filter(who)
        .select_related("buyer", "structure", "request")
        .only(
            "pk",
            "starts_at",
            "ends_at",
            "table",
            "buyer__name",
            "structure__name",
            "structure__slug",
            "structure__city",
            "request__note",
        )
        .order_by("starts_at", "table")
    )
    groups: dict[tuple[str, int], dict] = {}
    for meeting in meetings:
        if meeting.structure_id in structure_ids:
            key = ("structure", meeting.structure_id)
            groups.setdefault(key, {"name": meeting.structure.name, "as_buyer": False, "meetings": []})
            groups[key]["meetings"].append(meeting)
        if attending_buyer and meeting.buyer_id == buyer_id:
            key = ("buyer", buyer_id)
            groups.setdefault(key, {"name": meeting.buyer.name, "as_buyer": True, "meetings": []})
            groups[key]["meetings"].append(meeting)
    return render(
        request,
        "meetups/agenda.html",
        {"meetup": meetup, "groups": list(groups.values()), "schedule_ready": meetup.schedule_built_at is not None},
    )
