"""Demo meet-ups: one past with its schedule, one upcoming and full with a waitlist (schedule built), one open.

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
from meetups import services
from meetups.models import Meeting, MeetingRequest, Meetup, MeetupStatus, Registration, RegistrationStatus
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
                    registration=registration, buyer=buyer, defaults={"note": rng.choice(WISH_NOTES)}
                )

        if build and staff is not None and not Meeting.objects.filter(meetup=meetup).exists():
            services.schedule_build(meetup=meetup, by=staff)
            built += 1

    verified = sum(1 for _pk, status in pool if status == VerificationStatus.VERIFIED)
    return (
        f"{created_meetups} rencontres créées, {created_registrations} inscriptions, {built} plannings construits "
        f"({verified} structures vérifiées dans le vivier)"
    )
