"""Demo buyers and tenders for `manage.py seed_demo` (runs after accounts.demo and structures.demo).

Eight buyer organisations named after the real kinds of buyers of the Games (no logo, no brand), each with a buyer
user (password: accounts.demo.DEMO_PASSWORD); the demo login acheteur@demo.ess2024.fr buys for SOLIDEO. Ten tenders
each (80 in all) spread over the 18 topics and every status: open ones with deadlines ahead, drafts, closed ones,
and past ones (2022–2024) that were awarded, cancelled or declared unsuccessful. Some lots are reserved (each kind),
some carry social-clause hours; every tender has one or two small PDF documents; structures of the directory have
said whether they are interested, asked questions (some answered); awarded tenders have awards for the charter.

Dates read true (issue 12, item 6; tests/tenders/test_demo.py checks them): each tender was written before it was
published, answers and questions come between its publication and its deadlines and never after "now", awards are
dated 15 to 45 days after the bid deadline and never after today, and the status changed on the award date.

Deterministic (each tender draws from its own `random.Random` seeded by its reference) and idempotent: natural keys
are the buyer slug and (buyer, reference); a tender that exists already is left as it is (the auto-close task may
have closed it since), so a second run creates nothing.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_PASSWORD
from accounts.models import User
from structures.models import Area, Membership, ReservedMarket, Structure, Topic
from tenders.models import (
    Award,
    BuyerOrganisation,
    Interest,
    Lot,
    Procedure,
    Question,
    Tender,
    TenderDocument,
    TenderStatus,
)
from tenders.services.buyers import buyer_attach
from tenders.services.documents import document_add
from tenders.services.lifecycle import new_tender_slug, tender_award, tender_cancel, tender_mark_unsuccessful
from tenders.validators import validate_cpv

DEMO_BUYER = "acheteur@demo.ess2024.fr"
PER_BUYER = 10

# slug, name, kind, reference prefix, places (area codes), charter signed on, buyer user (email, first, last)
BUYERS = [
    (
        "cojo-paris-2024",
        "Comité d'organisation des Jeux Olympiques et Paralympiques de Paris 2024",
        BuyerOrganisation.Kind.ORGANISING_COMMITTEE,
        "COJO",
        ["93", "75"],
        datetime.date(2018, 6, 19),
        ("achats.cojo@demo.ess2024.fr", "Claire", "Morel"),
    ),
    (
        "solideo",
        "Société de livraison des ouvrages olympiques (SOLIDEO)",
        BuyerOrganisation.Kind.DELIVERY_AUTHORITY,
        "SOLIDEO",
        ["93"],
        datetime.date(2018, 6, 19),
        (DEMO_BUYER, "Bérénice", "Acheteuse"),
    ),
    (
        "ville-de-paris",
        "Ville de Paris",
        BuyerOrganisation.Kind.CITY,
        "VDP",
        ["75118", "75119", "75120", "75113"],
        datetime.date(2019, 3, 12),
        ("achats.paris@demo.ess2024.fr", "Karim", "Benali"),
    ),
    (
        "departement-seine-saint-denis",
        "Département de la Seine-Saint-Denis",
        BuyerOrganisation.Kind.DEPARTMENT,
        "CD93",
        ["93"],
        datetime.date(2019, 3, 12),
        ("achats.cd93@demo.ess2024.fr", "Aminata", "Diallo"),
    ),
    (
        "metropole-du-grand-paris",
        "Métropole du Grand Paris",
        BuyerOrganisation.Kind.PUBLIC_BODY,
        "MGP",
        ["92", "93", "94"],
        datetime.date(2019, 9, 30),
        ("achats.metropole@demo.ess2024.fr", "Julien", "Marchand"),
    ),
    (
        "ile-de-france-mobilites",
        "Île-de-France Mobilités",
        BuyerOrganisation.Kind.PUBLIC_BODY,
        "IDFM",
        ["75", "92", "93", "94"],
        None,
        ("achats.idfm@demo.ess2024.fr", "Sophie", "Lambert"),
    ),
    (
        "paris-habitat",
        "Paris Habitat",
        BuyerOrganisation.Kind.PUBLIC_BODY,
        "PH",
        ["75"],
        datetime.date(2020, 1, 15),
        ("achats.parishabitat@demo.ess2024.fr", "Nadia", "Haddad"),
    ),
    (
        "batisseurs-du-village",
        "Les Bâtisseurs du Village (groupement titulaire du village des athlètes)",
        BuyerOrganisation.Kind.PRIME_CONTRACTOR,
        "BDV",
        ["93"],
        datetime.date(2020, 5, 4),
        ("achats.batisseurs@demo.ess2024.fr", "Thomas", "Girard"),
    ),
]

SITES = [
    "village des athlètes (Saint-Denis)",
    "centre aquatique olympique (Saint-Denis)",
    "village des médias (Dugny)",
    "Arena Porte de la Chapelle (Paris 18e)",
    "parc départemental Georges-Valbon (La Courneuve)",
    "site du Bourget",
    "Grand Palais éphémère (Paris 7e)",
    "berges de Seine",
    "stade Pierre-de-Coubertin (Paris 16e)",
    "gymnase des Poissonniers (Paris 18e)",
]

# For each of the 18 topics, in their order: tender titles, what the work is about, CPV codes.
TOPIC_TENDERS = [
    (
        [
            "Collecte et valorisation des biodéchets des restaurants",
            "Tri et recyclage des déchets de chantier",
            "Gestion des déchets des zones spectateurs",
            "Collecte des cartons et plastiques des espaces logistiques",
            "Tri à la source et sensibilisation des visiteurs",
        ],
        "la collecte séparée, le tri et la valorisation des déchets, avec une traçabilité des tonnages jusqu'à "
        "l'exutoire final",
        ["90500000-2"],
    ),
    (
        [
            "Installation de panneaux photovoltaïques en toiture",
            "Fourniture d'électricité renouvelable pour les installations temporaires",
            "Groupes électrogènes au biocarburant pour les événements",
            "Étude de raccordement au réseau de chaleur",
        ],
        "la production et la fourniture d'énergie renouvelable, le suivi des consommations et la maintenance des "
        "installations",
        ["09300000-2"],
    ),
    (
        [
            "Végétalisation des abords et plantation d'arbres",
            "Entretien des espaces verts et des noues paysagères",
            "Création de jardins partagés au pied des logements",
            "Ferme urbaine éphémère et ateliers de jardinage",
        ],
        "l'aménagement et l'entretien d'espaces végétalisés, en gestion différenciée et sans produit phytosanitaire",
        ["77300000-3"],
    ),
    (
        [
            "Restauration des équipes de bénévoles",
            "Repas biologiques et locaux pour les personnels",
            "Buvettes et points de restauration éco-responsables",
            "Distribution d'eau potable et de gourdes réutilisables",
        ],
        "la préparation et le service de repas issus de circuits courts, avec au moins 50 % de produits durables "
        "dont 20 % biologiques, sans plastique à usage unique",
        ["55300000-3"],
    ),
    (
        [
            "Audit d'accessibilité des cheminements piétons",
            "Signalétique adaptée et bandes podotactiles",
            "Transport à la demande des personnes à mobilité réduite",
            "Accueil du public en langue des signes française",
        ],
        "l'accessibilité des lieux et des services aux personnes en situation de handicap (moteur, visuel, auditif, "
        "cognitif), en lien avec les associations concernées",
        ["71000000-8"],
    ),
    (
        [
            "Reprise et réemploi des structures temporaires",
            "Location de mobilier de seconde main",
            "Recyclerie éphémère des équipements sportifs",
        ],
        "le réemploi des matériaux, mobiliers et équipements, leur reconditionnement et leur seconde vie auprès "
        "d'associations du territoire",
        ["39100000-3"],
    ),
    (
        [
            "Confection des tenues des bénévoles en textile recyclé",
            "Fabrication de sacs et objets promotionnels en matériaux de récupération",
            "Retouche et personnalisation des uniformes",
        ],
        "la confection textile en France, à partir de matières recyclées ou biologiques, avec des ateliers "
        "d'insertion ou des entreprises adaptées",
        ["18100000-0"],
    ),
    (
        [
            "Livraisons du dernier kilomètre en vélo-cargo",
            "Transport de matériel entre les sites",
            "Gestion d'un entrepôt de stockage temporaire",
        ],
        "la logistique et le transport de marchandises à faibles émissions, avec une planification des tournées",
        ["60100000-9"],
    ),
    (
        [
            "Nettoyage des tribunes et des espaces publics",
            "Propreté des abords du site pendant les épreuves",
            "Nettoyage des bureaux et vestiaires",
        ],
        "le nettoyage et la propreté avec des produits écolabellisés, en horaires de journée autant que possible",
        ["90900000-6"],
    ),
    (
        [
            "Accueil et orientation du public",
            "Gardiennage des sites en phase chantier",
            "Formation des agents d'accueil à l'accueil des publics handicapés",
        ],
        "l'accueil, l'orientation et la sécurité des publics et des personnels, par des agents formés et "
        "identifiables",
        ["79700000-1"],
    ),
    (
        [
            "Hébergement des équipes techniques",
            "Conciergerie des logements du village",
            "Aménagement de logements temporaires",
        ],
        "l'hébergement et les services aux occupants, dans des conditions dignes et accessibles",
        ["55100000-1"],
    ),
    (
        [
            "Animation des fan zones de quartier",
            "Organisation de fêtes populaires autour des épreuves",
            "Ateliers sportifs dans les écoles et les centres sociaux",
        ],
        "l'animation et l'organisation d'événements ouverts à tous les habitants, en lien avec les associations "
        "locales",
        ["92000000-1"],
    ),
    (
        [
            "Réalisation de vidéos sur la transformation du territoire",
            "Impression de supports de communication sur papier recyclé",
            "Traduction et sous-titrage des contenus",
        ],
        "la conception, la réalisation et la diffusion de contenus accessibles (sous-titrage, audiodescription, "
        "facile à lire et à comprendre)",
        ["22000000-0"],
    ),
    (
        [
            "Menuiseries bois des logements",
            "Second œuvre : peinture et revêtements de sols",
            "Déconstruction sélective d'un bâtiment existant",
            "Réhabilitation thermique d'un gymnase",
        ],
        "des travaux de bâtiment bas carbone, avec des matériaux biosourcés ou de réemploi",
        ["45000000-7"],
    ),
    (
        [
            "Occupation temporaire d'une friche",
            "Aménagement d'une place piétonne provisoire",
            "Mobilier urbain éphémère",
        ],
        "l'urbanisme transitoire : faire vivre un lieu en attente de son aménagement définitif, avec ses habitants",
        ["71200000-0"],
    ),
    (
        [
            "Formation aux métiers du bâtiment pour des demandeurs d'emploi",
            "Accompagnement des petites entreprises à la réponse aux marchés publics",
            "Assistance à maîtrise d'ouvrage pour la clause sociale",
        ],
        "le conseil et la formation, avec un accompagnement individuel et des sessions en petits groupes",
        ["80500000-9"],
    ),
    (
        [
            "Mise à disposition de personnel en insertion pour la manutention",
            "Renfort des équipes d'entretien par une structure d'insertion",
            "Parcours d'insertion sur les chantiers",
        ],
        "la mise à disposition de salariés en parcours d'insertion, avec un encadrement technique et un "
        "accompagnement socioprofessionnel",
        ["85300000-2"],
    ),
    (
        [
            "Maintenance des équipements sportifs",
            "Blanchisserie des serviettes et textiles",
            "Conciergerie pour les personnels des sites",
        ],
        "des services aux sites (maintenance, blanchisserie, conciergerie), avec des délais d'intervention garantis",
        ["50000000-5"],
    ),
]

QUESTIONS = [
    (
        "Une visite du site est-elle obligatoire avant de remettre une offre ?",
        "Non, elle est conseillée. Deux créneaux sont proposés : inscrivez-vous auprès du contact indiqué.",
    ),
    (
        "Peut-on répondre en groupement avec d'autres structures ?",
        "Oui, les groupements conjoints ou solidaires sont acceptés ; le mandataire doit être désigné dans l'offre.",
    ),
    (
        "Est-il possible de répondre à un seul lot ?",
        "Oui, chaque lot est attribué séparément. Vous pouvez répondre à un ou plusieurs lots.",
    ),
    ("Les variantes sont-elles autorisées ?", "Non, seules les offres conformes au cahier des charges sont admises."),
    (
        "Quel est le volume horaire estimé par semaine ?",
        "Environ 35 heures par semaine en période normale, et jusqu'à 70 heures pendant les épreuves.",
    ),
    ("Quels sont les délais de paiement ?", "Le délai global de paiement est de 30 jours à réception de la facture."),
    (
        "Une avance est-elle prévue pour les petites structures ?",
        "Oui, une avance de 30 % est versée aux PME et aux structures de l'ESS qui en font la demande.",
    ),
    (
        "Comment seront comptées les heures d'insertion ?",
        "Par les relevés mensuels transmis au facilitateur de la clause sociale, qui les vérifie.",
    ),
]

REASON_DETAILS = {
    Interest.Reason.TOO_BIG: "Le volume dépasse nos capacités actuelles.",
    Interest.Reason.OUT_OF_SCOPE: "Ce n'est pas notre métier.",
    Interest.Reason.TOO_FAR: "Nos équipes interviennent surtout à Paris.",
    Interest.Reason.TOO_SHORT: "Le délai de réponse est trop court pour monter un groupement.",
    Interest.Reason.NO_CAPACITY: "Nos équipes sont mobilisées sur un autre chantier cet été.",
    Interest.Reason.OTHER: "",
}

RESERVED_KINDS = [ReservedMarket.L2113_12, ReservedMarket.L2113_13, ReservedMarket.L2113_15]

# Status by position of the tender within its buyer's ten (the last slot alternates cancelled / unsuccessful).
STATUS_PLAN = [
    TenderStatus.PUBLISHED,
    TenderStatus.PUBLISHED,
    TenderStatus.PUBLISHED,
    TenderStatus.PUBLISHED,
    TenderStatus.DRAFT,
    TenderStatus.CLOSED,
    TenderStatus.AWARDED,
    TenderStatus.AWARDED,
    None,  # cancelled or unsuccessful
    TenderStatus.PUBLISHED,
]


def demo_pdf(title: str, reference: str) -> bytes:
    """A tiny valid one-page PDF showing the document's title (Helvetica, WinAnsi text)."""

    def text(value: str) -> str:
        raw = value.encode("cp1252", "replace").decode("latin-1")
        return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = (
        f"BT /F1 16 Tf 56 780 Td ({text(title[:80])}) Tj ET\n"
        f"BT /F1 11 Tf 56 756 Td ({text('Référence ' + reference + ' - document de démonstration ESS 2024')}) Tj ET\n"
    )
    stream_bytes = stream.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream_bytes) + stream_bytes + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _buyer_user(email: str, first_name: str, last_name: str) -> User:
    user, created = User.objects.get_or_create(
        email=email, defaults={"first_name": first_name, "last_name": last_name, "is_staff": True}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _organisations() -> list[tuple[BuyerOrganisation, User, tuple]]:
    result = []
    for index, spec in enumerate(BUYERS):
        slug, name, kind, _prefix, _places, signed_on, (email, first, last) = spec
        organisation, _ = BuyerOrganisation.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "kind": kind,
                "siret": _siret(index),
                "charter_signatory": signed_on is not None,
                "charter_signed_on": signed_on,
            },
        )
        user = _buyer_user(email, first, last)
        buyer_attach(organisation=organisation, user=user)
        result.append((organisation, user, spec))
    return result


