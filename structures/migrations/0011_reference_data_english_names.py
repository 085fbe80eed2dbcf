"""English names of the reference data (issue 15, item 3): a `name_en` column on topics, sectors and areas, filled
for every row that migration 0002 created (staff edit them in the admin afterwards).

Departments and arrondissements keep their proper names ("Seine-Saint-Denis (93)", "Paris 1st arrondissement");
"Toute la France" becomes "All of France". The fill-in only writes empty `name_en` values (a name staff already
typed is kept) and is reversible (it empties them again).
"""

from django.db import migrations, models

TOPICS = {
    "gestion-et-valorisation-des-dechets": "Waste management and recovery",
    "energies-renouvelables": "Renewable energy",
    "agriculture-urbaine-et-espaces-verts": "Urban agriculture and green spaces",
    "restauration-durable": "Sustainable catering",
    "accessibilite": "Accessibility",
    "economie-circulaire-et-reemploi": "Circular economy and reuse",
    "textile-et-goodies": "Textiles and merchandise",
    "logistique-et-transport": "Logistics and transport",
    "nettoyage-et-proprete": "Cleaning",
    "securite-et-accueil": "Security and reception",
    "hebergement": "Accommodation",
    "evenementiel-et-animation": "Events and activities",
    "communication-et-audiovisuel": "Communication and audiovisual",
    "batiment-et-construction-durable": "Sustainable building and construction",
    "urbanisme-transitoire": "Temporary urban projects",
    "conseil-et-formation": "Consulting and training",
    "insertion-et-mise-a-disposition-de-personnel": "Work integration and staff provision",
    "services-aux-sites-maintenance-blanchisserie-conciergerie": "Site services (maintenance, laundry, concierge)",
}

SECTORS = {
    "environnement": "Environment",
    "consommation-responsable": "Responsible consumption",
    "agriculture-biologique": "Organic farming",
    "energies-renouvelables": "Renewable energy",
    "finance-solidaire": "Solidarity finance",
    "recyclage": "Recycling",
    "alimentation": "Food",
    "culture-et-loisirs": "Culture and leisure",
    "sport": "Sport",
    "services-aux-personnes": "Personal services",
    "numerique": "Digital",
    "mobilite": "Mobility",
}


def area_names() -> dict[str, str]:
    """English name by area code: France, the eight departments (proper names), the 20 arrondissements."""
    names = {
        "FR": "All of France",
        "75": "Paris (75)",
        "77": "Seine-et-Marne (77)",
        "78": "Yvelines (78)",
        "91": "Essonne (91)",
        "92": "Hauts-de-Seine (92)",
        "93": "Seine-Saint-Denis (93)",
        "94": "Val-de-Marne (94)",
        "95": "Val-d'Oise (95)",
    }
    for number in range(1, 21):
        suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
        names[f"751{number:02d}"] = f"Paris {number}{suffix} arrondissement"
    return names


def fill(apps, schema_editor):
    for model, names, key in (
        ("Topic", TOPICS, "slug"),
        ("Sector", SECTORS, "slug"),
        ("Area", area_names(), "code"),
    ):
        Model = apps.get_model("structures", model)
        for value, name_en in names.items():
            Model.objects.filter(**{key: value, "name_en": ""}).update(name_en=name_en)


def empty(apps, schema_editor):
    for model in ("Topic", "Sector", "Area"):
        apps.get_model("structures", model).objects.update(name_en="")


class Migration(migrations.Migration):
    dependencies = [
        ("structures", "0010_structure_name_trigram_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="topic",
            name="name_en",
            field=models.CharField(blank=True, max_length=120, verbose_name="nom en anglais"),
        ),
        migrations.AddField(
            model_name="sector",
            name="name_en",
            field=models.CharField(blank=True, max_length=120, verbose_name="nom en anglais"),
        ),
        migrations.AddField(
            model_name="area",
            name="name_en",
            field=models.CharField(blank=True, max_length=80, verbose_name="nom en anglais"),
        ),
        migrations.RunPython(fill, empty),
    ]
