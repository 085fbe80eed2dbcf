"""The staff home (/espace/ for Les Canaux staff) with 50,000 structures of which 5,000 wait for verification.

Figures, each beside its reference measured in the same run:
- `staff.home.server_ms` — GET /espace/ as a staff member (every queue of settings.STAFF_QUEUES: counts and oldest
  item), median; beside `staff.home.select1_ms` (a `SELECT 1` round trip through the ORM);
- `staff.home.queries` — its SQL queries (the request's own SAVEPOINT/RELEASE left out: in production they are the
  transaction's BEGIN/COMMIT), the same with 5,000 or 5 pending structures (`staff.home.queries_5_pending`);
- `staff.queue.server_ms` — GET /espace/equipe/structures/ (the verification queue, newest first, page 1).

The 50,000 structures are bench_structures' (created once, reused). For this run 5,000 of them are made pending
and the others verified (committed, then VACUUM ANALYZE so that the planner sees the real table); their statuses
are put back as they were at the end, whatever happens, so the other benchmarks find their data unchanged.
"""

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench.common import figure, timer

PENDING = 5_000


def _staff():
    from django.contrib.auth.models import Group

    from accounts.models import STAFF_GROUP, User

    user, _ = User.objects.get_or_create(email="equipe@bench.example.org", defaults={"is_staff": True})
    group, _ = Group.objects.get_or_create(name=STAFF_GROUP)
    user.groups.add(group)
    return user


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return sum(
        1 for query in captured.captured_queries if not query["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    )


def _vacuum() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE structures_structure")


def _set_pending(count: int, slug_prefix: str) -> None:
    from structures.models import Structure, VerificationStatus

    with transaction.atomic():
        bench = Structure.objects.filter(slug__startswith=slug_prefix)
        bench.update(verification_status=VerificationStatus.VERIFIED, rejection_reason="", archived_at=None)
        ids = list(bench.order_by("pk").values_list("pk", flat=True)[:count])
        Structure.objects.filter(pk__in=ids).update(verification_status=VerificationStatus.PENDING)
    _vacuum()


def _statuses(slug_prefix: str) -> dict[tuple, list[int]]:
    from structures.models import Structure

    groups: dict[tuple, list[int]] = {}
    rows = Structure.objects.filter(slug__startswith=slug_prefix).values_list(
        "pk", "verification_status", "rejection_reason", "archived_at"
    )
    for pk, status, reason, archived_at in rows:
        groups.setdefault((status, reason, archived_at), []).append(pk)
    return groups


def _restore(groups: dict[tuple, list[int]]) -> None:
    from structures.models import Structure

    with transaction.atomic():
        for (status, reason, archived_at), ids in groups.items():
            Structure.objects.filter(pk__in=ids).update(
                verification_status=status, rejection_reason=reason, archived_at=archived_at
            )
    _vacuum()


def run() -> list[dict]:
    from backoffice.queues import pending_structures
    from bench import bench_structures
    from structures.models import Structure

    total = bench_structures._ensure_structures()
    staff = _staff()
    prefix = bench_structures.SLUG_PREFIX
    saved = _statuses(prefix)
    try:
        client = Client()
        client.force_login(staff)
        _set_pending(PENDING, prefix)
        pending = pending_structures().count()
        print(f"  {Structure.objects.count()} structures, dont {pending} en attente", flush=True)
        assert total == bench_structures.TOTAL and pending >= PENDING

        home_ms = timer(lambda: client.get("/espace/"), repeat=20)
        queries = _queries(client, "/espace/")
        queue_ms = timer(lambda: client.get("/espace/equipe/structures/"), repeat=10)

        def select1():
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
                cursor.fetchone()

        select1_ms = timer(select1, repeat=50)

        _set_pending(5, prefix)
        few_queries = _queries(client, "/espace/")
    finally:
        _restore(saved)
    return [
        figure("staff.home.server_ms", home_ms, "ms"),
        figure("staff.home.select1_ms", select1_ms, "ms"),
        figure("staff.home.queries", queries, "queries"),
        figure("staff.home.queries_5_pending", few_queries, "queries"),
        figure("staff.queue.server_ms", queue_ms, "ms"),
    ]
