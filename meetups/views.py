"""Public meet-up pages: the list, one meet-up (register, choose buyers, cancel) and each participant's agenda."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ess2024 import fragment_cache
from ess2024.templatetags.french import de
from meetups import calendar, perms, services
from meetups.forms import (
    BuyerRequestsForm,
    MeetingRequestsForm,
    RatingForm,
    RegisterForm,
    RespondForm,
    UnavailabilityForm,
    slot_value,
)
from meetups.models import (
    Meeting,
    MeetingRating,
    MeetingRequest,
    Meetup,
    MeetupStatus,
    RatingSide,
    Registration,
    RegistrationStatus,
    RequestDirection,
    RequestStatus,
    Unavailability,
)
from structures.models import Structure, Topic
from tenders.models import BuyerOrganisation


def _visible_meetups(user):
    """Published and cancelled meet-ups for everyone; drafts for staff too."""
    if perms.can_organise(user):
        return Meetup.objects.all()
    return Meetup.objects.filter(status__in=[MeetupStatus.PUBLISHED, MeetupStatus.CANCELLED])


def _with_cards(queryset):
    return queryset.with_seat_counts().prefetch_related(
        Prefetch("topics", queryset=Topic.objects.only("pk", "name", "name_en")),
        Prefetch("buyers", queryset=BuyerOrganisation.objects.only("pk", "name").order_by("name")),
    )


def _list_parts(request) -> dict:
    """Every upcoming meet-up's card (without the visitor's registration) and the past ones, as HTML for the cache."""
    now = timezone.now()
    meetups = list(_with_cards(Meetup.objects.published().upcoming(now)).order_by("starts_at", "pk"))
    past = list(
        Meetup.objects.published().past(now).only("pk", "slug", "title", "starts_at").order_by("-starts_at")[:5]
    )
    cards = [
        {
            "pk": meetup.pk,
            "head": fragment_cache.render_fragment("meetups/_card.html#head", {"meetup": meetup}, request),
            "tail": fragment_cache.render_fragment("meetups/_card.html#tail", {"meetup": meetup}, request),
        }
        for meetup in meetups
    ]
    # Registration closing or a meet-up ending changes the cards and the past list.
    moments = [m for meetup in meetups for m in (meetup.registration_deadline, meetup.ends_at) if m > now]
    return {
        "cards": cards,
        "past": fragment_cache.render_fragment("meetups/list.html#past", {"past_meetups": past}, request),
        "valid_until": min(moments, default=None),
    }


def index(request):
    """`/rencontres/`: the cards come from the cache (ess2024/fragment_cache.py) while no meet-up or registration
    changed; the visitor's registrations ("Vous êtes inscrits") are read for each request."""
    parts = fragment_cache.get_or_render(
        "meetups.list", scopes=[fragment_cache.MEETUPS], render=lambda: _list_parts(request)
    )
    mine = dict(
        Registration.objects.for_member(request.user)
        .active()
        .filter(meetup__in=[card["pk"] for card in parts["cards"]])
        .values_list("meetup_id", "status")
    )
    cards = [{**card, "my_status": mine.get(card["pk"])} for card in parts["cards"]]
    return render(request, "meetups/list.html", {"parts": parts, "cards": cards})


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
                "meeting_requests",
                queryset=MeetingRequest.objects.select_related("buyer").only(
                    "pk",
                    "registration_id",
                    "buyer_id",
                    "buyer__name",
                    "note",
                    "direction",
                    "priority",
                    "status",
                    "decline_reason",
                ),
            ),
            Prefetch("unavailabilities", queryset=Unavailability.objects.only("pk", "registration_id", "starts_at")),
        )
        .order_by("structure__name")
    )
    registered_ids = {registration.structure_id for registration in registrations}
    unregistered = [structure for structure in structures if structure.pk not in registered_ids]
    buyers = list(meetup.buyers.all())
    slots = services.meetup_slots(meetup)
    request_forms = request_forms or {}
    for registration in registrations:
        if registration.status == RegistrationStatus.WAITLISTED:
            registration.rank = (
                Registration.objects.waitlist().filter(meetup=meetup, position__lt=registration.position).count() + 1
            )
        all_requests = list(registration.meeting_requests.all())
        form = request_forms.get(registration.pk)
        if form is None:
            wishes = {wish.buyer_id: wish for wish in all_requests if wish.direction == RequestDirection.STRUCTURE}
            initial = {"buyers": [str(pk) for pk in wishes]}
            initial.update({f"note_{pk}": wish.note for pk, wish in wishes.items()})
            initial.update({f"priority_{pk}": wish.priority for pk, wish in wishes.items()})
            form = MeetingRequestsForm(buyers=buyers, initial=initial, prefix=f"r{registration.pk}")
        registration.requests_form = form
        registration.my_requests = sorted(
            (r for r in all_requests if r.direction == RequestDirection.STRUCTURE), key=lambda r: r.priority
        )
        registration.incoming = sorted(
            (r for r in all_requests if r.direction == RequestDirection.BUYER), key=lambda r: r.buyer.name
        )
        registration.unavailability_form = UnavailabilityForm(
            slots=slots,
            initial={"slots": [slot_value(u.starts_at) for u in registration.unavailabilities.all()]},
            prefix=f"u{registration.pk}",
        )
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
        "open_for_requests": meetup.status == MeetupStatus.PUBLISHED and not meetup.starts_at <= timezone.now(),
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
                _("L'inscription %(de_structure)s est annulée. Merci d'avoir libéré la place.")
                % {"de_structure": de(registration.structure.name)},
            )
        return redirect("meetups:detail", slug=slug)
    return render(request, "meetups/cancel.html", {"registration": registration, "meetup": registration.meetup})


