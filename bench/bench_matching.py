"""Matching: the time of `structures_matching(tender)` over 50,000 structures (the full queryset evaluated).

Beside it, in the same run: the same tender's structures fetched by a plain topic filter (no area, reservation or
standing rule, no score) — what a naive query costs on this machine — and the number of rows both return; the
query's plan (EXPLAIN ANALYZE, BUFFERS, printed) and its execution time in the database; and the time of the read
the publication's dispatch does (`.values(...)` of the match fields, no model instances).

The structures (slug `bench-match-N`) are created once, deterministically (`random.Random(2024)`): 1–3 of the 18
topics, 1–2 areas (arrondissements, departments, sometimes all of France), every legal form, turnover band and
status. The table is topped up to STRUCTURES rows in all (other benchmarks may have added theirs).
"""

from __future__ import annotations

import random

from bench.common import figure, timer

STRUCTURES = 50_000
SIRET_OFFSET = 7_000_000  # away from the seeds tests, demo data and other benchmarks use
BATCH = 2_000


def ensure_structures(total: int = STRUCTURES) -> int:
    """Top the structures table up to `total` rows with deterministic bench structures. Returns the count."""
    from django.db import transaction

    from structures.models import Area, LegalForm, Structure, Topic, Turnover, VerificationStatus
    from structures.validators import make_siret

    existing = Structure.objects.count()
    missing = total - existing
    if missing <= 0:
        return existing
    rng = random.Random(2024)
    topics = list(Topic.objects.filter(is_active=True).values_list("pk", flat=True))
    areas = list(Area.objects.values_list("pk", "kind"))
    arrondissements = [pk for pk, kind in areas if kind == "arrondissement"]
    departments = [pk for pk, kind in areas if kind == "department"]
    france = [pk for pk, kind in areas if kind == "national"]
    forms = [choice.value for choice in LegalForm]
    turnovers = ["", *[choice.value for choice in Turnover]]
    statuses = [VerificationStatus.PENDING, VerificationStatus.VERIFIED, VerificationStatus.VERIFIED]
    start = Structure.objects.filter(slug__startswith="bench-match-").count()
    for offset in range(0, missing, BATCH):
        numbers = range(start + offset, start + min(offset + BATCH, missing))
        with transaction.atomic():
            rows = Structure.objects.bulk_create(
                Structure(
                    name=f"Structure de mesure {n}",
                    slug=f"bench-match-{n}",
                    siret=make_siret(SIRET_OFFSET + n),
                    legal_form=rng.choice(forms),
                    esus_accredited=rng.random() < 0.05,
                    turnover=rng.choice(turnovers),
                    insertion_hours_per_year=rng.choice([None, None, 500, 2_000, 20_000]),
                    verification_status=rng.choice(statuses),
                    matching_opt_out=rng.random() < 0.02,
                )
                for n in numbers
            )
            topic_links, area_links = [], []
            for structure in rows:
                for topic_id in rng.sample(topics, rng.randint(1, 3)):
                    topic_links.append(Structure.topics.through(structure_id=structure.pk, topic_id=topic_id))
                draw = rng.random()
                chosen = (
                    rng.sample(arrondissements, rng.randint(1, 2))
                    if draw < 0.55
                    else rng.sample(departments, rng.randint(1, 2))
                    if draw < 0.9
                    else france
                )
                for area_id in chosen:
                    area_links.append(Structure.areas.through(structure_id=structure.pk, area_id=area_id))
            Structure.topics.through.objects.bulk_create(topic_links, batch_size=5_000)
            Structure.areas.through.objects.bulk_create(area_links, batch_size=5_000)
    analyze()
    return Structure.objects.count()


def analyze() -> None:
    """What autovacuum does on a live database, now, after bulk inserts: fresh planner statistics, and the
    visibility map that lets the matching read the M2M tables by index-only scans."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("structures_structure", "structures_structure_topics", "structures_structure_areas"):
            cursor.execute(f"VACUUM (ANALYZE) {table}")  # outside a transaction: the bench runs in autocommit
        cursor.execute("ANALYZE")


def bench_tender():
    """A published tender in Paris 11e over two topics, with an unreserved lot and a lot reserved to SIAE."""
    import datetime

    from django.utils import timezone

    from structures.models import Area, Topic
    from tenders.models import BuyerOrganisation, Lot, Tender

    buyer, _ = BuyerOrganisation.objects.get_or_create(
        slug="bench-matching", defaults={"name": "Acheteur de mesure (matching)", "kind": "public_body"}
    )
    tender, created = Tender.objects.update_or_create(
        buyer=buyer,
        reference="BENCH-MATCH-1",
        defaults={
            "title": "Restauration et nettoyage du village",
            "slug": "bench-match-1",
            "description": "Repas et nettoyage.",
            "status": "published",
            "published_at": timezone.now(),
            "bid_deadline": timezone.now() + datetime.timedelta(days=30),
            "estimated_value": 400_000,
        },
    )
    if created:
        catering = Topic.objects.get(slug="restauration-durable")
        cleaning = Topic.objects.get(slug="nettoyage-et-proprete")
        tender.topics.set([catering, cleaning])
        tender.places.set([Area.objects.get(code="75111")])
        Lot.objects.create(tender=tender, number=1, title="Repas", topic=catering, estimated_value=150_000)
        Lot.objects.create(
            tender=tender,
            number=2,
            title="Nettoyage",
            topic=cleaning,
            estimated_value=90_000,
            reserved="L2113-13",
            insertion_hours=1_500,
        )
    return tender


def explain(queryset) -> float:
    """Print the query's EXPLAIN (ANALYZE, BUFFERS) plan; return its execution time in milliseconds."""
    from django.db import connection

    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params)
        plan = [line for (line,) in cursor.fetchall()]
    print("Plan de la requête du matching (EXPLAIN ANALYZE, BUFFERS) :")
    print("\n".join(f"  {line}" for line in plan))
    return next(float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time"))


def run() -> list[dict]:
    from matching.services import MATCH_FIELDS, structures_matching
    from structures.models import Structure

    count = ensure_structures()
    tender = bench_tender()
    topic_ids = list(tender.topics.values_list("pk", flat=True))

    sql_ms = explain(structures_matching(tender))
    rows = len(list(structures_matching(tender)))
    naive_rows = len(list(Structure.objects.filter(topics__in=topic_ids).distinct().defer("search_vector")))
    matching_ms = timer(lambda: list(structures_matching(tender)), repeat=9, warmup=2)
    # What the publication's dispatch reads (matching/delivery.py): the values, not model instances.
    values_ms = timer(
        lambda: list(structures_matching(tender).values("pk", "turnover", *MATCH_FIELDS)), repeat=9, warmup=2
    )
    naive_ms = timer(
        lambda: list(Structure.objects.filter(topics__in=topic_ids).distinct().defer("search_vector")),
        repeat=9,
        warmup=2,
    )
    return [
        figure("matching.50k.ms", matching_ms, "ms"),
        figure("matching.50k.rows", rows, "rows"),
        figure("matching.50k.values_ms", values_ms, "ms"),
        figure("matching.50k.sql_ms", sql_ms, "ms"),
        figure("matching.50k.topic_filter_ms", naive_ms, "ms"),
        figure("matching.50k.topic_filter_rows", naive_rows, "rows"),
        figure("matching.structures", count, "structures"),
    ]
