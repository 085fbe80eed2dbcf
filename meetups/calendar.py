"""A participant's agenda: the rows of the web page and the emails, the `.ics` calendar, and the signed URLs.

A participant is a buyer organisation holding a table or a registered structure (`services.Participant`). Each
meeting row carries the other side's short profile and the reasons the two were put together (who asked whom, in
which rank, the topics they share). The calendar feed URL is signed (no login: calendar apps cannot log in), so
knowing a participant's id is not enough to read their agenda; badges use the same scheme with another salt.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

import icalendar
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from meetups.models import Meeting, MeetingRequest, Meetup, Registration, RequestDirection
from structures.models import Structure
from tenders.models import BuyerOrganisation, Tender

CALENDAR_SALT = "meetups.calendar"
BADGE_SALT = "meetups.badge"


# --- Signed tokens -------------------------------------------------------------------------------------------------


def _token(salt: str, meetup: Meetup, participant) -> str:
    return signing.Signer(salt=salt).sign(f"{meetup.pk}-{participant.key}")


def _participant_from(salt: str, meetup: Meetup, token: str):
    """The participant a token names for this meet-up, or None (bad signature, another meet-up, left since)."""
    from meetups.services import Participant

    try:
        value = signing.Signer(salt=salt).unsign(token)
    except signing.BadSignature:
        return None
    meetup_id, _sep, key = value.partition("-")
    if meetup_id != str(meetup.pk) or len(key) < 2 or not key[1:].isdigit():
        return None
    pk = int(key[1:])
    if key[0] == "b":
        name = meetup.buyers.filter(pk=pk).values_list("name", flat=True).first()
        return Participant("buyer", pk, name) if name else None
    if key[0] == "r":
        name = (
            Registration.objects.filter(meetup=meetup, pk=pk, status="confirmed")
            .values_list("structure__name", flat=True)
            .first()
        )
        return Participant("registration", pk, name) if name else None
    return None


def feed_token(meetup: Meetup, participant) -> str:
    return _token(CALENDAR_SALT, meetup, participant)


def feed_url(meetup: Meetup, participant) -> str:
    """Site-relative URL of the participant's .ics feed (emails prefix SITE_URL)."""
    return reverse("meetups:calendar", kwargs={"slug": meetup.slug, "token": feed_token(meetup, participant)})


def participant_from_feed_token(meetup: Meetup, token: str):
    return _participant_from(CALENDAR_SALT, meetup, token)


def badge_token(meetup: Meetup, participant) -> str:
    return _token(BADGE_SALT, meetup, participant)


def badge_url(meetup: Meetup, participant) -> str:
    return reverse("meetups:badge_scan", kwargs={"slug": meetup.slug, "token": badge_token(meetup, participant)})


def participant_from_badge_token(meetup: Meetup, token: str):
    return _participant_from(BADGE_SALT, meetup, token)


# --- Agenda rows -----------------------------------------------------------------------------------------------------


@dataclass
class AgendaRow:
    meeting: Meeting
    other_name: str
    other_url: str
    profile: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    note: str = ""
    my_rating: object = None


def _structure_profile(structure: Structure, topic_names: list[str]) -> list[str]:
    bits = [structure.get_category_display()]
    if structure.city:
        bits.append(structure.city)
    if topic_names:
        bits.append(", ".join(topic_names[:3]))
    return bits


