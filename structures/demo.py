"""Demo structures for `manage.py seed_demo`: ~300 ESS structures of Paris and Île-de-France, with their teams.

Deterministic (random.Random(2024)) and idempotent: the natural key is the SIRET (`make_siret(i)`); a second run
creates nothing. Most are verified, some pending, a few refused (with a reason) or archived. The demo login
structure@demo.ess2024.fr administers "Les Jardins de Belleville" (verified, complete profile).
"""

import random
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify

from accounts.models import User
from ess2024.templatetags.french import a, de
from structures.models import (
    Area,
    Headcount,
    Invitation,
    JoinRequest,
    LegalForm,
    Membership,
    Sector,
    Structure,
    Topic,
    Turnover,
    VerificationStatus,
)
from structures.services import INVITATION_VALIDITY, RESERVED_SLUGS
from structures.validators import make_siret

COUNT = 300
DEMO_ADMIN = "structure@demo.ess2024.fr"
DEMO_STAFF = "equipe@demo.ess2024.fr"
MEMBER_DOMAIN = "structures.demo.ess2024.fr"

# (place used in names, city, postcode, department code, Paris arrondissement code or None)
PLACES = [
    ("Belleville", "Paris", "75020", "75", "75120"),
    ("Ménilmontant", "Paris", "75020", "75", "75120"),
    ("la Goutte d'Or", "Paris", "75018", "75", "75118"),
    ("la Villette", "Paris", "75019", "75", "75119"),
    ("l'Ourcq", "Paris", "75019", "75", "75119"),
    ("Bastille", "Paris", "75011", "75", "75111"),
    ("la Butte-aux-Cailles", "Paris", "75013", "75", "75113"),
    ("Plaisance", "Paris", "75014", "75", "75114"),
    ("Batignolles", "Paris", "75017", "75", "75117"),
    ("Canal Saint-Martin", "Paris", "75010", "75", "75110"),
    ("la Chapelle", "Paris", "75018", "75", "75118"),
    ("Charonne", "Paris", "75020", "75", "75120"),
    ("Grenelle", "Paris", "75015", "75", "75115"),
    ("Bercy", "Paris", "75012", "75", "75112"),
    ("Montreuil", "Montreuil", "93100", "93", None),
    ("Saint-Denis", "Saint-Denis", "93200", "93", None),
    ("Aubervilliers", "Aubervilliers", "93300", "93", None),
    ("Pantin", "Pantin", "93500", "93", None),
    ("Bobigny", "Bobigny", "93000", "93", None),
    ("Saint-Ouen", "Saint-Ouen-sur-Seine", "93400", "93", None),
    ("La Courneuve", "La Courneuve", "93120", "93", None),
    ("Bagnolet", "Bagnolet", "93170", "93", None),
    ("Clichy-sous-Bois", "Clichy-sous-Bois", "93390", "93", None),
    ("Stains", "Stains", "93240", "93", None),
    ("Ivry", "Ivry-sur-Seine", "94200", "94", None),
    ("Vitry", "Vitry-sur-Seine", "94400", "94", None),
    ("Créteil", "Créteil", "94000", "94", None),
    ("Champigny", "Champigny-sur-Marne", "94500", "94", None),
    ("Villejuif", "Villejuif", "94800", "94", None),
    ("Nanterre", "Nanterre", "92000", "92", None),
    ("Gennevilliers", "Gennevilliers", "92230", "92", None),
    ("Colombes", "Colombes", "92700", "92", None),
    ("Argenteuil", "Argenteuil", "95100", "95", None),
    ("Cergy", "Cergy", "95000", "95", None),
    ("Sarcelles", "Sarcelles", "95200", "95", None),
    ("Évry", "Évry-Courcouronnes", "91000", "91", None),
    ("Grigny", "Grigny", "91350", "91", None),
    ("Massy", "Massy", "91300", "91", None),
    ("Meaux", "Meaux", "77100", "77", None),
    ("Melun", "Melun", "77000", "77", None),
    ("Marne-la-Vallée", "Champs-sur-Marne", "77420", "77", None),
    ("Mantes", "Mantes-la-Jolie", "78200", "78", None),
    ("Trappes", "Trappes", "78190", "78", None),
    ("Les Mureaux", "Les Mureaux", "78130", "78", None),
]

