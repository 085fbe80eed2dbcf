"""Demo meet-ups: one past with its schedule, one upcoming and full with a waitlist (schedule built), one open, and
a speed-meeting day (40 buyers, 150 structures, requests both ways, some declined, a published schedule).

Runs after the structures and tenders seeders (it needs their structures and buyer organisations). Deterministic
(`random.Random(2024)` over structures ordered by SIRET) and idempotent: meet-ups by slug, registrations by
(meet-up, structure), wishes by (registration, buyer); a schedule is built once, by the service. Dates follow
today, so the demo always has upcoming meet-ups. The demo structure login (structure@demo.ess2024.fr) is
registered to both upcoming meet-ups and has an agenda for the full one; acheteur@demo.ess2024.fr (SOLIDEO) too.
"""

from __future__ import annotations

import datetime
import random
from zoneinfo import ZoneInfo

from django.utils import timezone

from accounts.models import User
from ess2024.templatetags.french import de
from meetups import services
from meetups.models import (
    Meeting,
    MeetingRequest,
    Meetup,
    MeetupStatus,
    Registration,
    RegistrationStatus,
    RequestDirection,
    RequestStatus,
)
from structures.models import Structure, Topic, VerificationStatus
from structures.validators import make_siret
from tenders.models import BuyerOrganisation

PARIS = ZoneInfo("Europe/Paris")
DEMO_STAFF = "equipe@demo.ess2024.fr"

# slug, title, days from today, start hour, end hour, minutes per meeting, capacity, confirmed, waitlisted,
# venue, address, buyer slugs, topic slugs (positions), build the schedule, description
MEETUPS = [
    (
        "speed-meetings-solideo-village-des-athletes",
        "Speed meetings SOLIDEO : les chantiers du Village des athlètes",
        -45,
        (9, 0),
        (12, 30),
        15,
        40,
        40,
        0,
        "Les Canaux",
        "6 quai de la Seine, 75019 Paris",
        ["solideo", "batisseurs-du-village", "paris-habitat", "departement-seine-saint-denis"],
        [14, 1, 9, 17],
        True,
        "Des rendez-vous de 15 minutes avec SOLIDEO et les entreprises qui construisent le Village des athlètes : "
        "second œuvre, nettoyage de chantier, gestion des déchets, insertion.",
    ),
    (
        "rencontre-restauration-durable-et-reemploi",
        "Rencontre acheteurs : restauration durable, réemploi et services aux sites",
        12,
        (14, 0),
        (17, 0),
        12,
        30,
        30,
        4,
        "Les Canaux",
        "6 quai de la Seine, 75019 Paris",
        ["cojo-paris-2024", "solideo", "ville-de-paris", "metropole-du-grand-paris", "ile-de-france-mobilites"],
        [4, 6, 18, 7],
        True,
        "Le comité d'organisation, SOLIDEO, la Ville de Paris et leurs partenaires présentent leurs besoins pour "
        "les sites des Jeux, puis rencontrent les structures en tête-à-tête (12 minutes par rendez-vous).",
    ),
    (
        "information-marches-reserves-ess",
        "Information : répondre à un marché réservé aux structures de l'ESS",
        40,
        (9, 30),
        (12, 0),
        10,
        60,
        9,
        0,
        "Maison des associations de Saint-Denis",
        "2 rue de la République, 93200 Saint-Denis",
        ["departement-seine-saint-denis", "ville-de-paris", "paris-habitat"],
        [17, 16, 9],
        False,
        "Marchés réservés (articles L2113-12, L2113-13 et L2113-15), clauses sociales, groupements : une matinée "
        "pour comprendre, suivie de courts rendez-vous avec trois acheteurs.",
    ),
]

WISH_NOTES = [
    "Nous pouvons intervenir sur plusieurs sites en même temps.",
    "Présentation de nos références sur des chantiers publics.",
    "Nous cherchons à répondre en groupement.",
    "",
    "Nos équipes en insertion sont disponibles dès le mois prochain.",
    "",
]


def _at(day: datetime.date, hour_minute: tuple[int, int]) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(*hour_minute), tzinfo=PARIS)


