"""Distance search in the directory: 50,000 structures with 120,000 sites, "within 20 km of Saint-Denis".

Figures, each beside its reference measured in the same run:
- `structures.distance_search.server_ms` — GET /structures/?pres_de=93066&rayon=20 (page of 20, count, map),
  median, each rendered anew (a query string the fragment cache has not seen); beside
  `structures.distance_search.plain_filter_server_ms` (the same page filtered by department 93, a plain join on
  the sites' communes), `structures.distance_search.unfiltered_server_ms` (the plain list) and
  `structures.distance_search.cached_server_ms` (the distance page served from the fragment cache);
- `structures.distance_search.queries` — SQL queries of that page rendered anew;
- `structures.distance_search.sql_ms` — the page's SQL alone (its COUNT plus its page of 20 and the map's sites),
  the figure the issue caps at 100 ms;
- three ways to find the structures within 20 km, each timed as the directory's two queries (the COUNT and the
  page of 20 by name), with the same result:
  `structures.distance_search.latlon_chord_sql_ms` — what the application does: a latitude/longitude box on the
  btree index `site_latlon_idx`, then the chord to the stored earthdistance point (`cube_distance`);
  `structures.distance_search.earth_box_gist_sql_ms` — earthdistance's `earth_box(...) @> point` on a GiST index
  (created in the bench database only), then the same chord;
  `structures.distance_search.latlon_haversine_sql_ms` — the same box, then the haversine formula in SQL (no
  extension at all);
- `structures.distance_search.count_hash_join` — 1 when EXPLAIN of the application's COUNT hashes the sites found
  (rather than probing the structures one by one, the plan the GiST index's estimates lead to);
- `structures.distance_search.matches` — structures found.

The structures are bench_structures' (created there once); their sites are created once too (120,000 rows, 70 % in
Île-de-France, the rest in large communes elsewhere), deterministic, reused by later runs.
"""

import itertools
import math
import random
import time

from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client

from bench.bench_structures import SLUG_PREFIX, _ensure_structures
from bench.common import count_queries, figure, timer

SITES = 120_000
SITE_LABEL = "bench-geo-v1"
CENTRE = "93066"  # Saint-Denis
RADIUS_KM = 20
PAGE_URL = f"/structures/?pres_de={CENTRE}&rayon={RADIUS_KM}"
PLAIN_URL = "/structures/?departement=93"
IDF_DEPARTMENTS = ["75", "77", "78", "91", "92", "93", "94", "95"]

# The directory's two queries (count, page by name) with the listed-structures condition; {near} is a method below.
COUNT_SQL = (
    "SELECT count(*) FROM structures_structure s WHERE s.archived_at IS NULL AND s.verification_status = 'verified' "
    "AND s.id IN (SELECT structure_id FROM geo_site WHERE {near})"
)
PAGE_SQL = (
    "SELECT s.id, s.name FROM structures_structure s WHERE s.archived_at IS NULL "
    "AND s.verification_status = 'verified' "
    "AND s.id IN (SELECT structure_id FROM geo_site WHERE {near}) ORDER BY s.name, s.id LIMIT 20"
)
BOX = "latitude BETWEEN %(lat0)s AND %(lat1)s AND longitude BETWEEN %(lon0)s AND %(lon1)s"
CHORD = "cube_distance(point, ll_to_earth(%(lat)s, %(lon)s)) <= %(chord)s"
HAVERSINE = """2 * 6378.168 * asin(sqrt(power(sin(radians(latitude - %(lat)s) / 2), 2)
    + cos(radians(%(lat)s)) * cos(radians(latitude)) * power(sin(radians(longitude - %(lon)s) / 2), 2))) <= %(km)s"""
METHODS = {
    "latlon_chord": f"{BOX} AND {CHORD}",
    "earth_box_gist": f"earth_box(ll_to_earth(%(lat)s, %(lon)s), %(m)s) @> point AND {CHORD}",
    "latlon_haversine": f"{BOX} AND {HAVERSINE}",
}


def _ensure_sites() -> int:
    from geo.models import Commune, Site
    from structures.models import Structure

    existing = Site.objects.filter(label=SITE_LABEL).count()
    if existing == SITES:
        return existing
    rng = random.Random(2024)
    structure_ids = list(
        Structure.objects.filter(slug__startswith=SLUG_PREFIX).order_by("pk").values_list("pk", flat=True)
    )
    columns = ("insee", "latitude", "longitude", "population")
    idf = list(Commune.objects.filter(department__in=IDF_DEPARTMENTS).values_list(*columns))
    france = list(
        Commune.objects.exclude(department__in=IDF_DEPARTMENTS).filter(population__gte=20_000).values_list(*columns)
    )
    idf_weights = [max(row[3], 1) for row in idf]
    france_weights = [row[3] for row in france]
    print(f"  création de {SITES} sites de mesure…", flush=True)
    started = time.perf_counter()
    # Each structure gets 2 sites, and a third for 40 % of them: 50,000 × 2.4 = 120,000.
    third = set(rng.sample(structure_ids, SITES - 2 * len(structure_ids)))
    rows = []
    for structure_id in structure_ids:
        for index in range(3 if structure_id in third else 2):
            insee, lat, lon, _pop = (
                rng.choices(idf, idf_weights)[0] if rng.random() < 0.7 else rng.choices(france, france_weights)[0]
            )
            distance, bearing = rng.uniform(0, 1500), rng.uniform(0, 2 * math.pi)
            rows.append(
                Site(
                    structure_id=structure_id,
                    label=SITE_LABEL,
                    commune_id=insee,
                    latitude=lat + distance * math.cos(bearing) / 111_320,
                    longitude=lon + distance * math.sin(bearing) / (111_320 * math.cos(math.radians(lat))),
                    is_main=index == 0,
                )
            )
    with transaction.atomic():
        Site.objects.filter(structure__slug__startswith="bench-").delete()
        Site.objects.bulk_create(rows, batch_size=10_000)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE geo_site")
    print(f"  … en {time.perf_counter() - started:.1f} s", flush=True)
    return Site.objects.filter(label=SITE_LABEL).count()