STREETS = [
    "rue de la Solidarité",
    "rue des Coopératives",
    "avenue Jean-Jaurès",
    "rue Louise-Michel",
    "quai de la Seine",
    "rue du Faubourg",
    "boulevard de la République",
    "rue des Ateliers",
    "allée des Jardins",
    "rue Ambroise-Croizat",
    "rue Lucie-Aubrac",
    "impasse des Artisans",
]

# Kinds of structure: name patterns ({place} = a place above, {de_place} = "de" + it, contracted: "des Mureaux"),
# legal forms, topic and sector slugs, what they do.
ARCHETYPES = [
    {
        "names": ["La Recyclerie {de_place}", "Ressourcerie {place}", "Le Réemploi {de_place}"],
        "forms": [LegalForm.ASSOCIATION, LegalForm.ACI, LegalForm.SCIC, LegalForm.EI],
        "topics": ["gestion-et-valorisation-des-dechets", "economie-circulaire-et-reemploi"],
        "sectors": ["recyclage", "environnement", "consommation-responsable"],
        "activity": "la collecte, le tri et le réemploi des objets et des déchets encombrants : meubles, "
        "électroménager, vaisselle et jouets retrouvent une seconde vie dans notre boutique solidaire",
    },
    {
        "names": ["Les Jardins {de_place}", "La Ferme urbaine {de_place}", "Les Toits verts {de_place}"],
        "forms": [LegalForm.ASSOCIATION, LegalForm.ACI, LegalForm.SCIC],
        "topics": ["agriculture-urbaine-et-espaces-verts", "restauration-durable"],
        "sectors": ["agriculture-biologique", "environnement", "alimentation"],
        "activity": "l'agriculture urbaine, l'entretien d'espaces verts en gestion différenciée et le compostage des "
        "déchets verts ; nos légumes approvisionnent des cantines et des traiteurs du quartier",
    },
    {
        "names": ["La Cuisine solidaire {de_place}", "Traiteur {place} Solidaire", "La Table {de_place}"],
        "forms": [LegalForm.EI, LegalForm.ASSOCIATION, LegalForm.SCOP, LegalForm.ACI],
        "topics": ["restauration-durable", "evenementiel-et-animation"],
        "sectors": ["alimentation", "consommation-responsable"],
        "activity": "la restauration collective et le traiteur événementiel en circuit court, cuisine de saison, "
        "zéro plastique jetable et lutte contre le gaspillage alimentaire",
    },
    {
        "names": ["Propreté Solidaire {place}", "Les Nettoyeurs {de_place}", "Net'Insertion {place}"],
        "forms": [LegalForm.EI, LegalForm.ETTI, LegalForm.EA, LegalForm.AI],
        "topics": ["nettoyage-et-proprete", "services-aux-sites-maintenance-blanchisserie-conciergerie"],
        "sectors": ["services-aux-personnes", "environnement"],
        "activity": "le nettoyage de bureaux, de chantiers et d'équipements sportifs avec des produits écolabellisés, "
        "et la gestion du tri des déchets sur site",
    },
    {
        "names": ["Atelier Textile {de_place}", "Les Couturières {de_place}", "Fil Solidaire {place}"],
        "forms": [LegalForm.ESAT, LegalForm.EA, LegalForm.SCOP, LegalForm.ACI],
        "topics": ["textile-et-goodies", "economie-circulaire-et-reemploi"],
        "sectors": ["consommation-responsable", "recyclage"],
        "activity": "la confection textile et de goodies à partir de tissus de réemploi : tote bags, tenues, "
        "signalétique souple, avec marquage et broderie en atelier",
    },
    {
        "names": ["Coursiers à vélo {de_place}", "Logistique Solidaire {place}", "Cargo {place}"],
        "forms": [LegalForm.SCOP, LegalForm.EI, LegalForm.TPE, LegalForm.SCIC],
        "topics": ["logistique-et-transport"],
        "sectors": ["mobilite", "environnement"],
        "activity": "la logistique urbaine du dernier kilomètre en vélo-cargo électrique, le stockage et la "
        "livraison de matériel pour les événements",
    },
    {
        "names": ["Les Bâtisseurs {de_place}", "Réemploi Bâtiment {place}", "Chantier-école {de_place}"],
        "forms": [LegalForm.SCIC, LegalForm.EI, LegalForm.PME, LegalForm.ACI, LegalForm.SCOP],
        "topics": ["batiment-et-construction-durable", "gestion-et-valorisation-des-dechets"],
        "sectors": ["environnement", "recyclage"],
        "activity": "la déconstruction sélective, le réemploi des matériaux de chantier et la rénovation "
        "énergétique, avec des équipes en insertion encadrées par des compagnons",
    },
    {
        "names": ["Énergie citoyenne {place}", "Les Toits solaires {de_place}", "Coopérative Soleil {place}"],
        "forms": [LegalForm.SCIC, LegalForm.ASSOCIATION, LegalForm.SCOP],
        "topics": ["energies-renouvelables", "conseil-et-formation"],
        "sectors": ["energies-renouvelables", "finance-solidaire"],
        "activity": "l'installation et l'exploitation de centrales solaires citoyennes sur les toits publics, "
        "financées par l'épargne des habitants",
    },
    {
        "names": ["Accès Pour Tous {place}", "Conseil Accessibilité {place}", "Les Passeurs {de_place}"],
        "forms": [LegalForm.SCOP, LegalForm.CAE, LegalForm.ASSOCIATION, LegalForm.EA],
        "topics": ["accessibilite", "conseil-et-formation"],
        "sectors": ["services-aux-personnes", "numerique"],
        "activity": "le conseil en accessibilité des lieux et des services numériques, la formation des équipes "
        "d'accueil et l'audio-description d'événements",
    },
    {
        "names": ["Accueil & Sécurité {place}", "Les Médiateurs {de_place}", "Veille Solidaire {place}"],
        "forms": [LegalForm.EI, LegalForm.ETTI, LegalForm.AI, LegalForm.ASSOCIATION],
        "topics": ["securite-et-accueil", "insertion-et-mise-a-disposition-de-personnel"],
        "sectors": ["services-aux-personnes"],
        "activity": "l'accueil du public, l'orientation et la médiation sur les sites et les événements, avec des "
        "agents formés aux premiers secours",
    },
    {
        "names": ["Studio {place}", "Images {de_place}", "Scop Communication {place}"],
        "forms": [LegalForm.SCOP, LegalForm.CAE, LegalForm.TPE, LegalForm.ASSOCIATION],
        "topics": ["communication-et-audiovisuel", "evenementiel-et-animation"],
        "sectors": ["culture-et-loisirs", "numerique"],
        "activity": "la production audiovisuelle, la photographie et la communication d'événements, avec des "
        "ateliers d'éducation à l'image pour les jeunes du quartier",
    },
    {
        "names": ["Conciergerie {de_place}", "Blanchisserie Solidaire {place}", "Services Plus {place}"],
        "forms": [LegalForm.ESAT, LegalForm.EA, LegalForm.EI],
        "topics": ["services-aux-sites-maintenance-blanchisserie-conciergerie", "nettoyage-et-proprete"],
        "sectors": ["services-aux-personnes"],
        "activity": "la blanchisserie, la conciergerie d'entreprise et la petite maintenance des sites, avec des "
        "équipes formées et encadrées",
    },
    {
        "names": ["Intérim Solidaire {place}", "Tremplin Emploi {place}", "Passerelle {place}"],
        "forms": [LegalForm.ETTI, LegalForm.AI, LegalForm.EITI],
        "topics": ["insertion-et-mise-a-disposition-de-personnel", "nettoyage-et-proprete", "securite-et-accueil"],
        "sectors": ["services-aux-personnes"],
        "activity": "la mise à disposition de personnel en parcours d'insertion (manutention, restauration, "
        "accueil, nettoyage), avec un accompagnement vers l'emploi durable",
    },
    {
        "names": ["Maison d'accueil {de_place}", "Les Toits Solidaires {place}", "Fondation Habitat {place}"],
        "forms": [LegalForm.ASSOCIATION, LegalForm.FOUNDATION, LegalForm.MUTUAL],
        "topics": ["hebergement", "services-aux-sites-maintenance-blanchisserie-conciergerie"],
        "sectors": ["services-aux-personnes"],
        "activity": "l'hébergement solidaire et l'accueil temporaire de bénévoles et de délégations, dans des "
        "lieux rénovés et accessibles",
    },
    {
        "names": ["La Friche {de_place}", "Lieu Commun {place}", "Les Ateliers Partagés {de_place}"],
        "forms": [LegalForm.SCIC, LegalForm.ASSOCIATION, LegalForm.ESUS],
        "topics": ["urbanisme-transitoire", "evenementiel-et-animation"],
        "sectors": ["culture-et-loisirs", "sport"],
        "activity": "l'urbanisme transitoire : des friches ouvertes au public, des fêtes de quartier et des "
        "activités sportives autour des Jeux",
    },
]

