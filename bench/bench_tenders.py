"""The tender list at 20,000 tenders: page server time, query count, SQL time of the main query, and their ratio.

Figures, each beside its reference measured in the same run:
- `tenders.list.server_ms` — GET /appels-d-offres/?topic=<déchets>&q=compostage (topic filter + French full-text
  search, ranked, open tenders), median; beside `tenders.list.unfiltered_server_ms` (the default list: open
  tenders by closest deadline);
- `tenders.list.queries` — SQL queries of that page (constant whatever the page size);
- `tenders.list.sql_ms` — the page's main query alone (20 rows, ranked, with the reserved-lot EXISTS), beside
  `tenders.list.count_sql_ms` (its COUNT, the paginator's other query) and `tenders.list.sql_no_index_ms` (the
  same main query with bitmap scans off, i.e. without the GIN index);
- `tenders.list.sql_ratio` — sql_ms / server_ms: the share of the page's time spent in its main query;
- `tenders.list.uses_gin_index` — 1 when EXPLAIN shows the GIN index `tender_search_idx` in the plan;
- `tenders.feed.server_ms` / `tenders.ocds.server_ms` — the Atom feed with the same filters (50 entries) and one
  OCDS page (500 releases with lots and documents), with their query counts.

The 20,000 tenders are created once (bulk inserts) and reused by later runs (slugs "bench-t1-…").
"""

import datetime
import random
import time

from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.utils import timezone

from bench.common import count_queries, figure, timer

TOTAL = 20_000
# Bump the version when the generated data changes: older bench tenders are deleted and recreated.
SLUG_PREFIX = "bench-t1-"
WASTE = "gestion-et-valorisation-des-dechets"
SEARCH = "compostage"
LIST_URL = f"/appels-d-offres/?topic={WASTE}&q={SEARCH}"

TITLES = [
    "Collecte des déchets",
    "Restauration des équipes",
    "Nettoyage des sites",
    "Accueil du public",
    "Transport de matériel",
    "Entretien des espaces verts",
    "Fourniture de textiles",
    "Conciergerie",
    "Signalétique accessible",
    "Réemploi du mobilier",
    "Blanchisserie",
    "Animation des fan-zones",
]
PLACES = ["du village des athlètes", "du Stade de France", "du centre aquatique", "de la Concorde", "des Invalides"]
SENTENCES = [
    "Le titulaire intervient sur plusieurs sites, de jour comme de nuit.",
    "Une clause sociale réserve des heures aux personnes en insertion.",
    "Les offres en groupement sont bienvenues.",
    "Les prestations commencent trois mois avant les épreuves.",
    "Le marché comprend la remise en état après les Jeux.",
    "Les produits sont locaux et de saison.",
    "Le matériel est fourni par l'acheteur.",
    "Le titulaire forme ses équipes à l'accueil des personnes handicapées.",
]
# A share of the descriptions talk about composting, in several spellings.
COMPOST_SENTENCES = [
    "Compostage des biodéchets sur place.",
    "Le compostage des restes de repas est inclus.",
    "Composteurs et bacs de tri fournis.",
]
COMPOST_SHARE = 0.1
BUYERS = [
    ("bench-cojo", "Mesure — Comité d'organisation", "cojo"),
    ("bench-solideo", "Mesure — SOLIDEO", "solideo"),
    ("bench-ville", "Mesure — Ville", "city"),
    ("bench-93", "Mesure — Département", "department"),
    ("bench-mgp", "Mesure — Métropole", "public_body"),
    ("bench-bailleur", "Mesure — Bailleur social", "public_body"),
    ("bench-transport", "Mesure — Transports", "public_body"),
    ("bench-major", "Mesure — Titulaire principal", "prime_contractor"),
]