def _explain(sql: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def run() -> list[dict]:
    from geo.models import EARTH_RADIUS_M, Commune, chord_m

    _ensure_structures()
    sites = _ensure_sites()
    centre = Commune.objects.get(insee=CENTRE)
    client = Client()

    # The directory's results are cached fragments (ess2024.fragment_cache) keyed by the query string: a new `v`
    # parameter each time (ignored by the filters) measures the page as rendered, not as served from the cache.
    counter = itertools.count()

    def fresh(url):
        return lambda: client.get(f"{url}{'&' if '?' in url else '?'}v={next(counter)}")

    response = fresh(PAGE_URL)()
    assert response.status_code == 200, response.status_code
    assert b'id="carte-structures"' in response.content
    server_ms = timer(fresh(PAGE_URL), repeat=15)
    plain_ms = timer(fresh(PLAIN_URL), repeat=15)
    unfiltered_ms = timer(fresh("/structures/"), repeat=15)
    cached_ms = timer(lambda: client.get(PAGE_URL), repeat=15)
    _, queries = count_queries(fresh(PAGE_URL))

    # The page's SQL alone: the queries of a rendering that read the sites (count, page, distances, map).
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        fresh(PAGE_URL)()
    page_sql = [q["sql"] for q in captured.captured_queries if "geo_site" in q["sql"]]
    assert len(page_sql) >= 3, page_sql

    def run_page_sql():
        with connection.cursor() as cursor:
            for sql in page_sql:
                cursor.execute(sql)
                cursor.fetchall()

    sql_ms = timer(run_page_sql, repeat=15)

    from structures.filters import directory_queryset

    data = QueryDict(mutable=True)
    data.update({"pres_de": CENTRE, "rayon": str(RADIUS_KM)})
    _f, _d, _s, queryset = directory_queryset(data)
    matches = queryset.count()

    with connection.cursor() as cursor:
        # The GiST alternative's index, in the bench database only (the application does not create it).
        cursor.execute("CREATE INDEX IF NOT EXISTS bench_site_point_gist ON geo_site USING gist (point)")
    lat, lon = centre.latitude, centre.longitude
    dlat = math.degrees(RADIUS_KM * 1000 / EARTH_RADIUS_M)
    dlon = dlat / math.cos(math.radians(abs(lat) + dlat))
    params = {
        "lat": lat,
        "lon": lon,
        "lat0": lat - dlat,
        "lat1": lat + dlat,
        "lon0": lon - dlon,
        "lon1": lon + dlon,
        "chord": chord_m(RADIUS_KM * 1000),
        "m": RADIUS_KM * 1000.0,
        "km": RADIUS_KM,
    }
    method_ms, counts = {}, {}
    for name, near in METHODS.items():
        count_sql, page_sql_one = COUNT_SQL.format(near=near), PAGE_SQL.format(near=near)

        def both(count_sql=count_sql, page_sql_one=page_sql_one):
            with connection.cursor() as cursor:
                cursor.execute(count_sql, params)
                found = cursor.fetchone()[0]
                cursor.execute(page_sql_one, params)
                cursor.fetchall()
            return found

        counts[name] = both()
        method_ms[name] = timer(both, repeat=9)
        print(f"  EXPLAIN {name} (COUNT) :\n    " + _explain(count_sql, params).replace("\n", "\n    "))
        print(f"  EXPLAIN {name} (page) :\n    " + _explain(page_sql_one, params).replace("\n", "\n    "))
    assert len(set(counts.values())) == 1, counts
    plan = _explain(COUNT_SQL.format(near=METHODS["latlon_chord"]), params)
    hash_join = int("Hash Semi Join" in plan or "Hash Join" in plan)
    print(f"  {sites} sites ; {matches} structures à moins de {RADIUS_KM} km de {centre.name}")
    for sql in page_sql:
        print("  EXPLAIN d'une requête de la page :\n    " + _explain(sql, None).replace("\n", "\n    "))

    return [
        figure("structures.distance_search.server_ms", server_ms, "ms"),
        figure("structures.distance_search.plain_filter_server_ms", plain_ms, "ms"),
        figure("structures.distance_search.unfiltered_server_ms", unfiltered_ms, "ms"),
        figure("structures.distance_search.cached_server_ms", cached_ms, "ms"),
        figure("structures.distance_search.queries", queries, "queries"),
        figure("structures.distance_search.sql_ms", sql_ms, "ms"),
        figure("structures.distance_search.latlon_chord_sql_ms", method_ms["latlon_chord"], "ms"),
        figure("structures.distance_search.earth_box_gist_sql_ms", method_ms["earth_box_gist"], "ms"),
        figure("structures.distance_search.latlon_haversine_sql_ms", method_ms["latlon_haversine"], "ms"),
        figure("structures.distance_search.count_hash_join", hash_join, "bool"),
        figure("structures.distance_search.matches", matches, "structures"),
    ]