BUYERS = [
    "Ville de Paris",
    "SOLIDEO",
    "Département de la Seine-Saint-Denis",
    "Métropole du Grand Paris",
    "Paris Habitat",
    "RATP",
    "Plaine Commune",
    "Est Ensemble",
    "Comité d'organisation des Jeux",
    "Ville de Saint-Denis",
]
FIRST_NAMES = [
    "Awa", "Karim", "Claire", "Mehdi", "Sophie", "Thomas", "Fatou", "Julien", "Nadia", "Lucas", "Inès", "Hugo",
    "Aminata", "Pierre", "Leïla", "Antoine", "Mariam", "Nicolas", "Yasmine", "Camille", "Sékou", "Élise",
]  # fmt: skip
LAST_NAMES = [
    "Diallo", "Martin", "Benali", "Dupont", "Traoré", "Lefebvre", "Nguyen", "Moreau", "Haddad", "Fontaine",
    "Koné", "Garcia", "Rousseau", "Cissé", "Bernard", "Mercier", "Ouédraogo", "Lambert", "Petit", "Robin",
]  # fmt: skip
REJECTION_REASONS = [
    "Le SIRET indiqué correspond à un établissement fermé : indiquez celui de votre établissement actif.",
    "La forme juridique ne correspond pas à celle de l'avis de situation Insee.",
    "Nous n'avons pas pu vérifier l'agrément ESUS : envoyez-nous la décision de la préfecture.",
]
SHORT_FORM = {
    LegalForm.ASSOCIATION: "association",
    LegalForm.SCOP: "coopérative (SCOP)",
    LegalForm.SCIC: "coopérative d'intérêt collectif (SCIC)",
    LegalForm.CAE: "coopérative d'activité et d'emploi",
    LegalForm.MUTUAL: "mutuelle",
    LegalForm.FOUNDATION: "fondation",
    LegalForm.ESUS: "entreprise solidaire d'utilité sociale",
    LegalForm.EI: "entreprise d'insertion",
    LegalForm.ETTI: "entreprise de travail temporaire d'insertion",
    LegalForm.ACI: "atelier et chantier d'insertion",
    LegalForm.AI: "association intermédiaire",
    LegalForm.EITI: "entreprise d'insertion par le travail indépendant",
    LegalForm.EA: "entreprise adaptée",
    LegalForm.ESAT: "ESAT",
    LegalForm.TPE: "très petite entreprise",
    LegalForm.PME: "PME",
}
# The short forms above that are masculine ("un atelier et chantier d'insertion", "un ESAT"); the rest are feminine.
MASCULINE_FORMS = {LegalForm.ACI, LegalForm.ESAT}
SIAE = {LegalForm.EI, LegalForm.ETTI, LegalForm.ACI, LegalForm.AI, LegalForm.EITI}
DISABILITY = {LegalForm.EA, LegalForm.ESAT}


