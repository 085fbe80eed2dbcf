"""Staff pages of one meet-up, usable on a phone at the door: publish the schedule, badges with a QR code, check-in
(search by name, or scan a badge: the QR code holds a signed URL that opens the participant's check-in card), and
the figures of the day (arrivals, no-shows, how participants rated their meetings).

Every page is for Les Canaux staff only (anyone else gets a 404).
"""

from __future__ import annotations

import re
from functools import lru_cache, wraps

import qrcode
import qrcode.constants
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import escape, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from ess2024.templatetags.french import de
from meetups import calendar, perms, services
from meetups.forms import CheckInSearchForm
from meetups.models import CheckIn, Meeting, MeetingRating, Meetup, NoShow, RatingSide, Registration
from tenders.models import BuyerOrganisation

BADGE_PATH = re.compile(r"/badge/(?P<token>[^/\s]+)/?")


def staff_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not perms.can_organise(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


def _meetup(slug) -> Meetup:
    return get_object_or_404(Meetup.objects.with_seat_counts(), slug=slug)


@lru_cache(maxsize=4096)  # a badge's URL never changes: reprinting the badges costs nothing the second time
def qr_svg(data: str, label: str) -> str:
    """An inline SVG QR code announced as an image with `label`, no external resource.

    `qrcode` computes the modules; they are drawn here as one path of horizontal runs (its own SVG factories build
    an element per module with Decimal arithmetic: ~60 ms a code, too slow for a page of 200 badges)."""
    # A fixed mask pattern: choosing the "best" of eight costs ~30 ms a code in pure Python; any mask scans.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, mask_pattern=2)
    code.add_data(data)
    code.make(fit=True)
    matrix = code.get_matrix()
    runs = []
    for y, row in enumerate(matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start},{y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    size = len(matrix)
    return (
        f'<svg role="img" aria-label="{escape(label)}" class="meetup-badge__qr" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {size} {size}" shape-rendering="crispEdges"><rect width="{size}" height="{size}" '
        f'fill="#fff"/><path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def meetup_figures(meetup: Meetup) -> dict:
    """Arrivals, meetings with an absence, and ratings (useful, follow-up planned) per side: four queries."""
    participants = services.meetup_participants(meetup)
    arrivals = CheckIn.objects.filter(meetup=meetup).aggregate(
        buyers=Count("pk", filter=Q(buyer__isnull=False)), structures=Count("pk", filter=Q(registration__isnull=False))
    )
    meetings = Meeting.objects.filter(meetup=meetup).aggregate(
        total=Count("pk"),
        with_absence=Count("pk", filter=~Q(no_show="")),
        buyer_absent=Count("pk", filter=Q(no_show__in=[NoShow.BUYER, NoShow.BOTH])),
        structure_absent=Count("pk", filter=Q(no_show__in=[NoShow.STRUCTURE, NoShow.BOTH])),
    )
    ratings = MeetingRating.objects.filter(meeting__meetup=meetup).aggregate(
        total=Count("pk"),
        useful=Count("pk", filter=Q(useful=True)),
        follow_up=Count("pk", filter=Q(follow_up=True)),
        buyer=Count("pk", filter=Q(side=RatingSide.BUYER)),
        structure=Count("pk", filter=Q(side=RatingSide.STRUCTURE)),
    )

    def share(part, whole):
        return round(100 * part / whole) if whole else None

    return {
        "buyers": sum(1 for p in participants if p.kind == "buyer"),
        "structures": sum(1 for p in participants if p.kind == "registration"),
        "arrived_buyers": arrivals["buyers"],
        "arrived_structures": arrivals["structures"],
        "meetings": meetings,
        "ratings": ratings,
        "useful_share": share(ratings["useful"], ratings["total"]),
        "follow_up_share": share(ratings["follow_up"], ratings["total"]),
    }


@staff_required
def staff_home(request, slug):
    meetup = _meetup(slug)
    return render(
        request,
        "meetups/staff_home.html",
        {"meetup": meetup, "figures": meetup_figures(meetup), "meeting_count": meetup.meetings.count()},
    )


@staff_required
@require_POST
def publish(request, slug):
    meetup = _meetup(slug)
    try:
        sent = services.schedule_publish(meetup=meetup, by=request.user)
    except services.MeetupError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "Planning publié : %(count)d e-mail d'agenda envoyé.",
                "Planning publié : %(count)d e-mails d'agenda envoyés.",
                sent,
            )
            % {"count": sent},
        )
    return redirect("meetups:staff", slug=meetup.slug)


@staff_required
@require_POST
def record_no_shows(request, slug):
    meetup = _meetup(slug)
    try:
        absent = services.no_shows_record(meetup=meetup, by=request.user)
    except services.MeetupError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            ngettext(
                "Absences enregistrées : %(count)d rendez-vous avec un absent.",
                "Absences enregistrées : %(count)d rendez-vous avec un absent.",
                absent,
            )
            % {"count": absent},
        )
    return redirect("meetups:staff", slug=meetup.slug)