@login_required
def agenda(request, slug):
    """The signed-in participant's meetings (their structures', or their buyer organisation's), each with the other
    side's short profile and why they meet; a link to the .ics calendar feed; after the event, a rating per meeting."""
    meetup = get_object_or_404(_visible_meetups(request.user), slug=slug)
    participants = calendar.participant_for_user(meetup, request.user)
    if not participants:
        raise Http404("Not a participant of this meet-up.")
    now = timezone.now()
    groups = []
    all_meetings = []
    for participant in participants:
        meetings = calendar.meetings_of(meetup, participant) if meetup.schedule_built_at else []
        rows = calendar.agenda_rows(meetup, participant, meetings)
        all_meetings += meetings
        groups.append(
            {
                "participant": participant,
                "name": participant.name,
                "as_buyer": participant.kind == "buyer",
                "rows": rows,
                "feed_url": request.build_absolute_uri(calendar.feed_url(meetup, participant)),
            }
        )
    ratings = {
        (rating.meeting_id, rating.side): rating
        for rating in MeetingRating.objects.filter(meeting__in=[meeting.pk for meeting in all_meetings])
    }
    for group in groups:
        side = RatingSide.BUYER if group["as_buyer"] else RatingSide.STRUCTURE
        for row in group["rows"]:
            row.my_rating = ratings.get((row.meeting.pk, side))
            row.can_rate = row.meeting.starts_at <= now
            row.side = side
    groups = [group for group in groups if group["rows"]] or []
    return render(
        request,
        "meetups/agenda.html",
        {
            "meetup": meetup,
            "groups": groups,
            "schedule_ready": meetup.schedule_built_at is not None,
            "published": meetup.schedule_published_at is not None,
        },
    )


def calendar_feed(request, slug, token):
    """The participant's agenda as an .ics file; the signed token in the URL is the only key (calendar apps)."""
    meetup = get_object_or_404(Meetup.objects.exclude(status=MeetupStatus.DRAFT), slug=slug)
    participant = calendar.participant_from_feed_token(meetup, token)
    if participant is None:
        raise Http404("Unknown calendar.")
    meetings = calendar.meetings_of(meetup, participant) if meetup.schedule_published_at else []
    body = calendar.ics_bytes(meetup, participant, calendar.agenda_rows(meetup, participant, meetings))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meetup.slug}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@require_POST
def rate(request, slug, pk):
    """One side rates one of its meetings (useful, follow-up planned)."""
    meeting = get_object_or_404(Meeting.objects.select_related("meetup"), pk=pk, meetup__slug=slug)
    side = request.POST.get("side", "")
    form = RatingForm(request.POST)
    if not form.is_valid():  # two optional checkboxes: never invalid, kept for symmetry
        raise Http404
    try:
        services.meeting_rate(
            meeting=meeting,
            side=side,
            useful=form.cleaned_data["useful"],
            follow_up=form.cleaned_data["follow_up"],
            by=request.user,
        )
    except services.NotAllowed as error:
        raise Http404 from error
    except services.MeetupError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Merci, votre avis est enregistré."))
    return redirect(reverse("meetups:agenda", kwargs={"slug": slug}) + f"#rdv-{meeting.pk}")


# --- Requests both ways ---------------------------------------------------------------------------------------------


def _attending_buyer(request, meetup):
    buyer_id = perms.buyer_organisation_id(request.user)
    buyer = meetup.buyers.filter(pk=buyer_id).first() if buyer_id is not None else None
    if buyer is None:
        raise Http404("Not a buyer of this meet-up.")
    return buyer