def _a_form(form: str) -> str:
    """ "une association implantée", "un atelier et chantier d'insertion implanté" (agreement with the form)."""
    if form in MASCULINE_FORMS:
        return f"un {SHORT_FORM[form]} implanté"
    return f"une {SHORT_FORM[form]} implantée"


def _name(pattern: str, place: str) -> str:
    """A structure's name from its pattern: "La Ferme urbaine des Mureaux", "Images d'Ivry" (never "de Les")."""
    return pattern.format(place=place, de_place=de(place, always=True))


def _description(rng, name, form, place, activity, people):
    city = place[1]
    parts = [
        f"{name} est {_a_form(form)} {a(city, always=True)}. Nous assurons {activity}.",
    ]
    if form in SIAE:
        parts.append(
            f"Chaque année, {people} personnes éloignées de l'emploi y suivent un parcours d'insertion "
            "professionnelle, avec un accompagnement social et une formation qualifiante."
        )
    elif form in DISABILITY:
        parts.append(
            f"Nous employons {people} travailleurs en situation de handicap sur des postes adaptés et valorisants."
        )
    else:
        parts.append(
            rng.choice(
                [
                    "Gouvernance démocratique, bénéfices réinvestis dans le projet : nous travaillons avec les "
                    "habitants et les acteurs du territoire.",
                    "Nos équipes interviennent sur des marchés publics et privés, seules ou en groupement avec "
                    "d'autres structures de l'ESS.",
                    "Nous privilégions les achats locaux, le réemploi et les circuits courts.",
                ]
            )
        )
    parts.append(
        rng.choice(
            [
                "Disponibles pour les chantiers et les événements liés aux Jeux de Paris 2024.",
                "Nous répondons volontiers en groupement pour les lots importants.",
                "Capacité de mobilisation rapide sur toute l'Île-de-France.",
            ]
        )
    )
    return " ".join(parts)


