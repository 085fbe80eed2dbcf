"""Rows sent (or failed) before the outbox knew about secrets: mark those holding a personal link as sensitive and
replace their body and headers by the masked form (outbox/redaction.py), in chunks. Queued rows are left to the
worker, which does the same once they have left."""

from django.db import migrations
from django.utils import timezone

CHUNK = 500


def forget(apps, schema_editor):
    from outbox.redaction import contains_secret, redact, redact_headers

    OutboxEmail = apps.get_model("outbox", "OutboxEmail")
    last_pk = 0
    now = timezone.now()
    while True:
        rows = list(
            OutboxEmail.objects.exclude(status="queued")
            .filter(pk__gt=last_pk, secrets_removed_at__isnull=True, body_purged_at__isnull=True)
            .order_by("pk")[:CHUNK]
        )
        if not rows:
            break
        last_pk = rows[-1].pk
        changed = []
        for row in rows:
            headers = {name: str(value) for name, value in (row.headers or {}).items()}
            if not contains_secret(row.body_text, row.body_html, *headers.values()):
                continue
            row.body_text = redact(row.body_text)
            row.body_html = redact(row.body_html)
            row.headers = redact_headers(headers)
            row.sensitive = True
            row.secrets_removed_at = now
            changed.append(row)
        OutboxEmail.objects.bulk_update(
            changed, ["body_text", "body_html", "headers", "sensitive", "secrets_removed_at"], batch_size=CHUNK
        )


class Migration(migrations.Migration):
    dependencies = [("outbox", "0004_secrets_and_retention")]

    operations = [migrations.RunPython(forget, migrations.RunPython.noop)]