def seed(*, stdout=None) -> str:
    rng = random.Random(2024)
    today = timezone.localdate()
    staff = User.objects.filter(email=DEMO_STAFF).first() or User.objects.filter(is_superuser=True).first()
    buyers_by_slug = {buyer.slug: buyer for buyer in BuyerOrganisation.objects.all()}
    topics_by_position = {topic.position: topic for topic in Topic.objects.all()}
    flagship = Structure.objects.filter(siret=make_siret(1)).first()
    pool = list(
        Structure.objects.listed()
        .exclude(pk=getattr(flagship, "pk", None))
        .order_by("siret")
        .values_list("pk", "verification_status")
    )
    if not pool or not buyers_by_slug:
        return "aucune structure ou aucun acheteur : rien à faire"

    created_meetups = created_registrations = built = 0
    for index, spec in enumerate(MEETUPS):
        (slug, title, days, start, end, minutes, capacity, confirmed, waitlisted, venue, address, buyer_slugs,
         topic_positions, build, description) = spec  # fmt: skip
        day = today + datetime.timedelta(days=days)
        starts_at = _at(day, start)
        meetup, was_created = Meetup.objects.update_or_create(
            slug=slug,
            defaults={
                "title": title,
                "description": description,
                "venue": venue,
                "address": address,
                "starts_at": starts_at,
                "ends_at": _at(day, end),
                "registration_deadline": starts_at - datetime.timedelta(days=2),
                "capacity": capacity,
                "meeting_minutes": minutes,
                "status": MeetupStatus.PUBLISHED,
            },
        )
        created_meetups += was_created
        buyers = [buyers_by_slug[s] for s in buyer_slugs if s in buyers_by_slug]
        meetup.buyers.set(buyers)
        meetup.topics.set([topics_by_position[p] for p in topic_positions if p in topics_by_position])

        # Each meet-up draws its own structures (same draw every run); the flagship joins the upcoming ones.
        meetup_rng = random.Random(f"{2024}-{slug}")
        drawn = meetup_rng.sample(pool, min(confirmed + waitlisted, len(pool)))
        participants = [pk for pk, _status in drawn]
        if flagship is not None and days > 0:
            participants = [flagship.pk, *participants[:-1]] if index == 1 else [*participants, flagship.pk]
        existing = set(Registration.objects.active().filter(meetup=meetup).values_list("structure_id", flat=True))
        base_time = timezone.now() - datetime.timedelta(days=max(days, 0) + 60)
        last_position = 0
        for rank, structure_id in enumerate(participants):
            is_confirmed = rank < capacity
            if not is_confirmed:
                last_position += 1
            if structure_id in existing:
                continue
            registration = Registration.objects.create(
                meetup=meetup,
                structure_id=structure_id,
                status=RegistrationStatus.CONFIRMED if is_confirmed else RegistrationStatus.WAITLISTED,
                position=None if is_confirmed else last_position,
            )
            # Registrations arrive one after the other, a few hours apart (the waitlist follows this order).
            Registration.objects.filter(pk=registration.pk).update(
                created_at=base_time + datetime.timedelta(hours=3 * rank)
            )
            created_registrations += 1
            wish_count = rng.randint(1, min(4, len(buyers))) if buyers else 0
            wished = rng.sample(buyers, wish_count)
            if flagship is not None and structure_id == flagship.pk:
                wished = buyers[:2]  # the demo login meets the first two buyers (SOLIDEO among them)
            for buyer in wished:
                MeetingRequest.objects.get_or_create(
                    registration=registration,
                    buyer=buyer,
                    direction=RequestDirection.STRUCTURE,
                    defaults={"note": rng.choice(WISH_NOTES), "status": RequestStatus.ACCEPTED},
                )

        if build and staff is not None and not Meeting.objects.filter(meetup=meetup).exists():
            services.schedule_build(meetup=meetup, by=staff)
            built += 1

    speed = seed_speed_meeting_day(today=today, pool=[pk for pk, _status in pool], flagship=flagship)
    verified = sum(1 for _pk, status in pool if status == VerificationStatus.VERIFIED)
    return (
        f"{created_meetups} rencontres créées, {created_registrations} inscriptions, {built} plannings construits "
        f"({verified} structures vérifiées dans le vivier) ; {speed}"
    )


# --- The speed-meeting day -----------------------------------------------------------------------------------------