def _references(rng):
    lines = []
    for buyer in rng.sample(BUYERS, rng.randint(0, 3)):
        year = rng.choice([2021, 2022, 2023, 2024])
        lines.append(f"{buyer} — marché de {rng.choice(['services', 'prestations', 'fournitures'])}, {year}")
    return "\n".join(lines)


def _unique_name(rng, archetype, used):
    for _attempt in range(50):
        place = rng.choice(PLACES)
        name = _name(rng.choice(archetype["names"]), place[0])
        name = name[0].upper() + name[1:]
        if name not in used:
            used.add(name)
            return name, place
    place = rng.choice(PLACES)
    name = f"{_name(rng.choice(archetype['names']), place[0])} {len(used)}"
    used.add(name)
    return name, place


def _plan(rng):
    """What the 300 structures look like (names, forms, places…), fully decided by the seeded generator."""
    used: set[str] = set()
    plans = []
    for index in range(1, COUNT + 1):
        if index == 1:
            archetype = ARCHETYPES[1]
            name, place = "Les Jardins de Belleville", PLACES[0]
            used.add(name)
            form = LegalForm.SCIC
        else:
            archetype = rng.choice(ARCHETYPES)
            name, place = _unique_name(rng, archetype, used)
            form = rng.choice(archetype["forms"])
        roll = rng.random()
        status = (
            VerificationStatus.VERIFIED
            if index == 1 or roll < 0.72
            else VerificationStatus.PENDING
            if roll < 0.93
            else VerificationStatus.REJECTED
        )
        people = rng.randint(4, 60)
        plans.append(
            {
                "index": index,
                "name": name,
                "place": place,
                "form": form,
                "archetype": archetype,
                "status": status,
                "people": people,
                "complete": index == 1 or rng.random() < 0.75,
                "archived": index != 1 and rng.random() < 0.01,
                "age_days": rng.randint(1, 700) if index != 1 else 400,
                "members": 1 if index == 1 else rng.choice([1, 1, 1, 2, 2, 3]),
            }
        )
    return plans


