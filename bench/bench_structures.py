"""The structures directory at 50,000 structures: page server time, query count, SQL time of the main query, and the
CSV export's peak memory.

Figures, each beside its reference measured in the same run:
- `structures.directory.server_ms` — GET /structures/?topics=<slug>&q=déchets (topic filter + French full-text
  search, ranked), median; beside `structures.directory.unfiltered_server_ms` (the plain list);
- `structures.directory.queries` — SQL queries of that page (constant whatever the page size);
- `structures.directory.sql_ms` — the page's main query alone (LIMIT 20 rows, ranked), and its COUNT, beside
  `structures.directory.sql_no_index_ms` (the same query with bitmap scans turned off, i.e. without the GIN index);
- `structures.directory.uses_gin_index` — 1 when EXPLAIN shows the GIN index `structure_search_idx` in the plan;
- `structures.export.50k.peak_mb` — Python peak memory (tracemalloc) while streaming the CSV of every listed
  structure, beside `structures.export.50k.rows` and `structures.export.50k.naive_peak_mb` (the same rows built
  as one string in memory, what a non-streamed export would hold).

The 50,000 structures are created once (bulk inserts) and reused by later runs (slugs "bench-…").
"""

import random
import time
import tracemalloc

from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client

from bench.common import count_queries, figure, timer

TOTAL = 50_000
# Bump the version when the generated data changes: older bench structures are deleted and recreated.
SLUG_PREFIX = "bench-v2-"
WASTE_SHARE = 0.08  # share of descriptions that talk about waste
SIRET_SEED = 7_000_000
WASTE = "gestion-et-valorisation-des-dechets"
DIRECTORY_URL = f"/structures/?topics={WASTE}&q=d%C3%A9chets"

NAMES = [
    "Recyclerie",
    "Ressourcerie",
    "Atelier",
    "Coopérative",
    "Jardins",
    "Cuisine",
    "Les Ateliers",
    "Régie de quartier",
    "Entreprise",
    "Chantier",
    "Collectif",
    "Maison",
]
PLACES = [
    "du Canal",
    "de Saint-Denis",
    "de Montreuil",
    "des Lilas",
    "de Belleville",
    "d'Aubervilliers",
    "de la Villette",
    "du Val",
    "de Bondy",
    "d'Ivry",
    "de Pantin",
    "solidaire",
]
SENTENCES = [
    "Traiteur bio et de saison pour les événements.",
    "Entretien des espaces verts et agriculture urbaine.",
    "Nettoyage de bureaux et de sites sportifs.",
    "Accueil du public, billetterie et sécurité.",
    "Transport et logistique du dernier kilomètre à vélo.",
    "Conception de supports de communication et de vidéos.",
    "Réparation et réemploi de mobilier.",
    "Hébergement temporaire et conciergerie.",
    "Formation et accompagnement vers l'emploi.",
    "Blanchisserie et entretien du linge.",
    "Fabrication de textiles et de goodies en matières recyclées.",
    "Installation de panneaux solaires.",
    "Aménagement accessible des tribunes et des circulations.",
    "Restauration collective avec des produits locaux.",
    "Animation d'ateliers pour les familles et les scolaires.",
]
# Every spelling the search must understand; WASTE_SHARE of the descriptions get one of them.
WASTE_SENTENCES = [
    "Collecte et valorisation des déchets de chantier.",
    "Tri des Déchets ménagers et compostage.",
    "Chaque déchet est trié et réemployé.",
]
REFERENCES = ["Ville de Paris, 2023.", "SOLIDEO, 2022.", "Département de la Seine-Saint-Denis.", "", ""]


def _ensure_structures() -> int:
    """Create the 50,000 bench structures once; return how many exist."""
    from structures.models import Area, Headcount, LegalForm, Structure, Topic, VerificationStatus
    from structures.validators import make_siret

    Structure.objects.filter(slug__startswith="bench-").exclude(slug__startswith=SLUG_PREFIX).delete()
    existing = Structure.objects.filter(slug__startswith=SLUG_PREFIX).count()
    if existing == TOTAL:
        return existing
    rng = random.Random(2024)
    topics = list(Topic.objects.values_list("pk", flat=True))
    areas = list(Area.objects.values_list("pk", flat=True))
    forms = [form for form in LegalForm.values if form != LegalForm.OTHER]
    started = time.perf_counter()
    print(f"  création de {TOTAL} structures de mesure…", flush=True)
    with transaction.atomic():
        Structure.objects.filter(slug__startswith=SLUG_PREFIX).delete()
        for start in range(0, TOTAL, 5000):
            batch = []
            for number in range(start, min(start + 5000, TOTAL)):
                status = rng.choices(
                    [VerificationStatus.VERIFIED, VerificationStatus.PENDING, VerificationStatus.REJECTED],
                    weights=[40, 58, 2],
                )[0]
                batch.append(
                    Structure(
                        name=f"{rng.choice(NAMES)} {rng.choice(PLACES)} {number}",
                        slug=f"{SLUG_PREFIX}{number}",
                        siret=make_siret(SIRET_SEED + number),
                        legal_form=rng.choice(forms),
                        description=" ".join(
                            rng.sample(SENTENCES, 2)
                            + ([rng.choice(WASTE_SENTENCES)] if rng.random() < WASTE_SHARE else [])
                        ),
                        references=rng.choice(REFERENCES),
                        headcount=rng.choice(Headcount.values),
                        postcode="93200",
                        city="Saint-Denis",
                        contact_name="Contact de mesure",
                        contact_email=f"contact{number}@bench.example.org",
                        verification_status=status,
                        rejection_reason="Mesure" if status == VerificationStatus.REJECTED else "",
                    )
                )
            created = Structure.objects.bulk_create(batch)
            topic_links = [
                Structure.topics.through(structure_id=s.pk, topic_id=t)
                for s in created
                for t in rng.sample(topics, rng.randint(1, 3))
            ]
            area_links = [
                Structure.areas.through(structure_id=s.pk, area_id=a)
                for s in created
                for a in rng.sample(areas, rng.randint(1, 2))
            ]
            Structure.topics.through.objects.bulk_create(topic_links, batch_size=10_000)
            Structure.areas.through.objects.bulk_create(area_links, batch_size=10_000)
    # Outside any transaction: VACUUM drops the index entries of deleted rows (an older bench data set).
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE structures_structure, structures_structure_topics, structures_structure_areas")
    print(f"  … en {time.perf_counter() - started:.1f} s", flush=True)
    return Structure.objects.filter(slug__startswith=SLUG_PREFIX).count()


