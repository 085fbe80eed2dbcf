"""The charter page (`/charte/`) on 20,000 awards from 40 buyers over three years.

Beside it, in the same run: the same overall figures computed by reading every award into Python (what the page
would cost without set-based aggregates), and one database round trip.
"""

import datetime
import random
from decimal import Decimal

from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from bench.common import count_queries, figure, timer

BUYERS = 40
TENDERS_PER_BUYER = 50
AWARDS_PER_TENDER = 10  # one per lot, as it were: 20,000 awards in all
PREFIX = "Bench charte"
CATEGORIES = ["ess", "siae", "disability", "sme", "other", "large", "large", "large"]


@transaction.atomic
def _seed() -> int:
    """Create the buyers, tenders and awards once (the buyers' names are the natural key)."""
    from tenders.models import Award, BuyerOrganisation, Tender, TenderStatus

    if BuyerOrganisation.objects.filter(name__startswith=PREFIX).count() == BUYERS:
        return Award.objects.filter(tender__buyer__name__startswith=PREFIX).count()
    rng = random.Random(2024)
    now = timezone.now()
    buyers = BuyerOrganisation.objects.bulk_create(
        BuyerOrganisation(
            name=f"{PREFIX} {n:02d}",
            slug=f"bench-charte-{n:02d}",
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
            slug=f"bench-charte-{buyer.pk}-{n:03d}",
            description="Banc d'essai de la charte.",
            estimated_value=Decimal("100000"),
            bid_deadline=now - datetime.timedelta(days=30),
            published_at=now - datetime.timedelta(days=60),
            status=TenderStatus.AWARDED,
        )
        for buyer in buyers
        for n in range(TENDERS_PER_BUYER)
    )
    awards = []
    start = datetime.date(2021, 7, 1)
    for tender in tenders:
        for _ in range(AWARDS_PER_TENDER):
            amount = Decimal(rng.randint(5_000, 2_000_000))
            category = rng.choice(CATEGORIES)
            total = int(amount / 50)
            insertion = total * rng.randint(0, 20) // 100
            reported = rng.random() < 0.5
            awards.append(
                Award(
                    tender=tender,
                    winner_name="Titulaire de banc d'essai",
                    winner_category=category,
                    amount=amount,
                    ess_share_amount=(amount * rng.randint(0, 40) / 100).quantize(Decimal("1")),
                    total_hours_planned=total,
                    insertion_hours_planned=insertion,
                    total_hours_achieved=total + rng.randint(-100, 100) if reported else None,
                    insertion_hours_achieved=insertion + rng.randint(0, 50) if reported else None,
                    awarded_on=start + datetime.timedelta(days=rng.randint(0, 3 * 365)),
                )
            )
    Award.objects.bulk_create(awards, batch_size=2000)
    return len(awards)


def _python_overall():
    """The reference: the overall shares computed in Python over every award row (same rules as the selectors)."""
    from charter.selectors import ESS_CATEGORIES
    from tenders.models import Award

    awarded = counted = total_hours = insertion_hours = 0
    rows = Award.objects.values_list(
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


def run() -> list[dict]:
    from charter import selectors

    _seed()
    client = Client()

    def page():
        response = client.get("/charte/")
        assert response.status_code == 200, response.status_code

    def round_trip():
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    figures = selectors.overall()
    python = _python_overall()
    assert (figures.awarded_amount, figures.counted_amount, figures.total_hours, figures.insertion_hours) == python
    _, queries = count_queries(page)
    return [
        figure("charter.awards.count", selectors.overall().award_count, "awards"),
        figure("charter.page.server_ms", timer(page, repeat=10), "ms"),
        figure("charter.page.queries", queries, "queries"),
        figure("charter.overview.sql_ms", timer(selectors.overview, repeat=10), "ms"),
        figure("charter.overall.sql_ms", timer(selectors.overall, repeat=10), "ms"),
        figure("charter.overall.python_loop_ms", timer(_python_overall, repeat=5, warmup=1), "ms"),
        figure("charter.db.select1_ms", timer(round_trip, repeat=50), "ms"),
    ]
