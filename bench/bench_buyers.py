"""The buyer's home (`/espace/` for a buyer, and the admin index) for an organisation with 500 tenders, 20,000
interests and 5,000 questions.

The figures are aggregated in a fixed number of queries (tenders.panels.buyer_home), never per tender: beside the
big organisation, the same page for an organisation with 5 tenders gives the reference query count, which must be
the same ("flat in the number of tenders").
"""

import datetime
import random
from decimal import Decimal

from django.db import transaction
from django.test import Client
from django.utils import timezone

from bench.common import count_queries, figure, timer

PREFIX = "Bench acheteurs"
TENDERS = 500
INTERESTS = 20_000
QUESTIONS = 5_000
STRUCTURES = 60  # interests are unique per (tender, structure): 40 per tender on average
REASONS = ["too_big", "out_of_scope", "too_far", "too_short", "no_capacity"]


def _user(email):
    from accounts.models import User

    user = User.objects.filter(email=email).first()
    return user or User.objects.create_user(email=email, password=None, is_staff=True)


@transaction.atomic
def _seed_organisation(name: str, slug: str, n_tenders: int, n_interests: int, n_questions: int):
    from structures.models import LegalForm, Structure
    from structures.validators import make_siret
    from tenders.models import BuyerMembership, BuyerOrganisation, Interest, Question, Tender, TenderStatus

    organisation = BuyerOrganisation.objects.filter(slug=slug).first()
    user = _user(f"{slug}@bench.example.org")
    if organisation is not None:
        return organisation, user
    rng = random.Random(slug)
    organisation = BuyerOrganisation.objects.create(name=name, slug=slug, kind=BuyerOrganisation.Kind.PUBLIC_BODY)
    BuyerMembership.objects.create(organisation=organisation, user=user)
    structures = list(Structure.objects.filter(slug__startswith="bench-acheteurs-structure-")[:STRUCTURES])
    if len(structures) < STRUCTURES:
        structures += Structure.objects.bulk_create(
            Structure(
                name=f"{PREFIX} structure {n}",
                slug=f"bench-acheteurs-structure-{n}",
                siret=make_siret(900_000 + n),
                legal_form=LegalForm.ASSOCIATION,
                description="Structure de banc d'essai.",
                postcode="93200",
                city="Saint-Denis",
            )
            for n in range(len(structures), STRUCTURES)
        )
    now = timezone.now()
    statuses = [TenderStatus.PUBLISHED] * 8 + [TenderStatus.DRAFT, TenderStatus.CLOSED]
    tenders = []
    for n in range(n_tenders):
        status = statuses[n % len(statuses)]
        deadline = now + datetime.timedelta(days=rng.randint(2, 60)) if status != TenderStatus.CLOSED else now
        tenders.append(
            Tender(
                buyer=organisation,
                reference=f"{slug}-{n:04d}",
                title=f"Marché de banc d'essai acheteurs {n}",
                slug=f"{slug}-{n:04d}",
                description="Banc d'essai de l'accueil acheteur.",
                estimated_value=Decimal("100000"),
                bid_deadline=deadline - datetime.timedelta(days=1 if status == TenderStatus.CLOSED else 0),
                published_at=None if status == TenderStatus.DRAFT else now - datetime.timedelta(days=10),
                status=status,
            )
        )
    tenders = Tender.objects.bulk_create(tenders)
    visible = [t for t in tenders if t.status != TenderStatus.DRAFT]
    pairs = set()
    while len(pairs) < n_interests:
        pairs.add((rng.choice(visible).pk, rng.choice(structures).pk))
    interests = []
    for tender_id, structure_id in pairs:
        interested = rng.random() < 0.4
        interests.append(
            Interest(
                tender_id=tender_id,
                structure_id=structure_id,
                answer="interested" if interested else "not_interested",
                reason="" if interested else rng.choice(REASONS),
            )
        )
    Interest.objects.bulk_create(interests, batch_size=5000)
    Question.objects.bulk_create(
        (
            Question(
                tender=rng.choice(visible),
                structure=rng.choice(structures),
                text=f"Question de banc d'essai {n}",
                answer="Réponse." if n % 3 else "",
                answered_at=now if n % 3 else None,
            )
            for n in range(n_questions)
        ),
        batch_size=5000,
    )
    return organisation, user


def run() -> list[dict]:
    from django.test import RequestFactory

    from tenders.panels import buyer_home, buyer_home_panel

    big, big_user = _seed_organisation(f"{PREFIX} grande", "bench-acheteurs-grande", TENDERS, INTERESTS, QUESTIONS)
    small, small_user = _seed_organisation(f"{PREFIX} petite", "bench-acheteurs-petite", 5, 40, 10)
    client = Client()
    client.force_login(big_user)
    small_client = Client()
    small_client.force_login(small_user)

    def page(c=client, url="/espace/"):
        response = c.get(url)
        assert response.status_code == 200, response.status_code

    _, queries = count_queries(page)
    _, small_queries = count_queries(lambda: page(small_client))
    _, admin_queries = count_queries(lambda: page(url="/admin/"))
    panel_request = RequestFactory().get("/espace/")
    panel_request.user = big_user
    small_request = RequestFactory().get("/espace/")
    small_request.user = small_user
    _, panel_queries = count_queries(lambda: buyer_home_panel(panel_request))
    _, small_panel_queries = count_queries(lambda: buyer_home_panel(small_request))
    return [
        figure("buyers.dashboard.server_ms", timer(page, repeat=10), "ms"),
        figure("buyers.dashboard.queries", panel_queries, "queries"),
        figure("buyers.dashboard.queries_5_tenders", small_panel_queries, "queries"),
        figure("buyers.dashboard.home_ms", timer(lambda: buyer_home(big.pk), repeat=10), "ms"),
        figure("buyers.espace_page.queries", queries, "queries"),
        figure("buyers.espace_page.queries_5_tenders", small_queries, "queries"),
        figure("buyers.admin_index.server_ms", timer(lambda: page(url="/admin/"), repeat=10), "ms"),
        figure("buyers.admin_index.queries", admin_queries, "queries"),
    ]
