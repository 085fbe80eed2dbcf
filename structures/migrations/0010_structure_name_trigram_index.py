# Written by hand: a trigram index Django's models do not declare (pg_trgm is created by 0001).

from django.db import migrations


class Migration(migrations.Migration):
    """The directory's search matches names close to the text by trigrams (`name %> text`, structures.search):
    this GIN index keeps that match an index scan on a large directory."""

    dependencies = [
        ("structures", "0009_category_from_the_one_rule"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS structure_name_trgm_idx ON structures_structure "
                "USING gin (name gin_trgm_ops);"
            ),
            reverse_sql="DROP INDEX IF EXISTS structure_name_trgm_idx;",
        ),
    ]