def _render_buyer(request, meetup, buyer, *, form=None, unavailability_form=None, status=200):
    registrations = list(
        Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED)
        .select_related("structure")
        .order_by("structure__name")
    )
    requests = list(
        MeetingRequest.objects.filter(registration__meetup=meetup, buyer=buyer)
        .select_related("registration__structure")
        .order_by("priority", "registration__structure__name")
    )
    mine = {r.registration_id: r for r in requests if r.direction == RequestDirection.BUYER}
    incoming = [r for r in requests if r.direction == RequestDirection.STRUCTURE]
    if form is None:
        initial = {"registrations": [str(pk) for pk in mine]}
        initial.update({f"note_{pk}": r.note for pk, r in mine.items()})
        initial.update({f"priority_{pk}": r.priority for pk, r in mine.items()})
        form = BuyerRequestsForm(registrations=registrations, initial=initial)
    slots = services.meetup_slots(meetup)
    if unavailability_form is None:
        unavailability_form = UnavailabilityForm(
            slots=slots,
            initial={
                "slots": [
                    slot_value(value)
                    for value in Unavailability.objects.filter(meetup=meetup, buyer=buyer).values_list(
                        "starts_at", flat=True
                    )
                ]
            },
            prefix="u",
        )
    context = {
        "meetup": meetup,
        "buyer": buyer,
        "form": form,
        "mine": sorted(mine.values(), key=lambda r: r.priority),
        "incoming": incoming,
        "pending_count": sum(1 for r in incoming if r.status == RequestStatus.PENDING),
        "unavailability_form": unavailability_form,
        "open_for_requests": meetup.status == MeetupStatus.PUBLISHED and meetup.starts_at > timezone.now(),
    }
    return render(request, "meetups/buyer.html", context, status=status)


@login_required
def buyer(request, slug):
    """A buyer's side of a meet-up: requests received (accept or decline), structures to ask, slots unavailable."""
    meetup = get_object_or_404(_visible_meetups(request.user), slug=slug)
    buyer = _attending_buyer(request, meetup)
    if request.method != "POST":
        return _render_buyer(request, meetup, buyer)
    registrations = (
        Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED)
        .select_related("structure")
        .order_by("structure__name")
    )
    form = BuyerRequestsForm(request.POST, registrations=registrations)
    if not form.is_valid():
        return _render_buyer(request, meetup, buyer, form=form, status=400)
    try:
        mine = services.buyer_requests_set(
            meetup=meetup,
            buyer=buyer,
            registrations=form.selected_registrations(),
            notes=form.notes(),
            by=request.user,
        )
    except services.MeetupError as error:
        messages.error(request, error.message)
    else:
        if mine:
            messages.success(
                request,
                _("C'est noté, par ordre de priorité : %(names)s.")
                % {"names": ", ".join(r.registration.structure.name for r in mine)},
            )
        else:
            messages.success(request, _("Vous n'avez demandé aucune structure."))
    return redirect("meetups:buyer", slug=meetup.slug)


@login_required
@require_POST
def buyer_unavailability(request, slug):
    meetup = get_object_or_404(_visible_meetups(request.user), slug=slug)
    buyer = _attending_buyer(request, meetup)
    form = UnavailabilityForm(request.POST, slots=services.meetup_slots(meetup), prefix="u")
    if not form.is_valid():
        return _render_buyer(request, meetup, buyer, unavailability_form=form, status=400)
    try:
        services.unavailability_set(meetup=meetup, buyer=buyer, slots=form.chosen(), by=request.user)
    except services.MeetupError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Vos indisponibilités sont enregistrées."))
    return redirect("meetups:buyer", slug=meetup.slug)


@login_required
@require_POST
def unavailability(request, slug, pk):
    registration = _my_registration(request, slug, pk)
    meetup = registration.meetup
    form = UnavailabilityForm(request.POST, slots=services.meetup_slots(meetup), prefix=f"u{registration.pk}")
    if not form.is_valid():
        messages.error(request, _("Choisissez des créneaux de la rencontre."))
    else:
        try:
            services.unavailability_set(meetup=meetup, registration=registration, slots=form.chosen(), by=request.user)
        except services.MeetupError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Vos indisponibilités sont enregistrées."))
    return redirect(reverse("meetups:detail", kwargs={"slug": slug}) + f"#inscription-{registration.pk}")


@login_required
@require_POST
def respond(request, slug, pk):
    """Accept or decline a request addressed to the user's side (a 404 for anyone else)."""
    meeting_request = get_object_or_404(
        MeetingRequest.objects.select_related("registration__structure", "registration__meetup", "buyer"),
        pk=pk,
        registration__meetup__slug=slug,
    )
    if not services.responder_allowed(request.user, meeting_request):
        raise Http404("Not addressed to you.")
    as_buyer = meeting_request.direction == RequestDirection.STRUCTURE
    back = (
        reverse("meetups:buyer", kwargs={"slug": slug})
        if as_buyer
        else reverse("meetups:detail", kwargs={"slug": slug}) + f"#inscription-{meeting_request.registration_id}"
    )
    form = RespondForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(error for errors in form.errors.values() for error in errors))
        return redirect(back)
    accept = form.cleaned_data["answer"] == "accept"
    try:
        services.request_respond(
            request=meeting_request, accept=accept, reason=form.cleaned_data["reason"], by=request.user
        )
    except services.MeetupError as error:
        messages.error(request, error.message)
    else:
        other = meeting_request.registration.structure.name if as_buyer else meeting_request.buyer.name
        if accept:
            messages.success(request, _("Demande %(de_name)s acceptée.") % {"de_name": de(other)})
        else:
            messages.success(request, _("Demande %(de_name)s déclinée.") % {"de_name": de(other)})
    return redirect(back)
