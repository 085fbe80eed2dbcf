"""Profiles that prove (issue 14): client references, labels and certifications, photos, offers, and the monthly
completeness reminder's opt-out on a membership.

The labels' reference list is seeded here (staff maintain it in the admin afterwards: the fill-in only creates the
labels whose slug is missing, so a label staff renamed or deactivated is left alone), and the Les Canaux staff group
gets the permissions to maintain it. Reversible.
"""

import django.db.models.deletion
from django.contrib.auth.management import create_permissions
from django.db import migrations, models

import structures.models

STAFF_GROUP = "Équipe Les Canaux"

# (slug, name, description, url)
LABELS = [
    (
        "esus",
        "Agrément ESUS",
        "Entreprise solidaire d'utilité sociale : agrément délivré par l'État (DREETS) aux entreprises dont "
        "l'utilité sociale est l'objectif principal.",
        "https://www.economie.gouv.fr/entreprises/agrement-entreprise-solidaire-utilite-sociale-ess",
    ),
    (
        "rge",
        "RGE (Reconnu garant de l'environnement)",
        "Qualification des professionnels du bâtiment pour les travaux de rénovation énergétique.",
        "https://france-renov.gouv.fr/annuaires-professionnels/artisan-rge",
    ),
    (
        "qualiopi",
        "Qualiopi",
        "Certification qualité des organismes de formation (actions financées par des fonds publics).",
        "https://travail-emploi.gouv.fr/qualiopi-marque-de-certification-qualite-des-prestataires-de-formation",
    ),
    (
        "ecocert",
        "Ecocert",
        "Certification de produits biologiques et écologiques (agriculture, cosmétiques, détergents, textile).",
        "https://www.ecocert.com/fr",
    ),
    (
        "agriculture-biologique",
        "Agriculture biologique (AB)",
        "Logo national des produits issus de l'agriculture biologique.",
        "https://www.agencebio.org",
    ),
    (
        "entreprise-inclusive",
        "Entreprise inclusive",
        "Engagement d'une entreprise en faveur de l'emploi des personnes éloignées de l'emploi "
        "(recrutement inclusif, achats aux structures d'insertion et du handicap).",
        "",
    ),
    (
        "iso-14001",
        "ISO 14001",
        "Certification du système de management environnemental.",
        "https://www.iso.org/fr/iso-14001-environmental-management.html",
    ),
    (
        "iso-9001",
        "ISO 9001",
        "Certification du système de management de la qualité.",
        "https://www.iso.org/fr/iso-9001-quality-management.html",
    ),
    (
        "lucie-26000",
        "Label Lucie 26000",
        "Label de responsabilité sociétale (RSE) aligné sur la norme ISO 26000.",
        "https://agence-lucie.com",
    ),
    (
        "engage-rse",
        "Engagé RSE (AFNOR)",
        "Évaluation de la démarche de responsabilité sociétale par AFNOR Certification.",
        "https://certification.afnor.org",
    ),
    (
        "commerce-equitable",
        "Commerce équitable",
        "Produits et filières garantis équitables (Fairtrade/Max Havelaar, WFTO, Biopartenaire, SPP…).",
        "https://www.commercequitable.org",
    ),
    (
        "ecolabel-europeen",
        "Écolabel européen",
        "Label écologique officiel de l'Union européenne pour les produits et services.",
        "https://environment.ec.europa.eu/topics/circular-economy/eu-ecolabel_fr",
    ),
    (
        "imprim-vert",
        "Imprim'Vert",
        "Démarche environnementale des imprimeurs (déchets, produits toxiques, énergie).",
        "https://www.imprimvert.fr",
    ),
    (
        "qualibat",
        "Qualibat",
        "Qualification des entreprises du bâtiment par métier.",
        "https://www.qualibat.com",
    ),
    (
        "b-corp",
        "B Corp",
        "Certification des entreprises qui répondent à des exigences sociales et environnementales vérifiées.",
        "https://www.bcorporation.fr",
    ),
    (
        "numerique-responsable",
        "Label Numérique responsable",
        "Démarche de réduction de l'empreinte environnementale et sociale du numérique.",
        "https://label-nr.fr",
    ),
    (
        "tourisme-handicap",
        "Tourisme & Handicap",
        "Accueil adapté des personnes handicapées dans les lieux de tourisme et de loisirs.",
        "https://www.entreprises.gouv.fr/fr/tourisme/developpement-et-competitivite-du-secteur/tourisme-et-handicap",
    ),
]

PERMISSIONS = {
    "label": ["view", "add", "change", "delete"],
    "clientreference": ["view", "change", "delete"],
    "structurelabel": ["view", "change", "delete"],
    "structurephoto": ["view", "change", "delete"],
    "offer": ["view", "change", "delete"],
}


def seed_labels(apps, schema_editor):
    Label = apps.get_model("structures", "Label")
    existing = set(Label.objects.values_list("slug", flat=True))
    Label.objects.bulk_create(
        [
            Label(slug=slug, name=name, description=description, url=url)
            for slug, name, description, url in LABELS
            if slug not in existing
        ]
    )


