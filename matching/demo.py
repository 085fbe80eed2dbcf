"""Demo data for the alerts (`manage.py seed_demo`, after accounts, structures and tenders). Idempotent.

- Email preferences for the members of the demo structures: most keep the default (immediately), some chose a
  daily or weekly digest, a few none, some ignore a topic or two (deterministic: `random.Random(2024)`).
- The demo structure account (structures.demo.DEMO_ADMIN) follows two searches of the tender list.
- The open demo tenders count as already announced (a finished TenderDispatch with their number of matched
  structures, no notification): starting a worker and beat on demo data does not email hundreds of demo people.
"""

from __future__ import annotations

import random

from django.utils import timezone

from matching.models import Frequency, NotificationPreference, SavedSearch, TenderDispatch
from matching.preferences import describe_querystring, normalise_querystring
from matching.services import structures_matching
from structures.models import Membership, Topic
from tenders.models import Tender

DEMO_SEARCHES = ["topic=restauration-durable&place=75", "reserved=on&topic=nettoyage-et-proprete"]


def seed(*, stdout=None) -> str:
    from structures.demo import DEMO_ADMIN

    rng = random.Random(2024)
    topics = list(Topic.objects.filter(is_active=True).order_by("position"))
    user_ids = sorted(set(Membership.objects.values_list("user_id", flat=True)))
    existing = set(NotificationPreference.objects.filter(user_id__in=user_ids).values_list("user_id", flat=True))
    preferences = 0
    for user_id in user_ids:
        draw = rng.random()
        frequency = (
            Frequency.DAILY
            if draw < 0.15
            else Frequency.WEEKLY
            if draw < 0.25
            else Frequency.NONE
            if draw < 0.28
            else Frequency.IMMEDIATE
        )
        ignored = rng.sample(topics, rng.choice([0, 0, 0, 1, 2])) if topics else []
        if user_id in existing or (frequency == Frequency.IMMEDIATE and not ignored):
            continue  # an existing choice is the person's own; the default needs no row
        unsubscribed_at = timezone.now() if frequency == Frequency.NONE else None
        preference = NotificationPreference.objects.create(
            user_id=user_id, frequency=frequency, unsubscribed_at=unsubscribed_at
        )
        preference.ignored_topics.set(ignored)
        preferences += 1

    searches = 0
    admin = Membership.objects.filter(user__email=DEMO_ADMIN).select_related("user").first()
    if admin:
        for querystring in DEMO_SEARCHES:
            normalised = normalise_querystring(querystring)
            _search, created = SavedSearch.objects.get_or_create(
                user=admin.user, querystring=normalised, defaults={"label": describe_querystring(normalised)}
            )
            searches += created

    dispatched = 0
    for tender in Tender.objects.open().filter(matching_dispatch__isnull=True).order_by("pk"):
        TenderDispatch.objects.create(
            tender=tender, matched_count=structures_matching(tender).count(), finished_at=timezone.now()
        )
        dispatched += 1
    return (
        f"{preferences} préférences d'alerte, {searches} recherches suivies, "
        f"{dispatched} appels d'offres ouverts comptés comme annoncés"
    )
