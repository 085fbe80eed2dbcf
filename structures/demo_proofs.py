"""Demo data for what profiles prove (issue 14): client references, labels, photos, offers (`manage.py seed_demo`).

The flagship "Les Jardins de Belleville" gets a full set (so its profile is complete); about half of the other
verified structures get a few of each, chosen from their first topic, so that a buyer browsing the directory sees
profiles of every shape. Photos are generated with Pillow (no network): a coloured scene per topic, re-encoded as WebP.
Idempotent: a structure that already has any proof is left alone.
"""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image, ImageDraw

from structures.models import (
    AmountBand,
    ClientReference,
    Label,
    Offer,
    Structure,
    StructureLabel,
    StructurePhoto,
    VerificationStatus,
)
from structures.validators import make_siret

CLIENTS = [
    "Ville de Paris",
    "SOLIDEO",
    "Département de la Seine-Saint-Denis",
    "Métropole du Grand Paris",
    "Paris Habitat",
    "Plaine Commune",
    "Est Ensemble",
    "Comité d'organisation des Jeux",
    "Ville de Saint-Denis",
    "Ville de Montreuil",
    "Ville d'Aubervilliers",
    "Seine-Saint-Denis Habitat",
]

# topic slug → (what is offered, what was done for a client, the colour of its photos, photo descriptions)
BY_TOPIC = {
    "gestion-et-valorisation-des-dechets": (
        [
            ("Collecte et tri des déchets d'événements", "Tri sur place, bacs, équipes formées, pesées et bilan."),
            ("Valorisation des biodéchets", "Collecte des biodéchets de cuisine et compostage de proximité."),
        ],
        "Collecte séparée et tri des déchets d'un site de 3 000 personnes, taux de valorisation de 72 %.",
        (46, 125, 50),
        ["Des bacs de tri colorés alignés devant un chapiteau", "Deux agents pèsent des sacs de déchets triés"],
    ),
    "economie-circulaire-et-reemploi": (
        [
            ("Réemploi de mobilier", "Reprise, remise en état et revente ou don du mobilier après l'événement."),
            ("Ressourcerie éphémère", "Un point de collecte et de revente d'objets pendant la durée d'un chantier."),
        ],
        "Reprise et réemploi de 1 200 pièces de mobilier de bureau, 85 % remis en circulation.",
        (120, 90, 40),
        ["Des chaises empilées dans l'atelier de réemploi", "Une salariée répare une table en bois"],
    ),
    "agriculture-urbaine-et-espaces-verts": (
        [
            (
                "Entretien d'espaces verts",
                "Gestion différenciée, sans produit phytosanitaire, par des équipes en insertion.",
            ),
            ("Jardins pédagogiques", "Création et animation de potagers pour les écoles et les habitants."),
        ],
        "Entretien des espaces verts de trois résidences (4 hectares), en gestion différenciée.",
        (60, 140, 60),
        ["Un potager en bacs sur un toit à Belleville", "Des jardiniers plantent des aromatiques"],
    ),
    "restauration-durable": (
        [
            ("Traiteur solidaire", "Buffets et plateaux repas de saison, produits locaux et bio, zéro plastique."),
            (
                "Restauration collective",
                "Repas quotidiens pour des équipes de chantier, livrés en contenants consignés.",
            ),
        ],
        "Plateaux repas bio et locaux pour 400 personnes pendant une semaine de réunions.",
        (190, 110, 40),
        ["Un buffet de légumes de saison dans des plats en verre", "L'équipe de cuisine dresse des assiettes"],
    ),
    "nettoyage-et-proprete": (
        [("Nettoyage de sites et de bureaux", "Produits écolabellisés, horaires de journée, équipes en insertion.")],
        "Nettoyage quotidien de 6 000 m² de bureaux de chantier pendant 18 mois.",
        (40, 110, 160),
        ["Une agente nettoie une vitre de bureau", "Un chariot de nettoyage aux produits écolabellisés"],
    ),
    "textile-et-goodies": (
        [
            (
                "Goodies en textile recyclé",
                "Sacs, tote bags et trousses confectionnés à partir de bâches et de textiles.",
            )
        ],
        "Confection de 2 000 sacs à partir des bâches d'un événement sportif.",
        (150, 60, 120),
        ["Une couturière assemble un sac en bâche recyclée", "Des piles de sacs colorés prêts à livrer"],
    ),
    "logistique-et-transport": (
        [("Livraison à vélo cargo", "Livraisons du dernier kilomètre dans Paris et la petite couronne.")],
        "Livraisons quotidiennes à vélo cargo entre trois sites, 9 000 km parcourus.",
        (70, 70, 140),
        ["Un vélo cargo chargé de cartons devant un entrepôt", "Un livreur prépare sa tournée"],
    ),
}
DEFAULT_TOPIC = (
    [("Prestations sur mesure", "Une équipe qui s'adapte aux besoins de l'acheteur, avec un interlocuteur unique.")],
    "Prestation réalisée dans les délais, avec des personnes en parcours d'insertion.",
    (90, 100, 110),
    ["L'équipe devant le local de la structure", "Un atelier au travail"],
)
LABELS_BY_FORM = {
    "esus": ["esus"],
    "scic": ["esus", "lucie-26000"],
    "scop": ["engage-rse"],
    "ei": ["entreprise-inclusive"],
    "aci": ["entreprise-inclusive", "qualiopi"],
    "ea": ["entreprise-inclusive", "iso-9001"],
    "esat": ["entreprise-inclusive"],
}
TOPIC_LABELS = {
    "restauration-durable": ["ecocert", "agriculture-biologique"],
    "agriculture-urbaine-et-espaces-verts": ["agriculture-biologique"],
    "batiment-et-construction-durable": ["rge", "qualibat"],
    "energies-renouvelables": ["rge"],
    "gestion-et-valorisation-des-dechets": ["iso-14001"],
    "nettoyage-et-proprete": ["ecolabel-europeen"],
    "textile-et-goodies": ["commerce-equitable"],
    "conseil-et-formation": ["qualiopi"],
}


