"""Covering indexes for the matching query (issue 13) on the structures' M2M through tables.

`TenderSide.queryset` joins `structures_structure_topics` filtered by topic and `structures_structure_areas` filtered
by area, and needs only `structure_id` from each: with (topic_id, structure_id) and (area_id, structure_id) both
ranges are read from the index alone (an index-only scan once the table is vacuumed) instead of visiting ~1,100 heap
pages for 50,000 structures. The indexes live on the structures app's tables but exist for the matching, so they are
created here (RawSQL with its reverse), never in the structures app's migrations.
"""

from django.db import migrations

TOPICS_INDEX = "matching_structure_topics_topic_structure_idx"
AREAS_INDEX = "matching_structure_areas_area_structure_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0002_alter_notification_skip_reason"),
        # The through tables' last change (the reference data's English names come after their creation).
        ("structures", "0011_reference_data_english_names"),
    ]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {TOPICS_INDEX} ON structures_structure_topics (topic_id, structure_id)",
            reverse_sql=f"DROP INDEX IF EXISTS {TOPICS_INDEX}",
        ),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {AREAS_INDEX} ON structures_structure_areas (area_id, structure_id)",
            reverse_sql=f"DROP INDEX IF EXISTS {AREAS_INDEX}",
        ),
    ]
