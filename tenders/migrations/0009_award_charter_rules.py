"""Charter rules on awards (issue 12): one active award per lot (or per tender without lots), achieved insertion
hours ≤ achieved hours, amounts > 0; each buyer's own charter targets (optional); the winner's category frozen with its reason; where an award comes from.

Existing rows that break a new rule must not make the migration fail, so `repair` runs before the constraints:
- duplicate awards of one lot (or of a tender without lots): the newest (awarded_on, then created_at, then id)
  stays active, the others are marked inactive (kept as history, no longer counted);
- achieved insertion hours above achieved hours (or without achieved hours): both achieved figures are cleared,
  so the planned hours count again, as for any award whose buyer has not reported yet;
- an amount of zero or less: the award is marked inactive (the constraint allows it only on inactive awards);
- a negative declared ESS/TPE/PME share: set to zero.
"""

from decimal import Decimal

import django.core.validators
from django.db import migrations, models
from django.db.models import F, Q


def repair(apps, schema_editor):
    Award = apps.get_model("tenders", "Award")
    newest_first = ["-awarded_on", "-created_at", "-id"]
    seen_lots, seen_tenders, duplicates = set(), set(), []
    for award_id, tender_id, lot_id in Award.objects.order_by(*newest_first).values_list("id", "tender_id", "lot_id"):
        key, seen = (lot_id, seen_lots) if lot_id is not None else (tender_id, seen_tenders)
        if key in seen:
            duplicates.append(award_id)
        seen.add(key)
    Award.objects.filter(id__in=duplicates).update(is_active=False)
    Award.objects.filter(
        Q(insertion_hours_achieved__isnull=False)
        & (Q(total_hours_achieved__isnull=True) | Q(insertion_hours_achieved__gt=F("total_hours_achieved")))
    ).update(total_hours_achieved=None, insertion_hours_achieved=None)
    Award.objects.filter(amount__lte=0).update(is_active=False)
    Award.objects.filter(ess_share_amount__lt=0).update(ess_share_amount=0)


class Migration(migrations.Migration):

    dependencies = [
        ('structures', '0007_text_max_lengths'),
        ('tenders', '0008_buyer_access_staff_permissions'),
    ]

    operations = [
        migrations.AddField(
            model_name='award',
            name='is_active',
            field=models.BooleanField(default=True, help_text="Une attribution remplacée ou annulée reste dans l'historique mais ne compte plus.", verbose_name='attribution en vigueur'),
        ),
        migrations.AddField(
            model_name='award',
            name='source',
            field=models.CharField(choices=[('platform', 'Attribuée sur la plateforme'), ('import', 'Importée (données essentielles)')], default='platform', max_length=12, verbose_name='origine'),
        ),
        migrations.AddField(
            model_name='award',
            name='winner_category_reason',
            field=models.CharField(blank=True, max_length=200, verbose_name='motif de la catégorie'),
        ),
        migrations.RunPython(repair, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name='award',
            name='amount',
            field=models.DecimalField(decimal_places=2, max_digits=14, validators=[django.core.validators.MinValueValidator(Decimal('0.01'))], verbose_name='montant (€ HT)'),
        ),
        migrations.AddConstraint(
            model_name='award',
            constraint=models.CheckConstraint(condition=models.Q(('insertion_hours_achieved__isnull', True), models.Q(('insertion_hours_achieved__lte', models.F('total_hours_achieved')), ('total_hours_achieved__isnull', False)), _connector='OR'), name='award_insertion_le_total_hours_achieved', violation_error_message="Les heures d'insertion réalisées ne peuvent pas dépasser les heures travaillées réalisées."),
        ),
        migrations.AddConstraint(
            model_name='award',
            constraint=models.CheckConstraint(condition=models.Q(('amount__gt', 0), ('is_active', False), _connector='OR'), name='award_amount_positive', violation_error_message='Le montant attribué doit être supérieur à zéro.'),
        ),
        migrations.AddConstraint(
            model_name='award',
            constraint=models.CheckConstraint(condition=models.Q(('ess_share_amount__gte', 0)), name='award_share_not_negative', violation_error_message='La part ESS/TPE/PME déclarée ne peut pas être négative.'),
        ),
        migrations.AddConstraint(
            model_name='award',
            constraint=models.UniqueConstraint(condition=models.Q(('is_active', True), ('lot__isnull', False)), fields=('lot',), name='award_one_active_per_lot', violation_error_message="Ce lot a déjà une attribution en vigueur : un lot n'a qu'un titulaire. Rendez l'autre attribution inactive avant d'en enregistrer une nouvelle."),
        ),
        migrations.AddConstraint(
            model_name='award',
            constraint=models.UniqueConstraint(condition=models.Q(('is_active', True), ('lot__isnull', True)), fields=('tender',), name='award_one_active_per_tender', violation_error_message="Cet appel d'offres a déjà une attribution en vigueur pour l'ensemble du marché. Rendez l'autre attribution inactive avant d'en enregistrer une nouvelle."),
        ),
        migrations.AddField(
            model_name='buyerorganisation',
            name='charter_hours_target',
            field=models.DecimalField(blank=True, decimal_places=1, help_text="Laisser vide pour l'objectif de la charte : 10 %.", max_digits=4, null=True, verbose_name="objectif propre : part des heures d'insertion (%)"),
        ),
        migrations.AddField(
            model_name='buyerorganisation',
            name='charter_value_target',
            field=models.DecimalField(blank=True, decimal_places=1, help_text="Laisser vide pour l'objectif de la charte : 25 %.", max_digits=4, null=True, verbose_name='objectif propre : part ESS/TPE/PME des montants (%)'),
        ),
        migrations.AddConstraint(
            model_name='buyerorganisation',
            constraint=models.CheckConstraint(condition=models.Q(('charter_value_target__gt', 0), ('charter_value_target__lte', 100), ('charter_hours_target__gt', 0), ('charter_hours_target__lte', 100)), name='buyer_charter_targets_percent', violation_error_message='Un objectif est un pourcentage supérieur à 0 et au plus égal à 100.'),
        ),
    ]
