"""The charter pages on 100,000 awards from 40 buyers over three years (one award per lot: the database allows no
more since issue 12).

Figures: every figure of `/charte/` (`charter.kpis_100k.ms`, the page's server time, target ≤ 500 ms), one buyer's
page `/charte/<slug>/` over its 2,500 awards (`charter.buyer_page.server_ms`), and beside them the same overall
figures computed by reading every award into Python (what the page would cost without set-based aggregates), and
one database round trip.
"""

import datetime
import random
from decimal import Decimal

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench.common import count_queries, figure, timer

BUYERS = 40
TENDERS_PER_BUYER = 250
AWARDS_PER_TENDER = 10  # one per lot: 100,000 awards in all
PREFIX = "Bench charte 100k"
CATEGORIES = ["ess", "siae", "disability", "sme", "other", "large", "large", "large"]


@transaction.atomic
def _seed() -> int:
    """Create the buyers, tenders and awards once (the buyers' names are the natural key)."""
    from structures.models import Topic
    from tenders.models import Award, BuyerOrganisation, Lot, Tender, TenderStatus

    expected = BUYERS * TENDERS_PER_BUYER * AWARDS_PER_TENDER
    if Award.objects.filter(tender__buyer__name__startswith=PREFIX).count() == expected:
        return expected
    BuyerOrganisation.objects.filter(name__startswith="Bench charte").delete()  # an older, smaller seed
    topics = list(Topic.objects.order_by("position"))
    rng = random.Random(2024)
    now = timezone.now()
    buyers = BuyerOrganisation.objects.bulk_create(
        BuyerOrganisation(
            name=f"{PREFIX} {n:02d}",
            slug=f"bench-charte-100k-{n:02d}",
            kind=BuyerOrganisation.Kind.PUBLIC_BODY,
            charter_signatory=n % 4 != 0,
        )
        for n in range(BUYERS)
    )
    tenders = Tender.objects.bulk_create(
        Tender(
            buyer=buyer,
            reference=f"BENCH-{buyer.pk}-{n:03d}",
            title=f"Marché de banc d'essai {n}",
            slug=f"bench-charte-100k-{buyer.pk}-{n:03d}",
            description="Banc d'essai de la charte.",
            estimated_value=Decimal("100000"),
            bid_deadline=now - datetime.timedelta(days=30),
            published_at=now - datetime.timedelta(days=60),
            status=TenderStatus.AWARDED,
        )
        for buyer in buyers
        for n in range(TENDERS_PER_BUYER)
    )
    lots = Lot.objects.bulk_create(
        (
            Lot(
                tender=tender,
                number=number + 1,
                title=f"Lot {number + 1}",
                topic=topics[(tender.pk + number) % len(topics)],
            )
            for tender in tenders
            for number in range(AWARDS_PER_TENDER)
        ),
        batch_size=5000,
    )
    awards = []
    start = datetime.date(2021, 7, 1)
    for lot in lots:
        amount = Decimal(rng.randint(5_000, 2_000_000))
        category = rng.choice(CATEGORIES)
        total = int(amount / 50)
        insertion = total * rng.randint(0, 20) // 100
        reported = rng.random() < 0.5
        awards.append(
            Award(
                tender_id=lot.tender_id,
                lot=lot,
                winner_name="Titulaire de banc d'essai",
                winner_category=category,
                amount=amount,
                ess_share_amount=(amount * rng.randint(0, 40) / 100).quantize(Decimal("1")),
                total_hours_planned=total,
                insertion_hours_planned=insertion,
                total_hours_achieved=total + rng.randint(0, 100) if reported else None,
                insertion_hours_achieved=min(total, insertion + rng.randint(0, 50)) if reported else None,
                awarded_on=start + datetime.timedelta(days=rng.randint(0, 3 * 365)),
            )
        )
    Award.objects.bulk_create(awards, batch_size=5000)
    return len(awards)


