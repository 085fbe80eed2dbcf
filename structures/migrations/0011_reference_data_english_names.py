# English names of the reference data (issue 15, item 3). The fill-in (RunPython) belongs to the
# English-names work; the schema is fixed here so that later structures migrations can depend on it.
from django.db import migrations, models


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
    ]