def _ensure_tenders() -> int:
    """Create the 20,000 bench tenders once (with topics, places, lots); return how many exist."""
    from structures.models import Area, ReservedMarket, Topic
    from tenders.models import BuyerOrganisation, Lot, Procedure, Tender, TenderStatus

    Tender.objects.filter(slug__startswith="bench-t").exclude(slug__startswith=SLUG_PREFIX).delete()
    existing = Tender.objects.filter(slug__startswith=SLUG_PREFIX).count()
    if existing == TOTAL:
        return existing
    rng = random.Random(2024)
    buyers = [
        BuyerOrganisation.objects.get_or_create(slug=slug, defaults={"name": name, "kind": kind})[0]
        for slug, name, kind in BUYERS
    ]
    topics = list(Topic.objects.values_list("pk", flat=True))
    areas = list(Area.objects.values_list("pk", flat=True))
    reserved = [ReservedMarket.NONE] * 6 + [ReservedMarket.L2113_12, ReservedMarket.L2113_13, ReservedMarket.L2113_15]
    statuses = [TenderStatus.PUBLISHED] * 6 + [TenderStatus.CLOSED, TenderStatus.AWARDED, TenderStatus.CANCELLED]
    now = timezone.now()
    started = time.perf_counter()
    print(f"  création de {TOTAL} appels d'offres de mesure…", flush=True)
    with transaction.atomic():
        Tender.objects.filter(slug__startswith=SLUG_PREFIX).delete()
        for start in range(0, TOTAL, 2000):
            batch = []
            for number in range(start, min(start + 2000, TOTAL)):
                status = rng.choice(statuses)
                published = now - datetime.timedelta(days=rng.randint(1, 200))
                if status == TenderStatus.PUBLISHED:
                    deadline = now + datetime.timedelta(days=rng.randint(-5, 90), hours=rng.randint(0, 23))
                else:
                    deadline = published + datetime.timedelta(days=rng.randint(10, 40))
                batch.append(
                    Tender(
                        buyer=rng.choice(buyers),
                        reference=f"BENCH-{number:06d}",
                        title=f"{rng.choice(TITLES)} {rng.choice(PLACES)}",
                        slug=f"{SLUG_PREFIX}{number}",
                        description=" ".join(
                            rng.sample(SENTENCES, 3)
                            + ([rng.choice(COMPOST_SENTENCES)] if rng.random() < COMPOST_SHARE else [])
                        ),
                        estimated_value=rng.choice([None, 20_000, 90_000, 250_000, 800_000, 3_000_000]),
                        procedure=rng.choice(Procedure.values),
                        status=status,
                        published_at=published,
                        bid_deadline=deadline,
                        status_changed_at=published,
                    )
                )
            created = Tender.objects.bulk_create(batch)
            Tender.topics.through.objects.bulk_create(
                [Tender.topics.through(tender_id=t.pk, topic_id=p) for t in created for p in rng.sample(topics, 2)],
                batch_size=10_000,
            )
            Tender.places.through.objects.bulk_create(
                [Tender.places.through(tender_id=t.pk, area_id=rng.choice(areas)) for t in created],
                batch_size=10_000,
            )
            Lot.objects.bulk_create(
                [
                    Lot(
                        tender_id=t.pk,
                        number=n,
                        title=f"Lot {n}",
                        topic_id=rng.choice(topics),
                        estimated_value=50_000,
                        reserved=rng.choice(reserved),
                    )
                    for t in created
                    for n in range(1, rng.randint(0, 3) + 1)
                ],
                batch_size=10_000,
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE tenders_tender, tenders_tender_topics, tenders_tender_places, tenders_lot")
    print(f"  … en {time.perf_counter() - started:.1f} s", flush=True)
    return Tender.objects.filter(slug__startswith=SLUG_PREFIX).count()


def _main_queryset():
    """The list page's queryset for the measured URL, built exactly as the view builds it."""
    from tenders.filters import TenderFilter
    from tenders.views import PAGE_SIZE, list_queryset

    data = QueryDict(mutable=True)
    data.update({"topic": WASTE, "q": SEARCH})
    queryset = TenderFilter(data, queryset=list_queryset(), request=None).qs
    return queryset, queryset[:PAGE_SIZE]


def _sql_ms(sql_and_params) -> float:
    sql, params = sql_and_params

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return timer(run, repeat=15)


def run() -> list[dict]:
    count = _ensure_tenders()
    queryset, page = _main_queryset()
    found = queryset.count()
    print(f"  {count} appels d'offres de mesure ; {found} trouvés pour « {SEARCH} » + thématique déchets", flush=True)

    client = Client()

    def get(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            return response

        return fetch

    _response, queries = count_queries(get(LIST_URL))
    server_ms = timer(get(LIST_URL), repeat=15)
    unfiltered_ms = timer(get("/appels-d-offres/"), repeat=15)

    page_sql = page.query.sql_with_params()
    main_ms = _sql_ms(page_sql)
    count_ms = timer(lambda: queryset.count(), repeat=15)
    plan = page.explain(analyze=True)
    uses_gin = "tender_search_idx" in plan
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        no_index_ms = _sql_ms(page_sql)
    print("  plan de la requête principale :\n    " + plan.replace("\n", "\n    "), flush=True)

    feed_url = f"/appels-d-offres/flux.atom?topic={WASTE}&q={SEARCH}"
    _response, feed_queries = count_queries(get(feed_url))
    feed_ms = timer(get(feed_url), repeat=10)
    _response, ocds_queries = count_queries(get("/appels-d-offres/ocds.json"))
    ocds_ms = timer(get("/appels-d-offres/ocds.json"), repeat=5, warmup=1)

    return [
        figure("tenders.list.server_ms", server_ms, "ms"),
        figure("tenders.list.unfiltered_server_ms", unfiltered_ms, "ms"),
        figure("tenders.list.queries", queries, "queries"),
        figure("tenders.list.results", found, "tenders"),
        figure("tenders.list.sql_ms", main_ms, "ms"),
        figure("tenders.list.count_sql_ms", count_ms, "ms"),
        figure("tenders.list.sql_no_index_ms", no_index_ms, "ms"),
        figure("tenders.list.sql_ratio", main_ms / server_ms if server_ms else 0.0, "ratio"),
        figure("tenders.list.uses_gin_index", int(uses_gin), "bool"),
        figure("tenders.feed.server_ms", feed_ms, "ms"),
        figure("tenders.feed.queries", feed_queries, "queries"),
        figure("tenders.ocds.server_ms", ocds_ms, "ms"),
        figure("tenders.ocds.queries", ocds_queries, "queries"),
    ]
