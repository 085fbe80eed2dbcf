"""The score (0–100, computed in SQL) and the French sentences that explain it."""

import pytest
from django.utils import translation

from matching.services import match_for, structures_matching
from structures.models import LegalForm, VerificationStatus
from tests.matching.conftest import CATERING, CLEANING, WASTE

pytestmark = pytest.mark.django_db

NB = "\u00a0"  # no-break space, as French typography wants it
NNB = "\u202f"  # narrow no-break space (thousands)


def score(tender, structure):
    return match_for(tender=tender, structure=structure).score


def test_a_perfect_match_scores_100_and_says_why(make_structure, make_tender):
    structure = make_structure(
        topics=[CATERING],
        areas=["75111"],
        turnover="100k-500k",
        insertion_hours_per_year=1000,
        verification_status=VerificationStatus.VERIFIED,
    )
    tender = make_tender(
        topics=[CATERING],
        places=["75111"],
        lots=[{"topic": CATERING, "estimated_value": 200_000, "insertion_hours": 800}],
    )

    match = match_for(tender=tender, structure=structure)

    assert match.score == 100
    assert match.reasons == [
        f"Vous intervenez en «{NB}Restauration durable{NB}».",
        "Vous intervenez dans l'arrondissement du lieu d'exécution : Paris 11e arrondissement.",
        f"Le montant estimé (200{NNB}000{NB}€) est à la mesure de votre chiffre d'affaires (100 000 à 500 000 €).",
        f"Votre capacité d'insertion (1{NNB}000{NB}h par an) couvre la clause sociale (800{NB}h).",
        "Votre structure est vérifiée par Les Canaux.",
    ]


def test_the_topic_share_counts(make_structure, make_tender):
    one = make_structure(topics=[CATERING])
    two = make_structure(topics=[CATERING, CLEANING])
    three = make_structure(topics=[CATERING, CLEANING, WASTE])
    tender = make_tender(topics=[CATERING, CLEANING, WASTE], estimated_value=None)

    # 20 + 15 × share, + area 25, + size unknown 10, + no clause 10, not verified 0
    assert [score(tender, s) for s in (one, two, three)] == [25 + 45, 30 + 45, 35 + 45]
    assert match_for(tender=tender, structure=two).reasons[0] == (
        f"Vous intervenez en «{NB}Restauration durable{NB}» et «{NB}Nettoyage et propreté{NB}»."
    )
    assert match_for(tender=tender, structure=three).reasons[0] == (
        f"Vous intervenez en «{NB}Gestion et valorisation des déchets{NB}», «{NB}Restauration durable{NB}» "
        f"et «{NB}Nettoyage et propreté{NB}»."
    )


def test_the_topic_reason_quotes_as_english_does_in_english(make_structure, make_tender):
    structure = make_structure(topics=[CATERING, CLEANING])
    tender = make_tender(topics=[CATERING, CLEANING], estimated_value=None)

    with translation.override("en"):
        reason = match_for(tender=tender, structure=structure).reasons[0]

    assert reason == "You work in “Sustainable catering” and “Cleaning”."


@pytest.mark.parametrize(
    ("structure_areas", "place", "points", "reason"),
    [
        (
            ["75111"],
            "75111",
            25,
            "Vous intervenez dans l'arrondissement du lieu d'exécution : Paris 11e arrondissement.",
        ),
        (["75"], "75111", 20, "Votre zone d'intervention, Paris (75), couvre le lieu d'exécution."),
        (["93"], "93", 20, "Votre zone d'intervention, Seine-Saint-Denis (93), couvre le lieu d'exécution."),
        (["75111"], "75", 12, "Le lieu d'exécution comprend votre zone d'intervention : Paris 11e arrondissement."),
        (["FR"], "75111", 8, "Vous intervenez dans toute la France."),
        (
            ["FR", "75111"],
            "75111",
            25,
            "Vous intervenez dans l'arrondissement du lieu d'exécution : Paris 11e arrondissement.",
        ),
        (["FR", "75"], "75111", 20, "Votre zone d'intervention, Paris (75), couvre le lieu d'exécution."),
    ],
)
def test_area_precision_arrondissement_then_department_then_nationwide(
    make_structure, make_tender, structure_areas, place, points, reason
):
    structure = make_structure(areas=structure_areas)
    tender = make_tender(places=[place], estimated_value=None)

    match = match_for(tender=tender, structure=structure)

    assert match.score == 35 + points + 10 + 10
    assert match.reasons[1] == reason