def _buyer():
    from accounts.models import User
    from tenders.models import BuyerMembership, BuyerOrganisation

    organisation, _ = BuyerOrganisation.objects.get_or_create(
        slug="bench-acheteur", defaults={"name": "Acheteur de mesure", "kind": BuyerOrganisation.Kind.PUBLIC_BODY}
    )
    user, _ = User.objects.get_or_create(email="acheteur@bench.example.org")
    BuyerMembership.objects.get_or_create(user=user, defaults={"organisation": organisation})
    return user


def _main_queryset():
    from structures.filters import directory_queryset
    from structures.views import _directory_page_queryset

    data = QueryDict(mutable=True)
    data.update({"topics": WASTE, "q": "déchets"})
    _filterset, _display, _sort, queryset = directory_queryset(data)
    return queryset, _directory_page_queryset(queryset)


def _sql_ms(sql_and_params) -> float:
    sql, params = sql_and_params

    def run():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            cursor.fetchall()

    return timer(run, repeat=15)


def _stream_peak(client, url: str) -> tuple[float, int, int]:
    """Peak traced memory (MB), CSV rows and bytes while streaming `url` chunk by chunk."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    size = lines = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    response.close()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 2**20, lines - 1, size


def _naive_peak() -> float:
    """Peak memory of the same export built as one string (every row formatted and kept in memory)."""
    import csv
    import io

    from structures import exports
    from structures.models import Structure

    tracemalloc.start()
    tracemalloc.reset_peak()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    rows = list(exports.iter_rows(Structure.objects.listed().order_by("name")))
    writer.writerows(rows)
    body = buffer.getvalue().encode("utf-8")
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del body, rows
    return peak / 2**20


def run() -> list[dict]:
    from structures.models import Structure

    count = _ensure_structures()
    listed = Structure.objects.listed().count()
    print(f"  {count} structures de mesure ({listed} dans l'annuaire)", flush=True)

    client = Client()

    def directory():
        response = client.get(DIRECTORY_URL)
        assert response.status_code == 200, response.status_code
        return response

    def unfiltered():
        response = client.get("/structures/")
        assert response.status_code == 200, response.status_code

    _response, queries = count_queries(directory)
    server_ms = timer(directory, repeat=15)
    unfiltered_ms = timer(unfiltered, repeat=15)

    queryset, page_queryset = _main_queryset()
    page_sql = page_queryset[:20].query.sql_with_params()
    main_ms = _sql_ms(page_sql)
    count_ms = timer(lambda: queryset.count(), repeat=15)
    found = queryset.count()
    plan = page_queryset[:20].explain(analyze=True)
    uses_gin = "structure_search_idx" in plan
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        no_index_ms = _sql_ms(page_sql)
    print(f"  {found} structures trouvées pour « déchets » + thématique déchets ; plan de la requête principale :")
    print("    " + plan.replace("\n", "\n    "), flush=True)

    client.force_login(_buyer())
    peak_mb, rows, size = _stream_peak(client, "/structures/export.csv")
    naive_mb = _naive_peak()
    print(f"  export : {rows} lignes, {size / 2**20:.1f} Mo", flush=True)

    return [
        figure("structures.directory.server_ms", server_ms, "ms"),
        figure("structures.directory.unfiltered_server_ms", unfiltered_ms, "ms"),
        figure("structures.directory.queries", queries, "queries"),
        figure("structures.directory.results", found, "structures"),
        figure("structures.directory.sql_ms", main_ms, "ms"),
        figure("structures.directory.count_sql_ms", count_ms, "ms"),
        figure("structures.directory.sql_no_index_ms", no_index_ms, "ms"),
        figure("structures.directory.uses_gin_index", int(uses_gin), "bool"),
        figure("structures.export.50k.peak_mb", peak_mb, "MB"),
        figure("structures.export.50k.rows", rows, "rows"),
        figure("structures.export.50k.naive_peak_mb", naive_mb, "MB"),
    ]