def unseed_labels(apps, schema_editor):
    Label = apps.get_model("structures", "Label")
    StructureLabel = apps.get_model("structures", "StructureLabel")
    slugs = [slug for slug, *_rest in LABELS]
    StructureLabel.objects.filter(label__slug__in=slugs).delete()
    Label.objects.filter(slug__in=slugs).delete()


def grant(apps, schema_editor):
    app_config = apps.get_app_config("structures")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name=STAFF_GROUP)
    codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="structures", codename__in=codenames)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.filter(name=STAFF_GROUP).first()
    if group is not None:
        codenames = [f"{action}_{model}" for model, actions in PERMISSIONS.items() for action in actions]
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="structures", codename__in=codenames)
        )


class Migration(migrations.Migration):

    dependencies = [
        ('structures', '0011_reference_data_english_names'),
        ('accounts', '0002_staff_group'),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.CreateModel(
            name='Label',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=120, unique=True, verbose_name='nom')),
                ('slug', models.SlugField(max_length=120, unique=True, verbose_name='identifiant')),
                ('description', models.TextField(blank=True, max_length=1000, verbose_name='description')),
                ('url', models.URLField(blank=True, verbose_name='page de référence')),
                ('is_active', models.BooleanField(default=True, help_text="Décochez pour ne plus le proposer : les structures qui l'ont déjà le gardent.", verbose_name='proposé aux structures')),
            ],
            options={
                'verbose_name': 'label ou certification',
                'verbose_name_plural': 'labels et certifications',
                'ordering': ['name'],
            },
        ),
        migrations.AddField(
            model_name='membership',
            name='completeness_reminders',
            field=models.BooleanField(default=True, verbose_name='rappel mensuel de complétude'),
        ),
        migrations.CreateModel(
            name='Offer',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('title', models.CharField(max_length=120, verbose_name='titre')),
                ('description', models.TextField(max_length=1000, verbose_name='description')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='ordre')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('structure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='offers', to='structures.structure')),
            ],
            options={
                'verbose_name': 'offre',
                'verbose_name_plural': 'offres',
                'ordering': ['position', 'pk'],
            },
        ),
        migrations.CreateModel(
            name='ClientReference',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('client', models.CharField(max_length=200, verbose_name='client')),
                ('year', models.PositiveSmallIntegerField(verbose_name='année')),
                ('description', models.TextField(max_length=1000, verbose_name='ce qui a été fait')),
                ('amount_band', models.CharField(blank=True, choices=[('', 'Non communiqué'), ('lt40k', 'Moins de 40 000 €'), ('40k-100k', '40 000 à 100 000 €'), ('100k-250k', '100 000 à 250 000 €'), ('250k-1m', '250 000 € à 1 M€'), ('gt1m', 'Plus de 1 M€')], max_length=10, verbose_name='montant')),
                ('client_logo', models.ImageField(blank=True, upload_to=structures.models.client_logo_path, verbose_name='logo du client')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('structure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='client_references', to='structures.structure')),
            ],
            options={
                'verbose_name': 'référence client',
                'verbose_name_plural': 'références clients',
                'ordering': ['-year', '-created_at', '-pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('year__gte', 1900), ('year__lte', 2100)), name='clientreference_year_range')],
            },
        ),
        migrations.CreateModel(
            name='StructureLabel',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('expires_on', models.DateField(blank=True, null=True, verbose_name="valable jusqu'au")),
                ('document', models.FileField(blank=True, upload_to=structures.models.label_document_path, verbose_name='justificatif')),
                ('document_name', models.CharField(blank=True, max_length=120, verbose_name='nom du justificatif')),
                ('document_type', models.CharField(blank=True, max_length=100)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
                ('label', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='structures.label', verbose_name='label')),
                ('structure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='structure_labels', to='structures.structure')),
            ],
            options={
                'verbose_name': "label d'une structure",
                'verbose_name_plural': 'labels des structures',
                'ordering': ['label__name'],
                'constraints': [models.UniqueConstraint(fields=('structure', 'label'), name='structurelabel_unique')],
            },
        ),
        migrations.CreateModel(
            name='StructurePhoto',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('image', models.ImageField(upload_to=structures.models.photo_path, verbose_name='photo')),
                ('alt_text', models.CharField(max_length=250, verbose_name='description de la photo')),
                ('position', models.PositiveSmallIntegerField(default=0, verbose_name='ordre')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('structure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='photos', to='structures.structure')),
            ],
            options={
                'verbose_name': 'photo',
                'verbose_name_plural': 'photos',
                'ordering': ['position', 'pk'],
                'constraints': [models.CheckConstraint(condition=models.Q(('alt_text', ''), _negated=True), name='structurephoto_alt_required')],
            },
        ),
        migrations.RunPython(seed_labels, unseed_labels),
        migrations.RunPython(grant, revoke),
    ]