def demo_photo(rng: random.Random, colour: tuple[int, int, int], index: int) -> ContentFile:
    """A simple generated scene (sky, ground, a few shapes), 640 × 427, as WebP."""
    width, height = 640, 427
    image = Image.new("RGB", (width, height), (215, 230, 240))
    draw = ImageDraw.Draw(image)
    ground = tuple(max(0, min(255, c + rng.randint(-20, 20))) for c in colour)
    draw.rectangle([0, height * 0.62, width, height], fill=ground)
    for _shape in range(4 + index % 3):
        x, y = rng.randint(40, width - 160), rng.randint(int(height * 0.3), int(height * 0.7))
        size = rng.randint(50, 130)
        shade = tuple(max(0, min(255, c + rng.randint(-60, 60))) for c in colour)
        if rng.random() < 0.5:
            draw.rectangle([x, y, x + size, y + size * 0.8], fill=shade, outline=(255, 255, 255), width=3)
        else:
            draw.ellipse([x, y, x + size, y + size], fill=shade, outline=(255, 255, 255), width=3)
    draw.ellipse([width - 150, 40, width - 70, 120], fill=(250, 210, 80))
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=80)
    return ContentFile(out.getvalue())


def _seed_structure(rng, structure, labels, *, full: bool, today: datetime.date) -> dict[str, int]:
    topic_slugs = [t.slug for t in structure.topics.all()]
    offers, done, colour, alts = next((BY_TOPIC[s] for s in topic_slugs if s in BY_TOPIC), DEFAULT_TOPIC)
    counts = {"references": 0, "labels": 0, "photos": 0, "offers": 0}

    for position, (title, description) in enumerate(offers if full else offers[: rng.randint(1, len(offers))], 1):
        Offer.objects.create(structure=structure, title=title, description=description, position=position)
        counts["offers"] += 1

    clients = rng.sample(CLIENTS, 4 if full else rng.randint(1, 3))
    bands = [band for band in AmountBand.values if band]
    for client in clients:
        ClientReference.objects.create(
            structure=structure,
            client=client,
            year=rng.choice([2021, 2022, 2023, 2024, 2025]),
            description=done,
            amount_band=rng.choice(bands + [""]),
        )
        counts["references"] += 1

    slugs = LABELS_BY_FORM.get(structure.legal_form, []) + [
        slug for topic in topic_slugs for slug in TOPIC_LABELS.get(topic, [])
    ]
    for number, slug in enumerate(dict.fromkeys(slugs)):
        if slug not in labels or (not full and rng.random() < 0.4):
            continue
        # Some labels run out: one in five expired last year, so the profile shows "Expiré".
        expired = not full and rng.random() < 0.2
        expires_on = today.replace(year=today.year - 1) if expired else today.replace(year=today.year + 1 + number % 3)
        StructureLabel.objects.create(structure=structure, label=labels[slug], expires_on=expires_on)
        counts["labels"] += 1

    for position in range(1, (6 if full else rng.randint(0, 3)) + 1):
        photo = StructurePhoto(structure=structure, alt_text=alts[(position - 1) % len(alts)], position=position)
        photo.image.save(f"demo-{structure.pk}-{position}.webp", demo_photo(rng, colour, position), save=False)
        photo.save()
        counts["photos"] += 1
    return counts


def seed(*, stdout=None) -> str:
    """References, labels, photos and offers for the demo structures. Idempotent."""
    today = timezone.localdate()
    labels = {label.slug: label for label in Label.objects.all()}
    flagship_siret = make_siret(1)
    structures = list(
        Structure.objects.listed()
        .filter(verification_status=VerificationStatus.VERIFIED)
        .prefetch_related("topics")
        .order_by("siret")
    )
    with_proofs = set(ClientReference.objects.values_list("structure_id", flat=True))
    with_proofs |= set(Offer.objects.values_list("structure_id", flat=True))
    with_proofs |= set(StructurePhoto.objects.values_list("structure_id", flat=True))
    with_proofs |= set(StructureLabel.objects.values_list("structure_id", flat=True))
    totals = {"references": 0, "labels": 0, "photos": 0, "offers": 0}
    for structure in structures:
        # One generator per structure: what a structure gets does not depend on which others were seeded before.
        rng = random.Random(f"proofs-{structure.siret}")  # noqa: S311 - demo data, not cryptography
        full = structure.siret == flagship_siret
        if structure.pk in with_proofs or not (full or rng.random() < 0.5):
            continue
        for key, value in _seed_structure(rng, structure, labels, full=full, today=today).items():
            totals[key] += value
    return (
        f"{totals['references']} références, {totals['labels']} labels, "
        f"{totals['photos']} photos, {totals['offers']} offres"
    )
