"""The plan of each demo tender (title, status, lots, dates...), drawn from its own seeded generator."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from structures.models import ReservedMarket
from tenders.models import Procedure, TenderStatus

from .reference import BUYERS, PER_BUYER, RELATED_TOPIC, RESERVED_KINDS, SITES, STATUS_PLAN, TOPIC_TENDERS

# The opening ceremony of the Paris 2024 Olympic Games: work that ends before it is preparation, the rest is legacy.
GAMES_OPEN = datetime.date(2024, 7, 26)
# How a tender of several lots is split.
LOT_PARTS = ["secteur nord", "secteur sud", "secteur est"]


def _dates(rng: random.Random, status: str, now: datetime.datetime) -> dict:
    """Publication and deadlines that agree with the status and with "now" (issue 12, item 6).

    Open tenders were published 2 to 25 days ago, take questions until tomorrow at the earliest and bids from 11
    days on; drafts were written two days ago and are due later; closed ones passed their deadline in the last 20
    days; the rest (awarded, cancelled, unsuccessful) had their deadline in 2022–2024, at least 60 days ago. Each
    tender was created (written) three days before it was published. `closed_at` is when a past tender left the
    "published" state (its deadline); the award date and the status change of awarded ones come from `_awards`.
    """
    hour = datetime.time(12, 0)
    today = timezone.localtime(now).date()
    if status in (TenderStatus.PUBLISHED, TenderStatus.DRAFT):
        bid = today + datetime.timedelta(days=rng.randint(11, 75))
        published = now - datetime.timedelta(days=rng.randint(2, 25)) if status == TenderStatus.PUBLISHED else None
    elif status == TenderStatus.CLOSED:
        bid = today - datetime.timedelta(days=rng.randint(1, 20))
        published = None
    else:
        bid = datetime.date(2022, 9, 1) + datetime.timedelta(days=rng.randint(0, 600))
        bid = min(bid, today - datetime.timedelta(days=60))  # awarded 15 to 45 days after: still in the past
        published = None
    bid_deadline = timezone.make_aware(datetime.datetime.combine(bid, hour))
    if published is None and status != TenderStatus.DRAFT:
        published = bid_deadline - datetime.timedelta(days=rng.randint(25, 45))
    created = (published or now) - datetime.timedelta(days=3 if published else 2)
    return {
        "bid_deadline": bid_deadline,
        "questions_deadline": bid_deadline - datetime.timedelta(days=rng.choice([5, 7, 10])),
        "published_at": published,
        "created_at": created,
        "closed_at": bid_deadline if bid_deadline < now else None,
    }


def _buyer_sites(places: list[str]) -> list[tuple[str, str]]:
    """The sites within a buyer's places (a site's area is one of them, or in one of their departments)."""
    return [(name, code) for name, code in SITES if any(code.startswith(place) for place in places)]


def _description(
    rng: random.Random, title: str, subject: str, buyer: str, site: str, hours: int, before_games: bool
) -> str:
    first = f"Cette consultation porte sur « {title.lower()} », sur le site « {site} ». Le marché couvre {subject}."
    # Dates read true: only work due before the Games speaks of the events to come.
    timing = (
        "Les prestations commencent trois mois avant les épreuves et se poursuivent pendant la phase héritage, "
        "quand les équipements sont rendus aux habitants."
        if before_games
        else "Les prestations s'inscrivent dans la phase héritage des Jeux : les équipements sont rendus aux "
        "habitants et aux clubs du territoire."
    )
    second = rng.choice(
        [
            timing,
            "Le titulaire travaille en lien avec les équipes du site et les associations du quartier ; une réunion de "
            "lancement réunit tous les intervenants.",
            "L'offre précise les moyens humains et matériels, le planning et la manière dont le titulaire réduit "
            "l'impact environnemental de ses prestations.",
        ]
    )
    third = (
        f"Une clause sociale d'insertion s'applique : {hours} heures de travail sont réservées à des personnes "
        "éloignées de l'emploi (demandeurs d'emploi de longue durée, jeunes sans qualification, habitants des "
        "quartiers prioritaires)."
        if hours
        else "Les structures de l'économie sociale et solidaire et les petites entreprises sont encouragées à "
        "répondre, seules ou en groupement."
    )
    return f"{first}\n\n{second}\n\n{third}"


def _plan_tender(organisation_index: int, position: int, now: datetime.datetime) -> dict:
    """Everything about one tender, drawn from its own generator: the same plan on every run."""
    slug, name, _kind, prefix, buyer_places, _signed, _user = BUYERS[organisation_index]
    reference = f"{prefix}-2024-{position + 1:03d}"
    rng = random.Random(f"ess2024-tender-{reference}")
    index = organisation_index * PER_BUYER + position
    topic_index = index % len(TOPIC_TENDERS)
    titles, subject, cpv = TOPIC_TENDERS[topic_index]
    base_title = titles[(index // len(TOPIC_TENDERS)) % len(titles)]
    sites = _buyer_sites(buyer_places)
    site, site_area = sites[(organisation_index + position * 3) % len(sites)]
    title = f"{base_title} — {site}"
    status = STATUS_PLAN[position] or (TenderStatus.CANCELLED if organisation_index % 2 else TenderStatus.UNSUCCESSFUL)
    lot_count = rng.choice([0, 0, 1, 2, 2, 3])
    value = Decimal(rng.choice([45, 80, 120, 180, 250, 400, 650, 900, 1500, 2400]) * 1000)
    lots = []
    for number in range(1, lot_count + 1):
        reserved = ReservedMarket.NONE
        if (index + number) % 5 == 0:
            reserved = RESERVED_KINDS[(index + number) % 3]
        # A lot is a part of its tender, split by area as buyers do: its title and topic are the tender's own
        # ("Hébergement des équipes techniques — secteur nord" holds no fan zone).
        lot_title = f"{base_title} — {LOT_PARTS[number - 1]}" if lot_count > 1 else base_title
        lots.append(
            {
                "number": number,
                "title": lot_title,
                "topic_index": topic_index,
                "estimated_value": (value / lot_count).quantize(Decimal("1")),
                "reserved": reserved,
                "insertion_hours": rng.choice([None, None, 400, 800, 1500, 3000]),
            }
        )
    hours = sum(lot["insertion_hours"] or 0 for lot in lots) or rng.choice([0, 0, 600, 1200])
    dates = _dates(rng, status, now)
    before_games = timezone.localtime(dates["bid_deadline"]).date() < GAMES_OPEN - datetime.timedelta(days=90)
    extra_topic = RELATED_TOPIC[topic_index]
    return {
        "reference": reference,
        "rng": rng,
        "title": title,
        "status": status,
        "description": _description(rng, base_title, subject, name, site, hours, before_games),
        "topic_indexes": sorted({topic_index, extra_topic} if rng.random() < 0.3 else {topic_index}),
        "places": [site_area],
        "cpv": cpv,
        "value": value,
        "procedure": Procedure.ADAPTED
        if value < 215_000
        else rng.choice([Procedure.OPEN, Procedure.OPEN, Procedure.RESTRICTED]),
        "lots": lots,
        "documents": ["Règlement de la consultation", "Cahier des clauses techniques particulières"][
            : rng.randint(1, 2)
        ],
        "dates": dates,
        "contact": (f"Service des achats — {name}", f"achats@{slug}.demo.ess2024.fr"),
        "official_url": "https://www.marches-publics.gouv.fr/" if rng.random() < 0.4 else "",
        "interest_count": rng.randint(2, 12) if status != TenderStatus.DRAFT else 0,
        "question_count": rng.randint(0, 3) if status != TenderStatus.DRAFT else 0,
    }
