"""A speed-meeting day for the participants' side (issue 11): 40 buyers, 150 structures, ~700 requests both ways.

Everything happens inside one transaction rolled back at the end, so the bench database keeps nothing (and no
email leaves: the outbox sends on commit). The schedule is written by the demo's greedy placement (the scheduler's
own figures are `meetups.scheduler.*`, measured by part A's bench).

Figures: `meetups.publish.seconds` (schedule_publish: pin, then one agenda email per participant's admin, rendered
and inserted in bulk), `meetups.publish.emails`, `meetups.publish.queries`; `meetups.agenda.queries` and
`meetups.agenda.server_ms` (a buyer's agenda page with ~15 meetings, profiles and match reasons);
`meetups.badges.cold_ms` and `meetups.badges.server_ms` (190 badges with an SVG QR code each: first drawing, then
from the in-process cache), `meetups.checkin.queries`.
"""

from __future__ import annotations

import time

from bench.common import count_queries, figure, timer

BUYERS = 40
STRUCTURES = 150


class _Rollback(Exception):
    pass


def run() -> list[dict]:
    from django.contrib.auth.hashers import make_password
    from django.db import transaction
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from accounts.models import User
    from meetups import demo, services, views_staff
    from meetups.models import Meeting, Meetup
    from structures.models import LegalForm, Membership, Structure
    from structures.validators import make_siret
    from tenders.models import BuyerMembership, BuyerOrganisation

    figures: list[dict] = []
    try:
        with transaction.atomic():
            password = make_password(None)
            buyers = BuyerOrganisation.objects.bulk_create(
                [
                    BuyerOrganisation(
                        name=f"Acheteur mesure {i}", slug=f"bench-meetups-{i}", kind=BuyerOrganisation.Kind.CITY
                    )
                    for i in range(BUYERS)
                ]
            )
            structures = Structure.objects.bulk_create(
                [
                    Structure(
                        name=f"Structure mesure {i}",
                        slug=f"bench-meetups-structure-{i}",
                        siret=make_siret(9_500_000 + i),
                        legal_form=LegalForm.ASSOCIATION,
                        city="Paris",
                        postcode="75019",
                    )
                    for i in range(STRUCTURES)
                ]
            )
            users = User.objects.bulk_create(
                [User(email=f"bench-meetups-{i}@exemple.fr", password=password) for i in range(BUYERS + STRUCTURES)]
            )
            BuyerMembership.objects.bulk_create(
                [BuyerMembership(organisation=b, user=u) for b, u in zip(buyers, users[:BUYERS], strict=True)]
            )
            Membership.objects.bulk_create(
                [
                    Membership(structure=s, user=u, role=Membership.Role.ADMIN)
                    for s, u in zip(structures, users[BUYERS:], strict=True)
                ]
            )
            # The demo's speed-meeting day, on these buyers and structures only.
            original = demo._speed_buyers
            demo._speed_buyers = lambda rng: buyers
            try:
                Meetup.objects.filter(slug=demo.SPEED_SLUG).delete()
                demo.seed_speed_meeting_day(today=timezone.localdate(), pool=[s.pk for s in structures], flagship=None)
            finally:
                demo._speed_buyers = original
            meetup = Meetup.objects.get(slug=demo.SPEED_SLUG)
            meetup.schedule_published_at = None
            meetup.save()
            Meeting.objects.filter(meetup=meetup).update(pinned=False)
            staff = User.objects.create(email="bench-meetups-staff@exemple.fr", password=password, is_superuser=True)

            started = time.perf_counter()
            sent, queries = count_queries(lambda: services.schedule_publish(meetup=meetup, by=staff))
            seconds = time.perf_counter() - started
            figures += [
                figure("meetups.publish.seconds", seconds, "s"),
                figure("meetups.publish.emails", sent, "emails"),
                figure("meetups.publish.queries", queries, "queries"),
            ]

            client = Client()
            busiest = max(buyers, key=lambda b: Meeting.objects.filter(meetup=meetup, buyer=b).count())
            client.force_login(busiest.memberships.get().user)
            agenda = reverse("meetups:agenda", kwargs={"slug": meetup.slug})
            _response, agenda_queries = count_queries(lambda: client.get(agenda))
            figures += [
                figure("meetups.agenda.queries", agenda_queries, "queries"),
                figure("meetups.agenda.server_ms", timer(lambda: client.get(agenda), repeat=7), "ms"),
            ]
            client.force_login(staff)
            badges = reverse("meetups:badges", kwargs={"slug": meetup.slug})
            check_in = reverse("meetups:check_in", kwargs={"slug": meetup.slug})
            _response, check_in_queries = count_queries(lambda: client.get(check_in))
            views_staff.qr_svg.cache_clear()
            cold = time.perf_counter()
            client.get(badges)
            figures += [
                figure("meetups.badges.cold_ms", (time.perf_counter() - cold) * 1000, "ms"),
                figure("meetups.badges.server_ms", timer(lambda: client.get(badges), repeat=3, warmup=1), "ms"),
                figure("meetups.checkin.queries", check_in_queries, "queries"),
            ]
            raise _Rollback
    except _Rollback:
        pass
    return figures