SPEED_SLUG = "journee-speed-meeting-acheteurs-des-jeux"
SPEED_BUYERS = 40
SPEED_STRUCTURES = 150
# Extra buyer organisations (the tenders demo has about ten): host cities and public bodies of the Games.
EXTRA_BUYER_CITIES = [
    "Saint-Ouen-sur-Seine", "Aubervilliers", "Pantin", "Bobigny", "Saint-Denis", "Montreuil", "Nanterre",
    "Vincennes", "Versailles", "Élancourt", "Vaires-sur-Marne", "Le Bourget", "Dugny", "La Courneuve",
    "Villepinte", "Issy-les-Moulineaux", "Colombes", "Marseille", "Lille", "Lyon", "Nice", "Bordeaux", "Nantes",
    "Saint-Étienne", "Châteauroux", "Clichy-sous-Bois", "Sevran", "Noisy-le-Grand", "Créteil", "Boulogne-Billancourt",
    "Argenteuil", "Rueil-Malmaison", "Ivry-sur-Seine", "Vitry-sur-Seine", "Champigny-sur-Marne", "Aulnay-sous-Bois",
]  # fmt: skip
BUYER_NOTES = [
    "Nous cherchons des prestataires pour l'entretien des sites.",
    "Votre offre de restauration nous intéresse pour les fan zones.",
    "Pouvez-vous intervenir en sous-traitance sur nos lots ?",
    "",
]
DECLINE_REASONS = ["Hors de notre périmètre d'achat cette année.", "Nous sommes déjà équipés.", ""]


def _speed_buyers(rng: random.Random) -> list[BuyerOrganisation]:
    from django.utils.text import slugify

    buyers = list(BuyerOrganisation.objects.order_by("name"))
    for city in EXTRA_BUYER_CITIES:
        if len(buyers) >= SPEED_BUYERS:
            break
        buyer, _created = BuyerOrganisation.objects.get_or_create(
            slug=f"ville-{slugify(city)}",
            defaults={"name": f"Ville {de(city, always=True)}", "kind": BuyerOrganisation.Kind.CITY},
        )
        if buyer not in buyers:
            buyers.append(buyer)
    # SOLIDEO (the demo buyer login) first, then the others in a fixed order.
    buyers.sort(key=lambda b: (b.slug != "solideo", b.slug))
    return buyers[:SPEED_BUYERS]