def _participant_rows(meetup: Meetup, query: str = "") -> list[dict]:
    """Buyers and confirmed structures matching `query` (name, SIRET), with whether each arrived: three queries."""
    buyers = meetup.buyers.all()
    registrations = Registration.objects.filter(meetup=meetup, status="confirmed").select_related("structure")
    if query:
        buyers = buyers.filter(name__icontains=query)
        registrations = registrations.filter(
            Q(structure__name__icontains=query) | Q(structure__siret__startswith=query.replace(" ", ""))
        )
    arrived = {
        (f"b{buyer_id}" if buyer_id else f"r{registration_id}"): at
        for buyer_id, registration_id, at in CheckIn.objects.filter(meetup=meetup).values_list(
            "buyer_id", "registration_id", "checked_in_at"
        )
    }
    rows = [
        {"key": f"b{b.pk}", "name": b.name, "kind": _("Acheteur"), "arrived_at": arrived.get(f"b{b.pk}")}
        for b in buyers.order_by("name")
    ]
    rows += [
        {
            "key": f"r{r.pk}",
            "name": r.structure.name,
            "kind": _("Structure"),
            "arrived_at": arrived.get(f"r{r.pk}"),
        }
        for r in registrations.order_by("structure__name")
    ]
    return rows


def _resolve(meetup: Meetup, key: str):
    """(buyer, registration) for a participant key "b12" / "r34" of this meet-up; 404 otherwise."""
    if len(key) < 2 or not key[1:].isdigit():
        raise Http404
    pk = int(key[1:])
    if key[0] == "b":
        return get_object_or_404(BuyerOrganisation, pk=pk, meetups=meetup), None
    if key[0] == "r":
        return None, get_object_or_404(Registration.objects.select_related("structure"), pk=pk, meetup=meetup)
    raise Http404


@staff_required
def check_in_page(request, slug):
    """GET: search (a name, a SIRET, or a badge URL pasted or read by a scanner); POST: mark present or undo."""
    meetup = _meetup(slug)
    if request.method == "POST":
        buyer, registration = _resolve(meetup, request.POST.get("participant", ""))
        name = buyer.name if buyer else registration.structure.name
        try:
            if request.POST.get("action") == "undo":
                services.check_in_undo(meetup=meetup, buyer=buyer, registration=registration, by=request.user)
                messages.success(request, _("Arrivée %(de_name)s annulée.") % {"de_name": de(name)})
            else:
                services.check_in(meetup=meetup, buyer=buyer, registration=registration, by=request.user)
                messages.success(request, _("Arrivée %(de_name)s enregistrée.") % {"de_name": de(name)})
        except services.MeetupError as error:
            messages.error(request, error.message)
        return redirect(reverse("meetups:check_in", kwargs={"slug": meetup.slug}) + "?" + request.GET.urlencode())
    form = CheckInSearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    scanned = BADGE_PATH.search(query)
    if scanned:
        return redirect("meetups:badge_scan", slug=meetup.slug, token=scanned.group("token"))
    rows = _participant_rows(meetup, query)
    return render(
        request,
        "meetups/check_in.html",
        {
            "meetup": meetup,
            "form": form,
            "query": query,
            "rows": rows,
            "arrived": sum(1 for row in rows if row["arrived_at"]),
        },
    )


@staff_required
def badge_scan(request, slug, token):
    """What a badge's QR code opens: the participant's card with a one-tap "mark present" button."""
    meetup = _meetup(slug)
    participant = calendar.participant_from_badge_token(meetup, token)
    if participant is None:
        messages.error(request, _("Badge inconnu pour cette rencontre."))
        return redirect("meetups:check_in", slug=meetup.slug)
    who = {"buyer_id": participant.pk} if participant.kind == "buyer" else {"registration_id": participant.pk}
    arrival = CheckIn.objects.filter(meetup=meetup, **who).first()
    meetings = calendar.meetings_of(meetup, participant)
    return render(
        request,
        "meetups/badge_scan.html",
        {"meetup": meetup, "participant": participant, "arrival": arrival, "meetings": meetings},
    )


@staff_required
def badges(request, slug):
    """Printable badges, one per participant: name, role, a QR code of the badge's check-in URL."""
    meetup = _meetup(slug)
    cards = []
    for participant in services.meetup_participants(meetup):
        url = request.build_absolute_uri(calendar.badge_url(meetup, participant))
        cards.append(
            {
                "participant": participant,
                "as_buyer": participant.kind == "buyer",
                "url": url,
                "qr": mark_safe(qr_svg(url, _("Code QR du badge %(de_name)s") % {"de_name": de(participant.name)})),  # noqa: S308 — generated by qrcode from our own URL, no user markup
            }
        )
    return render(request, "meetups/badges.html", {"meetup": meetup, "cards": cards})