def _siret(index: int) -> str:
    from structures.validators import make_siret

    return make_siret(900_000 + index)


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


def _spread(start: datetime.datetime, end: datetime.datetime, number: int, count: int) -> datetime.datetime:
    """The `number`-th (from 0) of `count` moments between `start` and `end`: one day apart after `start` when they
    fit, evenly spread otherwise."""
    return min(start + datetime.timedelta(days=number + 1), start + (end - start) * (number + 1) / (count + 1))


def _description(rng: random.Random, title: str, subject: str, buyer: str, site: str, hours: int) -> str:
    first = f"Cette consultation porte sur « {title.lower()} », sur le site « {site} ». Le marché couvre {subject}."
    second = rng.choice(
        [
            "Les prestations commencent trois mois avant les épreuves et se poursuivent pendant la phase héritage, "
            "quand les équipements sont rendus aux habitants.",
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
    slug, name, _kind, prefix, places, _signed, _user = BUYERS[organisation_index]
    reference = f"{prefix}-2024-{position + 1:03d}"
    rng = random.Random(f"ess2024-tender-{reference}")
    index = organisation_index * PER_BUYER + position
    topic_index = index % len(TOPIC_TENDERS)
    titles, subject, cpv = TOPIC_TENDERS[topic_index]
    base_title = titles[(index // len(TOPIC_TENDERS)) % len(titles)]
    site = SITES[(organisation_index + position * 3) % len(SITES)]
    title = f"{base_title} — {site}"
    status = STATUS_PLAN[position] or (TenderStatus.CANCELLED if organisation_index % 2 else TenderStatus.UNSUCCESSFUL)
    lot_count = rng.choice([0, 0, 1, 2, 2, 3])
    value = Decimal(rng.choice([45, 80, 120, 180, 250, 400, 650, 900, 1500, 2400]) * 1000)
    lots = []
    for number in range(1, lot_count + 1):
        reserved = ReservedMarket.NONE
        if (index + number) % 5 == 0:
            reserved = RESERVED_KINDS[(index + number) % 3]
        lot_topic = topic_index if number == 1 else rng.randrange(len(TOPIC_TENDERS))
        lots.append(
            {
                "number": number,
                "title": base_title if number == 1 else TOPIC_TENDERS[lot_topic][0][0],
                "topic_index": lot_topic,
                "estimated_value": (value / lot_count).quantize(Decimal("1")),
                "reserved": reserved,
                "insertion_hours": rng.choice([None, None, 400, 800, 1500, 3000]),
            }
        )
    hours = sum(lot["insertion_hours"] or 0 for lot in lots) or rng.choice([0, 0, 600, 1200])
    extra_topic = rng.randrange(len(TOPIC_TENDERS))
    return {
        "reference": reference,
        "rng": rng,
        "title": title,
        "status": status,
        "description": _description(rng, base_title, subject, name, site, hours),
        "topic_indexes": sorted({topic_index, extra_topic} if rng.random() < 0.3 else {topic_index}),
        "places": places[: rng.randint(1, len(places))],
        "cpv": cpv,
        "value": value,
        "procedure": Procedure.ADAPTED
        if value < 215_000
        else rng.choice([Procedure.OPEN, Procedure.OPEN, Procedure.RESTRICTED]),
        "lots": lots,
        "documents": ["Règlement de la consultation", "Cahier des clauses techniques particulières"][
            : rng.randint(1, 2)
        ],
        "dates": _dates(rng, status, now),
        "contact": (f"Service des achats — {name}", f"achats@{slug}.demo.ess2024.fr"),
        "official_url": "https://www.marches-publics.gouv.fr/" if rng.random() < 0.4 else "",
        "interest_count": rng.randint(2, 12) if status != TenderStatus.DRAFT else 0,
        "question_count": rng.randint(0, 3) if status != TenderStatus.DRAFT else 0,
    }


def _structures_sample(rng: random.Random, structure_ids: list[int], count: int) -> list[int]:
    return rng.sample(structure_ids, min(count, len(structure_ids)))


def _create_tender(plan: dict, organisation, buyer_user, topics, areas, structure_ids, now) -> Tender:
    rng: random.Random = plan["rng"]
    dates = plan["dates"]
    status = plan["status"]
    # Past tenders are created closed (they were published then), then moved on through the services.
    initial_status = {
        TenderStatus.AWARDED: TenderStatus.CLOSED,
        TenderStatus.UNSUCCESSFUL: TenderStatus.CLOSED,
        TenderStatus.CANCELLED: TenderStatus.PUBLISHED,
    }.get(status, status)
    for code in plan["cpv"]:
        validate_cpv(code)
    tender = Tender.objects.create(
        buyer=organisation,
        reference=plan["reference"],
        title=plan["title"],
        slug=new_tender_slug(plan["title"], plan["reference"]),
        description=plan["description"],
        cpv_codes=plan["cpv"],
        estimated_value=plan["value"],
        procedure=plan["procedure"],
        published_at=dates["published_at"],
        questions_deadline=dates["questions_deadline"],
        bid_deadline=dates["bid_deadline"],
        official_url=plan["official_url"],
        contact_name=plan["contact"][0],
        contact_email=plan["contact"][1],
        status=initial_status,
        status_changed_at=dates["published_at"] or dates["created_at"],
        created_by=buyer_user,
    )
    tender.topics.set([topics[i] for i in plan["topic_indexes"]])
    tender.places.set([areas[code] for code in plan["places"] if code in areas])
    lots = [
        Lot.objects.create(
            tender=tender,
            number=lot["number"],
            title=lot["title"][:250],
            topic=topics[lot["topic_index"]],
            estimated_value=lot["estimated_value"],
            reserved=lot["reserved"],
            insertion_hours=lot["insertion_hours"],
        )
        for lot in plan["lots"]
    ]
    for title in plan["documents"]:
        document_add(
            tender=tender,
            file=ContentFile(demo_pdf(title, plan["reference"]), name=f"{title} - {plan['reference']}.pdf"),
            title=title,
            by=buyer_user,
        )

    # What structures did with it.
    # Answers and questions come between the publication and the deadlines, never after "now".
    published = dates["published_at"] or now
    picked = _structures_sample(rng, structure_ids, plan["interest_count"] + plan["question_count"])
    interested: list[int] = []
    interests = []
    for structure_id in picked[: plan["interest_count"]]:
        if rng.random() < 0.65:
            interest = Interest(tender=tender, structure_id=structure_id, answer=Interest.Answer.INTERESTED)
            interested.append(structure_id)
        else:
            reason = rng.choice(list(REASON_DETAILS))
            interest = Interest(
                tender=tender,
                structure_id=structure_id,
                answer=Interest.Answer.NOT_INTERESTED,
                reason=reason,
                reason_detail=REASON_DETAILS[reason] or "Nous répondrons à la prochaine consultation.",
            )
        interests.append(interest)
    if interests:
        Interest.objects.bulk_create(interests)
        answers_until = min(now, dates["bid_deadline"])
        for number, interest in enumerate(interests):
            interest.created_at = interest.updated_at = _spread(published, answers_until, number, len(interests))
        Interest.objects.bulk_update(interests, ["created_at", "updated_at"])
    askers = picked[plan["interest_count"] :] or interested[:1]
    askers = askers[: plan["question_count"]]
    for number, (structure_id, (text, answer)) in enumerate(
        zip(askers, rng.sample(QUESTIONS, len(askers)), strict=True)
    ):
        asker = Membership.objects.filter(structure_id=structure_id).order_by("pk").values_list("user_id", flat=True)
        answered = status != TenderStatus.PUBLISHED or rng.random() < 0.6
        asked_at = _spread(published, min(now, dates["questions_deadline"]), number, len(askers))
        question = Question.objects.create(
            tender=tender,
            structure_id=structure_id,
            asked_by_id=asker.first(),
            text=text,
            answer=answer if answered else "",
            answered_by=buyer_user if answered else None,
            answered_at=asked_at + min(datetime.timedelta(days=2), (now - asked_at) / 2) if answered else None,
        )
        Question.objects.filter(pk=question.pk).update(created_at=asked_at)

    # How it ended. The services stamp "now"; the dates are put back in the tender's own past just after.
    ended_at = dates["closed_at"]
    if status == TenderStatus.AWARDED:
        awards = tender_award(tender=tender, by=buyer_user, awards=_awards(rng, tender, lots, interested, dates, now))
        # Awarded (the status change) on the award date, which is when the award was recorded too.
        awarded_on = max(award.awarded_on for award in awards)
        ended_at = min(now, timezone.make_aware(datetime.datetime.combine(awarded_on, datetime.time(17, 0))))
        Award.objects.filter(tender=tender).update(created_at=ended_at)
    elif status == TenderStatus.CANCELLED:
        tender_cancel(
            tender=tender,
            by=buyer_user,
            reason="Le besoin a été regroupé avec une autre consultation ; un nouvel avis sera publié.",
        )
    elif status == TenderStatus.UNSUCCESSFUL:
        tender_mark_unsuccessful(tender=tender, by=buyer_user)
    if status in (TenderStatus.CANCELLED, TenderStatus.UNSUCCESSFUL):
        ended_at = dates["bid_deadline"] + datetime.timedelta(days=rng.randint(10, 40))
    last_change = ended_at or dates["published_at"] or dates["created_at"]
    Tender.objects.filter(pk=tender.pk).update(
        created_at=dates["created_at"], updated_at=last_change, status_changed_at=last_change
    )
    TenderDocument.objects.filter(tender=tender).update(uploaded_at=dates["created_at"])
    return tender


def _awards(rng, tender, lots, interested, dates, now) -> list[dict]:
    """Awarded 15 to 45 days after the bid deadline (Europe/Paris dates), and never after today."""
    deadline = timezone.localdate(dates["bid_deadline"])
    awarded_on = min(deadline + datetime.timedelta(days=rng.randint(15, 45)), timezone.localdate(now))
    winners = list(Structure.objects.filter(pk__in=interested).order_by("pk"))
    targets = lots or [None]
    awards = []
    for number, lot in enumerate(targets):
        amount = (
            (lot.estimated_value if lot else tender.estimated_value) * Decimal(rng.choice([85, 92, 97, 100])) / 100
        )
        amount = amount.quantize(Decimal("1"))
        total_hours = int(amount / 45)
        insertion = min(total_hours, (lot.insertion_hours if lot and lot.insertion_hours else 0) or total_hours // 10)
        award = {
            "lot": lot,
            "amount": amount,
            "total_hours_planned": total_hours,
            "insertion_hours_planned": insertion,
            "awarded_on": awarded_on,
        }
        # Small lots mostly go to the structures that showed interest, large ones mostly to big companies: the
        # ESS/TPE/PME share of the amounts lands near SOLIDEO's reported 36 %, not an implausible 90 %.
        if winners and rng.random() < (0.75 if amount < 400_000 else 0.1):
            winner = winners[number % len(winners)]
            award.update(winner=winner, ess_share_amount=amount)
            others = [w for w in winners if w != winner]
            if others and rng.random() < 0.3:
                award["co_contractors"] = others[:1]
        else:
            award.update(
                winner_name=rng.choice(
                    ["Constructions Générales SA", "Services Urbains Réunis", "Logistique Francilienne"]
                ),
                winner_category="large",
                ess_share_amount=(amount * Decimal(rng.choice([0, 10, 25, 40])) / 100).quantize(Decimal("1")),
            )
        if rng.random() < 0.6:  # some buyers already reported what was done
            award["total_hours_achieved"] = int(total_hours * rng.choice([0.9, 1.0, 1.1]))
            # Never more insertion hours than hours worked (a database constraint since issue 12).
            award["insertion_hours_achieved"] = min(
                award["total_hours_achieved"], int(insertion * rng.choice([0.9, 1.05, 1.2]))
            )
        awards.append(award)
    return awards


@transaction.atomic
def seed(*, stdout=None) -> str:
    """Demo data for this app (`manage.py seed_demo`). Idempotent."""
    now = timezone.now()
    topics = list(Topic.objects.order_by("position", "pk"))
    if len(topics) < len(TOPIC_TENDERS):
        return "thématiques absentes : rien à faire"
    areas = {area.code: area for area in Area.objects.all()}
    structure_ids = list(Structure.objects.listed().order_by("pk").values_list("pk", flat=True))
    created = 0
    for organisation_index, (organisation, buyer_user, _spec) in enumerate(_organisations()):
        existing = set(Tender.objects.filter(buyer=organisation).values_list("reference", flat=True))
        for position in range(PER_BUYER):
            plan = _plan_tender(organisation_index, position, now)
            if plan["reference"] in existing:
                continue
            _create_tender(plan, organisation, buyer_user, topics, areas, structure_ids, now)
            created += 1
    _demo_amendment(now)
    _demo_buyer_side(now, structure_ids)
    return f"{len(BUYERS)} acheteurs, {created} appels d'offres créés"


def _demo_amendment(now: datetime.datetime) -> None:
    """One "rectificatif" on an open tender of the demo buyer that structures said they are interested in: its bid
    deadline pushed back a week, with the buyer's note (no email: demo data, not a buyer's action). Idempotent."""
    from tenders.models import TenderAmendment
    from tenders.services.amendments import amendable_state, diff_states

    buyer = User.objects.filter(email=DEMO_BUYER).first()
    if buyer is None or TenderAmendment.objects.filter(tender__buyer__memberships__user=buyer).exists():
        return
    tender = (
        Tender.objects.open()
        .filter(buyer__memberships__user=buyer, interests__answer=Interest.Answer.INTERESTED)
        .order_by("bid_deadline", "pk")
        .first()
    )
    if tender is None:
        return
    before = amendable_state(tender)
    Tender.objects.filter(pk=tender.pk).update(
        bid_deadline=tender.bid_deadline + datetime.timedelta(days=7), updated_at=now
    )
    TenderAmendment.objects.create(
        tender=tender,
        by=buyer,
        created_at=now - datetime.timedelta(days=1),
        note="La date limite est repoussée d'une semaine pour laisser le temps de constituer des groupements.",
        changes=diff_states(before, amendable_state(tender)),
    )


DEMO_ACCESS_REQUEST_EMAIL = "achats@ville-saint-ouen.demo.ess2024.fr"


def _demo_buyer_side(now: datetime.datetime, structure_ids: list[int]) -> None:
    """The buyer's home has something to show (issue 9): a pending "Demander un accès acheteur" request for staff,
    and on the demo buyer's first open tender an unanswered question asked yesterday. Idempotent."""
    from tenders.models import BuyerAccessRequest

    if not BuyerAccessRequest.objects.filter(email=DEMO_ACCESS_REQUEST_EMAIL).exists():
        request = BuyerAccessRequest.objects.create(
            organisation_name="Ville de Saint-Ouen-sur-Seine",
            siret=_siret(9001),
            full_name="Claire Martin",
            role="Responsable de la commande publique",
            email=DEMO_ACCESS_REQUEST_EMAIL,
            charter_signatory=True,
            message="Nous préparons trois marchés de restauration et d'entretien pour les sites des Jeux.",
        )
        BuyerAccessRequest.objects.filter(pk=request.pk).update(created_at=now - datetime.timedelta(days=2))
    tender = Tender.objects.open().filter(buyer__memberships__user__email=DEMO_BUYER).order_by("bid_deadline").first()
    if tender is None or not structure_ids:
        return
    text = "Les repas des équipes de nuit sont-ils compris dans le volume annoncé ?"
    if not Question.objects.filter(tender=tender, text=text).exists():
        question = Question.objects.create(tender=tender, structure_id=structure_ids[0], text=text)
        Question.objects.filter(pk=question.pk).update(created_at=now - datetime.timedelta(days=1))
