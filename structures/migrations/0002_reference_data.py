"""The 18 strategic topics, the ESS sectors and the intervention areas (staff can edit them afterwards)."""

from django.db import migrations
from django.utils.text import slugify

TOPICS = [
    "Gestion et valorisation des déchets",
    "Énergies renouvelables",
    "Agriculture urbaine et espaces verts",
    "Restauration durable",
    "Accessibilité",
    "Économie circulaire et réemploi",
    "Textile et goodies",
    "Logistique et transport",
    "Nettoyage et propreté",
    "Sécurité et accueil",
    "Hébergement",
    "Événementiel et animation",
    "Communication et audiovisuel",
    "Bâtiment et construction durable",
    "Urbanisme transitoire",
    "Conseil et formation",
    "Insertion et mise à disposition de personnel",
    "Services aux sites (maintenance, blanchisserie, conciergerie)",
]

SECTORS = [
    "Environnement",
    "Consommation responsable",
    "Agriculture biologique",
    "Énergies renouvelables",
    "Finance solidaire",
    "Recyclage",
    "Alimentation",
    "Culture et loisirs",
    "Sport",
    "Services aux personnes",
    "Numérique",
    "Mobilité",
]

DEPARTMENTS = [
    ("75", "Paris"),
    ("77", "Seine-et-Marne"),
    ("78", "Yvelines"),
    ("91", "Essonne"),
    ("92", "Hauts-de-Seine"),
    ("93", "Seine-Saint-Denis"),
    ("94", "Val-de-Marne"),
    ("95", "Val-d'Oise"),
]


def load(apps, schema_editor):
    Topic = apps.get_model("structures", "Topic")
    Sector = apps.get_model("structures", "Sector")
    Area = apps.get_model("structures", "Area")
    for position, name in enumerate(TOPICS, start=1):
        Topic.objects.update_or_create(slug=slugify(name), defaults={"name": name, "position": position})
    for position, name in enumerate(SECTORS, start=1):
        Sector.objects.update_or_create(slug=slugify(name), defaults={"name": name, "position": position})
    france, _ = Area.objects.update_or_create(
        code="FR", defaults={"name": "Toute la France", "kind": "national", "position": 0}
    )
    departments = {}
    for position, (code, name) in enumerate(DEPARTMENTS, start=1):
        departments[code], _ = Area.objects.update_or_create(
            code=code, defaults={"name": f"{name} ({code})", "kind": "department", "parent": france, "position": position}
        )
    for number in range(1, 21):
        label = "1er" if number == 1 else f"{number}e"
        Area.objects.update_or_create(
            code=f"751{number:02d}",
            defaults={
                "name": f"Paris {label} arrondissement",
                "kind": "arrondissement",
                "parent": departments["75"],
                "position": 100 + number,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("structures", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
