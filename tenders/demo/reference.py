"""Reference data of the tenders demo: the buyers, the sites, the tenders of each topic, questions, reasons, plans."""

from __future__ import annotations

import datetime

from structures.models import ReservedMarket
from tenders.models import BuyerOrganisation, Interest, TenderStatus

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

# Sites of the Games and of their legacy, each with the area it is in (a Paris arrondissement or a department): a
# tender is performed where its site is, and a buyer only buys for sites within its own places.
SITES = [
    ("village des athlètes (Saint-Denis)", "93"),
    ("centre aquatique olympique (Saint-Denis)", "93"),
    ("village des médias (Dugny)", "93"),
    ("Arena Porte de la Chapelle (Paris 18e)", "75118"),
    ("parc départemental Georges-Valbon (La Courneuve)", "93"),
    ("site du Bourget (Seine-Saint-Denis)", "93"),
    ("Grand Palais éphémère (Paris 7e)", "75107"),
    ("berges de Seine (Paris 13e)", "75113"),
    ("stade Pierre-de-Coubertin (Paris 16e)", "75116"),
    ("gymnase des Poissonniers (Paris 18e)", "75118"),
    ("halle Pajol (Paris 18e)", "75118"),
    ("parc de la Villette (Paris 19e)", "75119"),
    ("parc de Belleville (Paris 20e)", "75120"),
    ("stade Yves-du-Manoir (Colombes)", "92"),
    ("Paris La Défense Arena (Nanterre)", "92"),
    ("parc du Tremblay (Champigny-sur-Marne)", "94"),
]

# For each of the 18 topics, in their order: tender titles, what the work is about, CPV codes.
TOPIC_TENDERS = [
    (
        [
            "Collecte et valorisation des biodéchets des cantines",
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

# The second topic a tender of each topic may carry (by topic index): a neighbouring trade, never an unrelated one
# (a solar-panel tender may also be "Bâtiment et construction durable", not "Économie circulaire").
RELATED_TOPIC = [5, 13, 14, 0, 9, 0, 5, 17, 0, 4, 17, 12, 4, 16, 2, 16, 15, 8]

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