def _free_slug(name, taken):
    base = slugify(name)[:200] or "structure"
    slug, number = base, 2
    while slug in taken or slug in RESERVED_SLUGS:
        slug = f"{base}-{number}"
        number += 1
    taken.add(slug)
    return slug


def seed(*, stdout=None) -> str:
    """Demo data for this app (`manage.py seed_demo`). Idempotent."""
    rng = random.Random(2024)
    now = timezone.now()
    plans = _plan(rng)
    topics = {t.slug: t for t in Topic.objects.all()}
    sectors = {s.slug: s for s in Sector.objects.all()}
    areas = {a.code: a for a in Area.objects.all()}
    staff = User.objects.filter(email=DEMO_STAFF).first()

    existing = set(
        Structure.objects.filter(siret__in=[make_siret(p["index"]) for p in plans]).values_list("siret", flat=True)
    )
    taken_slugs = set(Structure.objects.values_list("slug", flat=True))
    new_structures, links = [], []
    for plan in plans:
        # Draw everything for every plan, created or not, so a partial re-run stays deterministic.
        place, form, archetype = plan["place"], plan["form"], plan["archetype"]
        home_areas = [place[4] or place[3]] + ([place[3]] if place[4] else [])
        extra_areas = rng.sample(["75", "92", "93", "94", "95", "91", "77", "78"], rng.randint(0, 3))
        if rng.random() < 0.06:
            extra_areas.append("FR")
        if place[3] == "75":
            extra_areas += rng.sample([f"751{n:02d}" for n in range(1, 21)], rng.randint(0, 4))
        topic_slugs = archetype["topics"] + rng.sample(list(topics), rng.randint(0, 1))
        sector_slugs = rng.sample(archetype["sectors"], rng.randint(1, len(archetype["sectors"])))
        description = _description(rng, plan["name"], form, place, archetype["activity"], plan["people"])
        references = _references(rng)
        headcount = rng.choice([Headcount.NONE, Headcount.MICRO, Headcount.MICRO, Headcount.SMALL, Headcount.MEDIUM])
        turnover = rng.choice([Turnover.UNDER_100K, Turnover.UNDER_500K, Turnover.UNDER_500K, Turnover.UNDER_2M])
        number, street = rng.randint(1, 120), rng.choice(STREETS)
        contact_first, contact_last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        siret = make_siret(plan["index"])
        if siret in existing:
            continue
        slug = _free_slug(plan["name"], taken_slugs)
        complete = plan["complete"]
        created_at = now - timedelta(days=plan["age_days"], hours=rng.randint(0, 23))
        structure = Structure(
            siret=siret,
            name=plan["name"],
            slug=slug,
            legal_form=form,
            esus_accredited=form == LegalForm.ESUS
            or (form in {LegalForm.SCOP, LegalForm.SCIC} and rng.random() < 0.3),
            address=f"{number} {street}",
            postcode=place[2],
            city=place[1],
            headcount=headcount,
            turnover=turnover if complete else "",
            insertion_people_per_year=plan["people"] if form in SIAE else None,
            insertion_hours_per_year=plan["people"] * 1200 if form in SIAE and complete else None,
            description=description,
            references=references if complete else "",
            website=f"https://www.{slug[:40]}.fr" if complete else "",
            contact_name=f"{contact_first} {contact_last}",
            contact_email=f"contact@{slug[:40]}.fr",
            contact_phone="01 " + " ".join(str(rng.randint(10, 99)) for _pair in range(4)),
            verification_status=plan["status"],
            rejection_reason=rng.choice(REJECTION_REASONS) if plan["status"] == VerificationStatus.REJECTED else "",
            verified_at=created_at + timedelta(days=rng.randint(1, 6))
            if plan["status"] == VerificationStatus.VERIFIED
            else None,
            verified_by=staff if plan["status"] != VerificationStatus.PENDING else None,
            archived_at=now - timedelta(days=3) if plan["archived"] else None,
        )
        new_structures.append((structure, created_at))
        links.append(
            (
                [topics[s] for s in dict.fromkeys(topic_slugs) if s in topics],
                [sectors[s] for s in sector_slugs if s in sectors],
                [areas[c] for c in dict.fromkeys(home_areas + extra_areas) if c in areas],
                plan,
            )
        )

    created = Structure.objects.bulk_create([s for s, _created_at in new_structures])
    for structure, created_at in new_structures:
        structure.created_at = created_at
    Structure.objects.bulk_update([s for s, _c in new_structures], ["created_at"], batch_size=500)

    through_topics, through_sectors, through_areas = [], [], []
    for structure, (topic_list, sector_list, area_list, _unused) in zip(created, links, strict=True):
        through_topics += [Structure.topics.through(structure_id=structure.pk, topic_id=t.pk) for t in topic_list]
        through_sectors += [Structure.sectors.through(structure_id=structure.pk, sector_id=s.pk) for s in sector_list]
        through_areas += [Structure.areas.through(structure_id=structure.pk, area_id=a.pk) for a in area_list]
    Structure.topics.through.objects.bulk_create(through_topics, ignore_conflicts=True)
    Structure.sectors.through.objects.bulk_create(through_sectors, ignore_conflicts=True)
    Structure.areas.through.objects.bulk_create(through_areas, ignore_conflicts=True)

    members = _seed_members(rng, created, links)
    _seed_demo_admin(now)
    return f"{len(created)} structures créées, {members} membres ajoutés ({COUNT} au total)"


