# Written by hand: a trigram index Django's models do not declare (pg_trgm is created by structures' 0001).

from django.db import migrations


class Migration(migrations.Migration):
    """The tender list's search matches titles close to the text by trigrams (`title %> text`, structures.search):
    this GIN index keeps that match an index scan on a long list."""

    dependencies = [
        ("structures", "0001_initial"),
        ("tenders", "0010_award_imports"),
    ]

    operations = [
        migrations.RunSQL(
            sql="CREATE INDEX IF NOT EXISTS tender_title_trgm_idx ON tenders_tender USING gin (title gin_trgm_ops);",
            reverse_sql="DROP INDEX IF EXISTS tender_title_trgm_idx;",
        ),
    ]
