"""A tender 2,000 structures said "Intéressé" to: the buyer's page of interested structures, its XLSX export, and
an amendment ("rectificatif") told to all 2,000 people.

Beside them, in the same run: the same page for a tender with 20 interested structures (the query count must be the
same: flat in the number of interests), and the amendment's recording without its emails.
"""

import datetime

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bench.common import count_queries, figure, timer

PREFIX = "bench-interest"
BIG, SMALL = 2_000, 20
SIRET_OFFSET = 6_000_000  # away from the seeds tests, demo data and other benchmarks use


class _Rollback(Exception):
    pass


@transaction.atomic
def _seed():
    from accounts.models import User
    from structures.models import Area, LegalForm, Structure, Topic
    from structures.validators import make_siret
    from tenders.models import BuyerMembership, BuyerOrganisation, Interest, Tender

    buyer_org, _ = BuyerOrganisation.objects.get_or_create(
        slug=PREFIX, defaults={"name": "Acheteur de mesure (intérêts)", "kind": "public_body"}
    )
    user = User.objects.filter(email=f"{PREFIX}@bench.example.org").first()
    if user is None:
        user = User.objects.create_user(email=f"{PREFIX}@bench.example.org", password=None, is_superuser=True)
        user.is_staff = True
        user.save()
        BuyerMembership.objects.create(organisation=buyer_org, user=user)
    topic = Topic.objects.order_by("position").first()
    place = Area.objects.get(code="93")
    tenders = {}
    for size in (BIG, SMALL):
        tender, created = Tender.objects.get_or_create(
            buyer=buyer_org,
            reference=f"BENCH-INT-{size}",
            defaults={
                "title": f"Marché suivi par {size} structures",
                "slug": f"{PREFIX}-{size}",
                "description": "Banc d'essai des rectificatifs.",
                "status": "published",
                "published_at": timezone.now(),
                "bid_deadline": timezone.now() + datetime.timedelta(days=60),
                "estimated_value": 200_000,
            },
        )
        if created:
            tender.topics.set([topic])
            tender.places.set([place])
        tenders[size] = tender
    structures = list(Structure.objects.filter(slug__startswith=f"{PREFIX}-").order_by("pk"))
    if len(structures) < BIG:
        forms = [LegalForm.ASSOCIATION, LegalForm.EI, LegalForm.ESAT, LegalForm.SCOP]
        structures = Structure.objects.bulk_create(
            Structure(
                name=f"Structure intéressée {n}",
                slug=f"{PREFIX}-{n}",
                siret=make_siret(SIRET_OFFSET + n),
                legal_form=forms[n % len(forms)],
                city="Saint-Denis",
            )
            for n in range(BIG)
        )
        Structure.topics.through.objects.bulk_create(
            Structure.topics.through(structure_id=s.pk, topic_id=topic.pk) for s in structures
        )
        Structure.areas.through.objects.bulk_create(
            Structure.areas.through(structure_id=s.pk, area_id=place.pk) for s in structures
        )
        unusable = make_password(None)
        people = User.objects.bulk_create(
            User(email=f"{PREFIX}-{n}@bench.example.org", first_name="Personne", last_name=str(n), password=unusable)
            for n in range(BIG)
        )
        for size, tender in tenders.items():
            Interest.objects.bulk_create(
                Interest(tender=tender, structure=s, user=person, answer="interested")
                for s, person in list(zip(structures, people, strict=True))[:size]
            )
    return user, tenders


def run() -> list[dict]:
    from tenders.services import amendments

    user, tenders = _seed()
    client = Client()
    client.force_login(user)
    figures = []
    for size, tender in tenders.items():
        url = reverse("admin:tenders_tender_interested", args=[tender.pk])
        response, queries = count_queries(lambda url=url: client.get(url))
        assert response.status_code == 200, response.status_code
        figures.append(figure(f"tenders.interested.{size}.queries", queries, "requêtes"))
        figures.append(
            figure(f"tenders.interested.{size}.server_ms", timer(lambda url=url: client.get(url), repeat=5), "ms")
        )
    big = tenders[BIG]
    xlsx = reverse("admin:tenders_tender_interested_export", args=[big.pk, "xlsx"])
    figures.append(figure(f"tenders.interested.{BIG}.xlsx_ms", timer(lambda: client.get(xlsx), repeat=3), "ms"))

    def amend(*, with_emails: bool):
        try:
            with transaction.atomic():
                before = amendments.amendable_state(big)
                big.bid_deadline = big.bid_deadline - datetime.timedelta(days=1)
                big.save(update_fields=["bid_deadline"])
                if with_emails:
                    amendment = amendments.amendment_record(tender=big, by=user, note="Mesure.", before=before)
                    assert amendment.notified_count == BIG
                else:
                    changes = amendments.diff_states(before, amendments.amendable_state(big))
                    big.amendments.create(by=user, note="Mesure.", changes=changes)
                raise _Rollback
        except _Rollback:
            big.refresh_from_db()

    figures.append(
        figure(f"tenders.amendment.{BIG}_recipients.ms", timer(lambda: amend(with_emails=True), repeat=3), "ms")
    )
    figures.append(figure("tenders.amendment.record_only.ms", timer(lambda: amend(with_emails=False), repeat=3), "ms"))
    return figures