def _seed_members(rng, created, links) -> int:
    """Teams of the structures created by this run: 1 to 3 people each, the first one administrator."""
    password = make_password("ess2024-demo")
    users, memberships = [], []
    for structure, (_t, _s, _a, plan) in zip(created, links, strict=True):
        if plan["index"] == 1:
            continue  # the demo login runs this one (see _seed_demo_admin)
        for position in range(plan["members"]):
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            email = f"{slugify(first)}.{slugify(last)}.{plan['index']}-{position}@{MEMBER_DOMAIN}"
            users.append(User(email=email, first_name=first, last_name=last, password=password))
            memberships.append((structure, email, Membership.Role.ADMIN if position == 0 else Membership.Role.MEMBER))
    User.objects.bulk_create(users, ignore_conflicts=True)
    by_email = dict(User.objects.filter(email__in=[u.email for u in users]).values_list("email", "pk"))
    EmailAddress.objects.bulk_create(
        [EmailAddress(user_id=by_email[u.email], email=u.email, verified=True, primary=True) for u in users],
        ignore_conflicts=True,
    )
    Membership.objects.bulk_create(
        [Membership(structure=s, user_id=by_email[email], role=role) for s, email, role in memberships],
        ignore_conflicts=True,
    )
    return len(memberships)


def _seed_demo_admin(now) -> None:
    """structure@demo.ess2024.fr administers the flagship structure, with a join request and an invitation pending."""
    user = User.objects.filter(email=DEMO_ADMIN).first()
    structure = Structure.objects.filter(siret=make_siret(1)).first()
    if user is None or structure is None:
        return
    Membership.objects.get_or_create(structure=structure, user=user, defaults={"role": Membership.Role.ADMIN})
    requester, created = User.objects.get_or_create(
        email=f"karim.benali@{MEMBER_DOMAIN}",
        defaults={"first_name": "Karim", "last_name": "Benali", "password": make_password("ess2024-demo")},
    )
    if created:
        EmailAddress.objects.create(user=requester, email=requester.email, verified=True, primary=True)
    if not JoinRequest.objects.filter(structure=structure, user=requester).exists():
        JoinRequest.objects.create(
            structure=structure,
            user=requester,
            message="Bonjour, je coordonne le jardin de la rue des Cascades depuis septembre.",
        )
    if not Invitation.objects.filter(structure=structure, email=f"claire.martin@{MEMBER_DOMAIN}").exists():
        Invitation.objects.create(
            structure=structure,
            email=f"claire.martin@{MEMBER_DOMAIN}",
            role=Membership.Role.MEMBER,
            invited_by=user,
            expires_at=now + INVITATION_VALIDITY,
        )
