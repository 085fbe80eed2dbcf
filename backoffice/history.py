"""Reading the history of decisions (django-simple-history rows) as before/after lines that people can read.

`entries(records)` turns historical rows (newest first) into
    {"record", "date", "author", "action", "changes": [{"field", "old", "new"}]}
with field labels (verbose names), choice labels, "Oui"/"Non" and Europe/Paris dates: never raw codes.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetups.models import Meetup
from structures.models import Structure
from tenders.models import Award, Tender

# /espace/equipe/historique/<kind>/<pk>/: the objects whose history staff may read, by their French name in the URL.
KINDS: dict[str, type[models.Model]] = {
    "structure": Structure,
    "appel-d-offres": Tender,
    "attribution": Award,
    "rencontre": Meetup,
}
# Fields whose model gives no French label (the structures app's verified_by has no verbose_name).
FIELD_LABELS = {"verified_by": gettext_lazy("vérifiée par")}
ACTIONS = {
    "+": gettext_lazy("Création"),
    "~": gettext_lazy("Modification"),
    "-": gettext_lazy("Suppression"),
}


def kind_of(model: type[models.Model]) -> str:
    return next(kind for kind, candidate in KINDS.items() if candidate is model)


def _display(field: models.Field, value, users: dict) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(field, models.BooleanField):
        return _("Oui") if value else _("Non")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.ForeignKey):
        if field.related_model is get_user_model():
            return str(users.get(value, f"#{value}"))
        return f"#{value}"
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value, "DATE_FORMAT")
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "—"
    text = str(value)
    return text if len(text) <= 300 else text[:300] + "…"


def entries(records: Iterable) -> list[dict]:
    """`records`: historical rows of one or several objects, newest first (each compared with its predecessor)."""
    records = list(records)
    if not records:
        return []
    model = records[0].instance_type
    # Each object's row before the oldest one listed (the list may be a page): two queries for all the objects.
    by_object: dict = {}
    for record in records:
        by_object.setdefault(record.id, []).append(record)
    history_model = type(records[0])
    oldest = {pk: rows[-1] for pk, rows in by_object.items()}
    previous_of_oldest = {}
    wanted = [row.history_id for row in oldest.values() if row.history_type != "+"]
    if wanted:
        previous = (
            history_model.objects.filter(id=OuterRef("id"), history_date__lt=OuterRef("history_date"))
            .order_by("-history_date")
            .values("history_id")[:1]
        )
        pairs = list(
            history_model.objects.filter(history_id__in=wanted)
            .annotate(previous_id=Subquery(previous))
            .values_list("id", "previous_id")
        )
        rows = history_model.objects.in_bulk([previous_id for _pk, previous_id in pairs if previous_id])
        previous_of_oldest = {pk: rows.get(previous_id) for pk, previous_id in pairs}
    diffs = []
    user_ids = set()
    for pk, rows in by_object.items():
        chain = [*rows, previous_of_oldest.get(pk)]
        for current, previous in zip(chain, chain[1:], strict=False):
            changes = current.diff_against(previous).changes if previous is not None else []
            diffs.append((current, changes))
            user_ids.add(current.history_user_id)
            for change in changes:
                field = model._meta.get_field(change.field)
                if isinstance(field, models.ForeignKey) and field.related_model is get_user_model():
                    user_ids.update([change.old, change.new])
    user_ids.discard(None)
    users = {user.pk: user for user in get_user_model().objects.filter(pk__in=user_ids)} if user_ids else {}
    # One label per object (its __str__ may read related rows), not one per entry.
    labels = {
        pk: next((str(row.instance) for row in rows if row.history_type != "-"), "") for pk, rows in by_object.items()
    }
    result = []
    for record, changes in diffs:
        lines = []
        for change in changes:
            field = model._meta.get_field(change.field)
            lines.append(
                {
                    "field": str(FIELD_LABELS.get(field.name, field.verbose_name)).capitalize(),
                    "old": _display(field, change.old, users),
                    "new": _display(field, change.new, users),
                }
            )
        result.append(
            {
                "record": record,
                "date": record.history_date,
                "author": users.get(record.history_user_id),
                "action": ACTIONS.get(record.history_type, record.history_type),
                "changes": lines,
                "object_label": labels[record.id] if record.history_type != "-" else "",
            }
        )
    result.sort(key=lambda entry: entry["date"], reverse=True)
    return result