def seed_speed_meeting_day(*, today: datetime.date, pool: list[int], flagship: Structure | None) -> str:
    """A published speed-meeting day in eight days, 9:00–13:00, 10-minute meetings (24 slots), one table per buyer.

    Requests go both ways with a priority; the meet-up asks for acceptance: most are accepted, some declined (with
    a reason), a few still pending. The schedule is placed here greedily (fast and deterministic: the demo must
    seed quickly; staff can rebuild it with the scheduler), pinned and marked published. No email is sent."""
    rng = random.Random(f"{2024}-{SPEED_SLUG}")
    day = today + datetime.timedelta(days=8)
    starts_at = _at(day, (9, 0))
    meetup, created = Meetup.objects.update_or_create(
        slug=SPEED_SLUG,
        defaults={
            "title": "Journée speed meeting : les acheteurs des Jeux rencontrent l'ESS",
            "description": "Quarante acheteurs publics et privés des Jeux, cent cinquante structures de l'ESS, des "
            "rendez-vous de dix minutes demandés dans les deux sens et acceptés par l'autre partie.",
            "venue": "Les Canaux",
            "address": "6 quai de la Seine, 75019 Paris",
            "starts_at": starts_at,
            "ends_at": _at(day, (13, 0)),
            "registration_deadline": starts_at - datetime.timedelta(days=3),
            "capacity": SPEED_STRUCTURES,
            "meeting_minutes": 10,
            "status": MeetupStatus.PUBLISHED,
            "requests_need_acceptance": True,
            "breaks": ["11:00"],
        },
    )
    if not created and Meeting.objects.filter(meetup=meetup).exists():
        return "journée speed meeting déjà en place"
    buyers = _speed_buyers(rng)
    meetup.buyers.set(buyers)
    structure_ids = rng.sample(pool, min(SPEED_STRUCTURES, len(pool)))
    if flagship is not None and flagship.pk not in structure_ids:
        structure_ids = [flagship.pk, *structure_ids[:-1]]
    existing = set(Registration.objects.active().filter(meetup=meetup).values_list("structure_id", flat=True))
    Registration.objects.bulk_create(
        [
            Registration(meetup=meetup, structure_id=pk, status=RegistrationStatus.CONFIRMED)
            for pk in structure_ids
            if pk not in existing
        ]
    )
    registrations = list(
        Registration.objects.filter(meetup=meetup, status=RegistrationStatus.CONFIRMED).order_by("structure_id")
    )
    now = timezone.now()
    requests: dict[tuple[int, int, str], MeetingRequest] = {}

    def add(registration, buyer, direction, priority, note):
        roll = rng.random()
        status = (
            RequestStatus.DECLINED if roll < 0.12 else RequestStatus.PENDING if roll < 0.17 else RequestStatus.ACCEPTED
        )
        requests[(registration.pk, buyer.pk, direction)] = MeetingRequest(
            registration=registration,
            buyer=buyer,
            direction=direction,
            priority=priority,
            note=note,
            status=status,
            responded_at=None if status == RequestStatus.PENDING else now,
            decline_reason=rng.choice(DECLINE_REASONS) if status == RequestStatus.DECLINED else "",
        )

    for registration in registrations:
        wished = rng.sample(buyers, rng.randint(2, 5))
        if flagship is not None and registration.structure_id == flagship.pk:
            wished = buyers[:3]
        for priority, buyer in enumerate(wished, start=1):
            add(registration, buyer, RequestDirection.STRUCTURE, priority, rng.choice(WISH_NOTES))
    for buyer in buyers:
        for priority, registration in enumerate(rng.sample(registrations, 4), start=1):
            add(registration, buyer, RequestDirection.BUYER, priority, rng.choice(BUYER_NOTES))
    # Asking back is an answer: when both sides asked, both requests are accepted.
    for (registration_id, buyer_id, direction), request in requests.items():
        other = RequestDirection.BUYER if direction == RequestDirection.STRUCTURE else RequestDirection.STRUCTURE
        if (registration_id, buyer_id, other) in requests:
            request.status, request.decline_reason = RequestStatus.ACCEPTED, ""
    MeetingRequest.objects.filter(registration__meetup=meetup).delete()
    MeetingRequest.objects.bulk_create(list(requests.values()))

    # Greedy placement of the accepted pairs, first wishes first, earliest common free slot outside the break.
    slots = [slot for slot in services.meetup_slots(meetup) if timezone.localtime(slot).strftime("%H:%M") != "11:00"]
    table_of = {buyer.pk: number for number, buyer in enumerate(sorted(buyers, key=lambda b: b.name), start=1)}
    structure_of = {registration.pk: registration.structure_id for registration in registrations}
    saved = {
        (r.registration_id, r.buyer_id, r.direction): r
        for r in MeetingRequest.objects.filter(registration__meetup=meetup, status=RequestStatus.ACCEPTED)
    }
    pairs = sorted(saved.values(), key=lambda r: (r.priority, r.registration_id, r.buyer_id, r.direction))
    step = datetime.timedelta(minutes=meetup.meeting_minutes)
    busy_buyer: dict[int, set[int]] = {}
    busy_structure: dict[int, set[int]] = {}
    placed_pairs: set[tuple[int, int]] = set()
    meetings = []
    for request in pairs:
        pair = (request.registration_id, request.buyer_id)
        if pair in placed_pairs:
            continue
        structure_id = structure_of[request.registration_id]
        taken_b = busy_buyer.setdefault(request.buyer_id, set())
        taken_s = busy_structure.setdefault(structure_id, set())
        free = next((i for i in range(len(slots)) if i not in taken_b and i not in taken_s), None)
        if free is None:
            continue
        taken_b.add(free)
        taken_s.add(free)
        placed_pairs.add(pair)
        meetings.append(
            Meeting(
                meetup=meetup,
                buyer_id=request.buyer_id,
                structure_id=structure_id,
                request=request,
                starts_at=slots[free],
                ends_at=slots[free] + step,
                table=table_of[request.buyer_id],
                pinned=True,
            )
        )
    Meeting.objects.bulk_create(meetings)
    meetup.schedule_built_at = meetup.schedule_published_at = now
    meetup.save(update_fields=["schedule_built_at", "schedule_published_at", "updated_at"])
    declined = sum(1 for r in requests.values() if r.status == RequestStatus.DECLINED)
    return (
        f"journée speed meeting : {len(buyers)} acheteurs, {len(registrations)} structures, {len(requests)} demandes "
        f"({declined} déclinées), {len(meetings)} rendez-vous publiés"
    )