def agenda_rows(meetup: Meetup, participant, meetings: list[Meeting]) -> list[AgendaRow]:
    """One row per meeting of `participant`, with the other side's profile and the match reasons.

    Three queries whatever the number of meetings: requests of the pairs, structures' topics, buyers' tender topics.
    `meetings` must have `buyer` and `structure` loaded."""
    if not meetings:
        return []
    as_buyer = participant.kind == "buyer"
    pairs = {(meeting.buyer_id, meeting.structure_id) for meeting in meetings}
    structure_ids = {structure for _b, structure in pairs}
    buyer_ids = {buyer for buyer, _s in pairs}
    requests: dict[tuple[int, int], list[MeetingRequest]] = defaultdict(list)
    for request in (
        MeetingRequest.objects.filter(
            registration__meetup=meetup, buyer_id__in=buyer_ids, registration__structure_id__in=structure_ids
        )
        .only("pk", "buyer_id", "direction", "priority", "note", "status", "registration__structure_id")
        .select_related("registration")
    ):
        requests[(request.buyer_id, request.registration.structure_id)].append(request)
    structure_topics: dict[int, dict[int, str]] = defaultdict(dict)
    english = (get_language() or "").startswith("en")  # topic names in the page's language (issue 15, item 3)
    for structure_id, topic_id, name, name_en in Structure.topics.through.objects.filter(
        structure_id__in=structure_ids
    ).values_list("structure_id", "topic_id", "topic__name", "topic__name_en"):
        structure_topics[structure_id][topic_id] = name_en if english and name_en else name
    buyer_topics: dict[int, set[int]] = defaultdict(set)
    for buyer_id, topic_id in (
        Tender.objects.filter(buyer_id__in=buyer_ids, topics__isnull=False)
        .values_list("buyer_id", "topics__id")
        .distinct()
    ):
        buyer_topics[buyer_id].add(topic_id)

    rows = []
    for meeting in meetings:
        pair = (meeting.buyer_id, meeting.structure_id)
        topics = structure_topics.get(meeting.structure_id, {})
        shared = sorted(name for pk, name in topics.items() if pk in buyer_topics.get(meeting.buyer_id, set()))
        reasons = []
        by_direction = {request.direction: request for request in requests.get(pair, [])}
        if len(by_direction) == 2:
            reasons.append(_("Demande réciproque : chacun a demandé à rencontrer l'autre."))
        for direction, request in sorted(by_direction.items()):
            asker = meeting.structure.name if direction == RequestDirection.STRUCTURE else meeting.buyer.name
            reasons.append(
                _("%(asker)s l'a demandé (souhait n° %(rank)s).") % {"asker": asker, "rank": request.priority}
            )
        if shared:
            reasons.append(_("Thématiques communes : %(topics)s.") % {"topics": ", ".join(shared)})
        note = " · ".join(request.note for request in by_direction.values() if request.note)
        if as_buyer:
            row = AgendaRow(
                meeting=meeting,
                other_name=meeting.structure.name,
                other_url=reverse("structures:detail", kwargs={"slug": meeting.structure.slug}),
                profile=_structure_profile(meeting.structure, sorted(topics.values())),
            )
        else:
            row = AgendaRow(
                meeting=meeting,
                other_name=meeting.buyer.name,
                other_url="",
                profile=[meeting.buyer.get_kind_display()],
            )
        row.reasons, row.note = reasons, note
        rows.append(row)
    return rows


def meetings_of(meetup: Meetup, participant) -> list[Meeting]:
    """The participant's meetings in time order, with both sides loaded (one query)."""
    queryset = Meeting.objects.filter(meetup=meetup).select_related("buyer", "structure")
    if participant.kind == "buyer":
        queryset = queryset.filter(buyer_id=participant.pk)
    else:
        queryset = queryset.filter(structure__meetup_registrations__pk=participant.pk)
    return list(queryset.order_by("starts_at", "table"))


# --- .ics ------------------------------------------------------------------------------------------------------------


def ics_bytes(meetup: Meetup, participant, rows: list[AgendaRow]) -> bytes:
    """An iCalendar file with one event per meeting (times in UTC, stable UIDs so updates replace events)."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//ESS 2024//Rencontres//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{meetup.title} — {participant.name}")
    calendar.add("method", "PUBLISH")
    host = (settings.SITE_URL.split("//")[-1] or "ess2024").split("/")[0]
    location = ", ".join(part for part in [meetup.venue, meetup.address] if part)
    now = timezone.now()
    for row in rows:
        meeting = row.meeting
        event = icalendar.Event()
        event.add("uid", f"meetup-{meetup.pk}-meeting-{meeting.pk}-{participant.key}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", meeting.starts_at.astimezone(datetime.UTC))
        event.add("dtend", meeting.ends_at.astimezone(datetime.UTC))
        event.add(
            "summary",
            _("Rendez-vous avec %(name)s (table %(table)s)") % {"name": row.other_name, "table": meeting.table},
        )
        description = [" · ".join(row.profile), *row.reasons]
        if row.note:
            description.append(row.note)
        event.add("description", "\n".join(line for line in description if line))
        if location:
            event.add("location", location)
        calendar.add_component(event)
    return calendar.to_ical()


def participant_for_user(meetup: Meetup, user) -> list:
    """The participants the user may act for at this meet-up: their buyer (holding a table) and their structures'
    confirmed or waitlisted registrations."""
    from meetups import perms
    from meetups.services import Participant

    result = []
    buyer_id = perms.buyer_organisation_id(user)
    if buyer_id is not None:
        buyer = BuyerOrganisation.objects.filter(pk=buyer_id, meetups=meetup).only("pk", "name").first()
        if buyer is not None:
            result.append(Participant("buyer", buyer.pk, buyer.name))
    for pk, name in (
        Registration.objects.for_member(user)
        .active()
        .filter(meetup=meetup)
        .order_by("structure__name")
        .values_list("pk", "structure__name")
    ):
        result.append(Participant("registration", pk, name))
    return result
