"""Load the communes reference shipped with the repository (geo/data/communes.csv.gz, see geo/data/build_communes.py).

No network: the file is in the repository. A new yearly file comes with a new migration (its digest below would
no longer match here): loading updates rows in place and never deletes one that a site points to.
"""

import csv
import gzip
import hashlib
from pathlib import Path

from django.db import migrations
from django.utils.text import slugify

DATA = Path(__file__).resolve().parent.parent / "data" / "communes.csv.gz"
DATA_SHA256 = "ce77d8f4bdeb2d444bcec34ed77f61cb11f4a8a11f76754190e0613c32e729d0"
FIELDS = ["name", "name_key", "department", "region", "postcodes", "parent", "population", "latitude", "longitude"]


def name_key(name: str) -> str:
    """The lookup key of a name: geo.models.name_key (copied: a migration keeps its own code)."""
    return slugify(name.replace("'", " ").replace("\u2019", " "))[:80]


def read_communes():
    with gzip.open(DATA, "rt", encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield {
                "insee": row["insee"],
                "name": row["name"],
                "name_key": name_key(row["name"]),
                "department": row["department"],
                "region": row["region"],
                "postcodes": row["postcodes"],
                "parent": row["parent"],
                "population": int(row["population"] or 0),
                "latitude": float(row["latitude"]),
                "longitude": float(row["longitude"]),
            }


def load_communes(apps, schema_editor):
    digest = hashlib.sha256(DATA.read_bytes()).hexdigest()
    if digest != DATA_SHA256:
        raise RuntimeError(f"{DATA} changed (sha256 {digest}): load it from a new migration.")
    Commune = apps.get_model("geo", "Commune")
    rows = [Commune(**values) for values in read_communes()]
    Commune.objects.bulk_create(
        rows, batch_size=5000, update_conflicts=True, unique_fields=["insee"], update_fields=FIELDS
    )


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial")]

    operations = [migrations.RunPython(load_communes, migrations.RunPython.noop)]