def _python_overall():
    """The reference: the overall shares computed in Python over every award row (same rules as the selectors)."""
    from charter.selectors import ESS_CATEGORIES
    from tenders.models import Award

    awarded = counted = total_hours = insertion_hours = 0
    rows = Award.objects.filter(is_active=True).values_list(
        "winner_category",
        "amount",
        "ess_share_amount",
        "total_hours_planned",
        "insertion_hours_planned",
        "total_hours_achieved",
        "insertion_hours_achieved",
    )
    for category, amount, share, total_p, insertion_p, total_a, insertion_a in rows.iterator(chunk_size=5000):
        awarded += amount
        counted += amount if category in ESS_CATEGORIES else share
        reported = total_a is not None and insertion_a is not None
        total_hours += total_a if reported else total_p
        insertion_hours += insertion_a if reported else insertion_p
    return awarded, counted, total_hours, insertion_hours


def _import_10k() -> float:
    """Seconds to check then apply a 10,000-row file of the buyers' essential data (charter.imports), in-process."""
    import time

    from charter import imports
    from tenders.models import Award, BuyerOrganisation

    buyer, _ = BuyerOrganisation.objects.get_or_create(
        slug="bench-charte-import", defaults={"name": "Bench charte import", "kind": "public_body"}
    )
    Award.objects.filter(buyer=buyer).delete()
    buyer.award_imports.all().delete()
    lines = ["id;objet;montant;dateNotification;titulaire_id_1;titulaire_denominationSociale_1"]
    lines += [f"B-{n:05d};Marché importé {n};{1000 + n},50;2024-02-01;;Titulaire {n % 97}" for n in range(10_000)]
    content = "\n".join(lines).encode()
    start = time.perf_counter()
    award_import = imports.import_check(buyer=buyer, content=content, filename="bench.csv", by=None)
    imports.import_start_apply(award_import=award_import, by=None)  # eager Celery: the chunks run on commit
    award_import.refresh_from_db()
    while imports.apply_next_chunk(import_id=award_import.pk):  # when tasks are not eager
        pass
    seconds = time.perf_counter() - start
    assert Award.objects.filter(buyer=buyer).count() == 10_000
    Award.objects.filter(buyer=buyer).delete()  # the page figures are measured on the 100,000 seeded awards
    return seconds


def run() -> list[dict]:
    from charter import selectors

    _seed()
    import_seconds = _import_10k()
    client = Client()

    def page():
        response = client.get("/charte/")
        assert response.status_code == 200, response.status_code

    def round_trip():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    from tenders.models import BuyerOrganisation

    buyer = BuyerOrganisation.objects.get(slug="bench-charte-100k-01")

    def buyer_page():
        response = client.get(f"/charte/{buyer.slug}/")
        assert response.status_code == 200, response.status_code

    figures = selectors.overall()
    python = _python_overall()
    assert (figures.awarded_amount, figures.counted_amount, figures.total_hours, figures.insertion_hours) == python
    _, queries = count_queries(page)
    _, buyer_queries = count_queries(buyer_page)
    return [
        figure("charter.awards.count", selectors.overall().award_count, "awards"),
        figure("charter.kpis_100k.ms", timer(page, repeat=10), "ms"),
        figure("charter.page.queries", queries, "queries"),
        figure("charter.buyer_page.server_ms", timer(buyer_page, repeat=10), "ms"),
        figure("charter.buyer_page.queries", buyer_queries, "queries"),
        figure("charter.import.10k_rows.seconds", import_seconds, "s"),
        figure("charter.overview.sql_ms", timer(selectors.overview, repeat=10), "ms"),
        figure("charter.overall.sql_ms", timer(selectors.overall, repeat=10), "ms"),
        figure("charter.overall.python_loop_ms", timer(_python_overall, repeat=5, warmup=1), "ms"),
        figure("charter.db.select1_ms", timer(round_trip, repeat=50), "ms"),
    ]
