"""The matching's output on a fixed, varied data set is pinned: the same structures, scores, `m_*` values and reasons.

`matching_fixed.json` was written by the code *before* the query was rewritten for speed (issue 13); any rewrite of
`TenderSide.queryset` must keep every row of it. Regenerate only for an intended change of the rules:
`MATCHING_SNAPSHOT_WRITE=1 pytest tests/matching/test_fixed_dataset.py`.
"""

import json
import os
import random
from pathlib import Path

import pytest
from django.utils import timezone

from matching.services import MATCH_FIELDS, TenderSide, structures_matching
from structures.models import Area, LegalForm, Topic, Turnover, VerificationStatus
from tests.matching.conftest import CATERING, CLEANING, TEXTILE, WASTE

pytestmark = pytest.mark.django_db
SNAPSHOT = Path(__file__).with_name("matching_fixed.json")

TOPICS = [CATERING, CLEANING, WASTE, TEXTILE]
AREAS = ["FR", "75", "93", "75111", "75112", "75120"]
TENDERS = {
    # reference: (own topics, places, lots [(topic, reserved, value, insertion hours)], estimated value)
    "T-PLAIN": ([CATERING], ["75111"], [], 100_000),
    "T-LOTS": (
        [CATERING, CLEANING],
        ["75111"],
        [(CATERING, "", 150_000, None), (CLEANING, "L2113-13", 90_000, 1_500)],
        400_000,
    ),
    "T-ALL-RESERVED": ([], ["75"], [(WASTE, "L2113-12", 40_000, None), (TEXTILE, "L2113-15", None, 800)], None),
    "T-NO-PLACE": ([TEXTILE, WASTE], [], [(WASTE, "", None, 2_000)], 2_500_000),
    "T-DEPARTMENTS": ([CLEANING], ["75", "93"], [], 30_000),
    "T-NATIONAL": ([WASTE], ["FR"], [(CATERING, "L2113-15", 20_000, None)], None),
}


@pytest.fixture
def fixed_data(make_structure, make_tender):
    rng = random.Random(2024)
    forms = [choice.value for choice in LegalForm]
    turnovers = ["", *[choice.value for choice in Turnover]]
    statuses = [choice.value for choice in VerificationStatus]
    for n in range(90):
        make_structure(
            name=f"Structure fixe {n}",
            slug=f"fixe-{n}",
            topics=rng.sample(TOPICS, rng.randint(1, 3)),
            areas=rng.sample(AREAS, rng.randint(1, 2)),
            legal_form=rng.choice(forms),
            esus_accredited=rng.random() < 0.15,
            turnover=rng.choice(turnovers),
            insertion_hours_per_year=rng.choice([None, 0, 500, 1_500, 20_000]),
            verification_status=(status := rng.choice(statuses)),
            rejection_reason="Hors du champ de l'ESS." if status == VerificationStatus.REJECTED else "",
            matching_opt_out=rng.random() < 0.05,
            archived_at=timezone.now() if rng.random() < 0.05 else None,
        )
    topics = {topic.slug: topic for topic in Topic.objects.all()}
    tenders = {}
    for reference, (own, places, lots, value) in TENDERS.items():
        tenders[reference] = make_tender(
            reference=reference,
            topics=own,
            places=places,
            estimated_value=value,
            lots=[
                {"topic": topics[topic], "reserved": reserved, "estimated_value": v, "insertion_hours": hours}
                for topic, reserved, v, hours in lots
            ],
        )
    return tenders


def describe(tender) -> list[dict]:
    side = TenderSide.load(tender)
    codes = dict(Area.objects.values_list("pk", "code"))
    slugs = dict(Topic.objects.values_list("pk", "slug"))
    lot_numbers = {lot.id: lot.number for lot in side.lots.values()}
    rows = []
    for row in structures_matching(tender).values("slug", "turnover", *MATCH_FIELDS):
        rows.append(
            {
                "slug": row["slug"],
                "score": row["match_score"],
                "topics": [slugs[pk] for pk in row["m_topic_ids"]],
                "area_level": row["m_area_level"],
                "area": codes.get(row["m_area_id"]),
                "ref_value": str(row["m_ref_value"]) if row["m_ref_value"] is not None else None,
                "clause_hours": row["m_clause_hours"],
                "lots": [lot_numbers[pk] for pk in row["m_lot_ids"]],
                "reasons": side.match(row).reasons,
            }
        )
    return rows


def test_the_matching_of_a_fixed_data_set_is_unchanged(fixed_data):
    result = {reference: describe(tender) for reference, tender in fixed_data.items()}
    assert sum(len(rows) for rows in result.values()) > 60  # the data set exercises the rules
    if os.environ.get("MATCHING_SNAPSHOT_WRITE"):
        SNAPSHOT.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    for reference in TENDERS:
        assert result[reference] == expected[reference], reference


def test_full_instances_carry_the_same_scores(fixed_data):
    tender = fixed_data["T-LOTS"]
    instances = [(s.slug, s.match_score) for s in structures_matching(tender)]
    values = [(row["slug"], row["match_score"]) for row in structures_matching(tender).values("slug", "match_score")]
    assert instances == values
    assert structures_matching(tender).count() == len(values)
