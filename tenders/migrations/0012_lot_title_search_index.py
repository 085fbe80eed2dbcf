# Written by hand: an expression index Django's models do not declare.

from django.db import migrations


class Migration(migrations.Migration):
    """The tender list's search finds a tender by a lot's title (tenders.filters.tender_search): this GIN index on
    the lot title's French vector keeps that an index scan. The expression is the one Django writes for
    `SearchVector("title", config="fr_unaccent")`, so that PostgreSQL uses the index."""

    dependencies = [
        ("tenders", "0011_tender_title_trigram_index"),
    ]

    operations = [
        migrations.RunSQL(
            sql=(
                "CREATE INDEX IF NOT EXISTS lot_title_search_idx ON tenders_lot USING gin "
                "(to_tsvector('fr_unaccent'::regconfig, (COALESCE(title, ''::character varying))::text));"
            ),
            reverse_sql="DROP INDEX IF EXISTS lot_title_search_idx;",
        ),
    ]