@pytest.mark.parametrize(
    ("turnover", "value", "points", "good_fit"),
    [
        ("100k-500k", 200_000, 20, True),  # ≤ 50 % of the 500 000 € ceiling
        ("100k-500k", 250_000, 20, True),
        ("100k-500k", 400_000, 10, False),  # ≤ the ceiling
        ("100k-500k", 600_000, 0, False),  # above
        ("", 200_000, 10, False),  # band unknown
        ("gt50m", 30_000_000, 20, True),  # no ceiling: "(plus de 50 M€)"
        ("lt100k", None, 10, False),  # value unknown
    ],
)
def test_size_fit_between_turnover_band_and_value(make_structure, make_tender, turnover, value, points, good_fit):
    structure = make_structure(turnover=turnover)
    tender = make_tender(estimated_value=value)

    match = match_for(tender=tender, structure=structure)

    assert match.score == 35 + 25 + points + 10
    assert any("est à la mesure de votre chiffre d'affaires" in reason for reason in match.reasons) is good_fit
    if turnover == "gt50m":
        assert match.reasons[2].endswith("est à la mesure de votre chiffre d'affaires (plus de 50 M€).")


def test_size_fit_uses_the_smallest_lot_open_to_the_structure(make_structure, make_tender):
    association = make_structure(turnover="100k-500k", legal_form=LegalForm.ASSOCIATION)
    insertion = make_structure(turnover="100k-500k", legal_form=LegalForm.EI)
    tender = make_tender(
        estimated_value=5_000_000,
        lots=[
            {"topic": CATERING, "estimated_value": 1_000_000},
            {"topic": CATERING, "estimated_value": 100_000, "reserved": "L2113-13"},
        ],
    )

    assert score(tender, association) == 35 + 25 + 0 + 10  # only the 1 M€ lot is open to it
    match = match_for(tender=tender, structure=insertion)
    assert match.score == 35 + 25 + 20 + 10
    assert (
        f"Le montant estimé (100{NNB}000{NB}€) est à la mesure de votre chiffre d'affaires (100 000 à 500 000 €)."
        in (match.reasons)
    )
    assert (
        "Le lot 2 est réservé aux structures d'insertion, SIAE (art. L2113-13) : vous pouvez y répondre."
        in match.reasons
    )


@pytest.mark.parametrize(
    ("capacity", "clause", "points", "reason"),
    [
        (1000, 800, 10, f"Votre capacité d'insertion (1{NNB}000{NB}h par an) couvre la clause sociale (800{NB}h)."),
        (
            300,
            800,
            5,
            f"Vous accueillez des personnes en insertion (300{NB}h par an) : "
            f"un atout pour la clause sociale (800{NB}h).",
        ),
        (None, 800, 0, None),
        (0, 800, 0, None),
        (300, None, 10, None),  # no social clause: nothing to prove
    ],
)
def test_insertion_capacity_for_lots_with_a_social_clause(
    make_structure, make_tender, capacity, clause, points, reason
):
    structure = make_structure(insertion_hours_per_year=capacity)
    tender = make_tender(
        estimated_value=None, lots=[{"topic": CATERING, "estimated_value": None, "insertion_hours": clause}]
    )

    match = match_for(tender=tender, structure=structure)

    assert match.score == 35 + 25 + 10 + points
    insertion_reasons = [r for r in match.reasons if "insertion" in r]
    assert insertion_reasons == ([reason] if reason else [])


def test_a_verified_structure_scores_10_more(make_structure, make_tender):
    pending = make_structure()
    verified = make_structure(verification_status=VerificationStatus.VERIFIED)
    tender = make_tender(estimated_value=None)

    assert score(tender, verified) - score(tender, pending) == 10
    assert match_for(tender=tender, structure=verified).reasons[-1] == "Votre structure est vérifiée par Les Canaux."
    assert "Votre structure est vérifiée par Les Canaux." not in match_for(tender=tender, structure=pending).reasons


def test_structures_are_ranked_by_score_in_the_database(make_structure, make_tender):
    national = make_structure(areas=["FR"])
    department = make_structure(areas=["75"])
    best = make_structure(areas=["75111"], verification_status=VerificationStatus.VERIFIED)
    arrondissement = make_structure(areas=["75111"])
    tender = make_tender(places=["75111"])

    rows = list(structures_matching(tender).values_list("pk", "match_score"))

    assert [pk for pk, _ in rows] == [best.pk, arrondissement.pk, department.pk, national.pk]
    assert [s for _, s in rows] == sorted((s for _, s in rows), reverse=True)
    assert all(0 <= s <= 100 for _, s in rows)


@pytest.mark.parametrize("count", [3, 30])
def test_matching_runs_a_fixed_number_of_queries(make_structure, make_tender, django_assert_num_queries, count):
    for _ in range(count):
        make_structure()
    tender = make_tender(lots=[{"topic": CATERING}, {"topic": CLEANING, "reserved": "L2113-13"}])

    with django_assert_num_queries(6):  # 5 small reads about the tender, then one query over all structures
        assert len(list(structures_matching(tender))) == count
