"""The hard rules of the matching: topic, area, reserved markets, standing. Each one can exclude a structure."""

import random

import pytest
from django.utils import timezone

from matching.services import match_for, structures_matching, tenders_for_structure
from structures.models import LegalForm, VerificationStatus
from tests.matching.conftest import CATERING, CLEANING, TEXTILE, WASTE

pytestmark = pytest.mark.django_db


def matched(tender):
    return set(structures_matching(tender).values_list("pk", flat=True))


# Topics ---------------------------------------------------------------------------------------------------------


def test_a_structure_matches_when_it_serves_a_topic_of_the_tender(make_structure, make_tender):
    caterer = make_structure(topics=[CATERING])
    cleaner = make_structure(topics=[CLEANING])
    both = make_structure(topics=[CLEANING, WASTE, CATERING])
    tender = make_tender(topics=[CATERING, TEXTILE])

    assert matched(tender) == {caterer.pk, both.pk}
    assert match_for(tender=tender, structure=cleaner) is None


def test_the_topic_of_an_unreserved_lot_counts_too(make_structure, make_tender):
    cleaner = make_structure(topics=[CLEANING])
    tender = make_tender(topics=[CATERING], lots=[{"topic": CATERING}, {"topic": CLEANING}])

    assert matched(tender) == {cleaner.pk}


def test_a_lot_topic_counts_only_for_structures_the_lot_is_open_to(make_structure, make_tender):
    association = make_structure(topics=[CLEANING], legal_form=LegalForm.ASSOCIATION)
    insertion = make_structure(topics=[CLEANING], legal_form=LegalForm.EI)
    tender = make_tender(topics=[CATERING], lots=[{"topic": CATERING}, {"topic": CLEANING, "reserved": "L2113-13"}])

    assert matched(tender) == {insertion.pk}
    assert association.pk not in matched(tender)


def test_a_tender_without_any_topic_matches_nobody(make_structure, make_tender):
    make_structure(topics=[CATERING])
    tender = make_tender(topics=[])

    assert matched(tender) == set()


# Areas ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("structure_areas", "places", "matches"),
    [
        (["75111"], ["75111"], True),  # the same arrondissement
        (["75112"], ["75111"], False),  # another arrondissement
        (["75"], ["75111"], True),  # its department covers the arrondissement
        (["FR"], ["75111"], True),  # nationwide
        (["93"], ["75111"], False),  # another department
        (["93"], ["93"], True),  # the same department
        (["FR"], ["93"], True),
        (["75111"], ["75"], True),  # our choice: an arrondissement inside a department place
        (["75111"], ["93"], False),
        (["93"], ["75"], False),
        (["FR"], ["FR"], True),  # a nationwide tender: nationwide structures only
        (["75"], ["FR"], False),
        (["75111"], ["FR"], False),
        (["93", "75118"], ["75111", "94"], False),
        (["93", "75118"], ["75118", "94"], True),  # one place covered is enough
        ([], ["75111"], False),  # no area at all
        ([], [], True),  # a tender without places has no area rule
        (["93"], [], True),
    ],
)
def test_areas_must_cover_a_place_of_performance(make_structure, make_tender, structure_areas, places, matches):
    structure = make_structure(areas=structure_areas)
    tender = make_tender(places=places)

    assert (structure.pk in matched(tender)) is matches
    assert (tender.pk in set(tenders_for_structure(structure).values_list("pk", flat=True))) is matches


# Reserved markets ------------------------------------------------------------------------------------------------

ESAT = {"legal_form": LegalForm.ESAT}
EA = {"legal_form": LegalForm.EA}
EI = {"legal_form": LegalForm.EI}
ACI = {"legal_form": LegalForm.ACI}
SCOP = {"legal_form": LegalForm.SCOP}
ASSOCIATION = {"legal_form": LegalForm.ASSOCIATION}
TPE = {"legal_form": LegalForm.TPE}
ESUS_TPE = {"legal_form": LegalForm.TPE, "esus_accredited": True}


@pytest.mark.parametrize(
    ("reserved", "structure", "matches"),
    [
        ("L2113-12", ESAT, True),
        ("L2113-12", EA, True),
        ("L2113-12", EI, False),
        ("L2113-12", ASSOCIATION, False),
        ("L2113-12", TPE, False),
        ("L2113-13", EI, True),
        ("L2113-13", ACI, True),
        ("L2113-13", ESAT, False),
        ("L2113-13", SCOP, False),
        ("L2113-15", ASSOCIATION, True),
        ("L2113-15", SCOP, True),
        ("L2113-15", ESUS_TPE, True),
        ("L2113-15", ACI, True),  # an ACI is an association by law
        ("L2113-15", TPE, False),
        ("L2113-15", EI, False),
        ("L2113-15", ESAT, False),
    ],
)
def test_a_reserved_lot_only_matches_eligible_structures(make_structure, make_tender, reserved, structure, matches):
    candidate = make_structure(**structure)
    tender = make_tender(lots=[{"topic": CATERING, "reserved": reserved}])

    assert (candidate.pk in matched(tender)) is matches
    assert (match_for(tender=tender, structure=candidate) is not None) is matches


def test_all_lots_reserved_under_several_kinds_match_structures_eligible_for_one_of_them(make_structure, make_tender):
    esat = make_structure(**ESAT)
    ei = make_structure(**EI)
    association = make_structure(**ASSOCIATION)
    tpe = make_structure(**TPE)
    tender = make_tender(
        lots=[{"topic": CATERING, "reserved": "L2113-12"}, {"topic": CATERING, "reserved": "L2113-13"}]
    )

    assert matched(tender) == {esat.pk, ei.pk}
    assert not {association.pk, tpe.pk} & matched(tender)


def test_a_tender_with_an_unreserved_lot_has_no_reservation_rule(make_structure, make_tender):
    esat = make_structure(**ESAT)
    tpe = make_structure(**TPE)
    tender = make_tender(lots=[{"topic": CATERING, "reserved": "L2113-12"}, {"topic": CATERING, "reserved": ""}])

    assert matched(tender) == {esat.pk, tpe.pk}


def test_a_tender_without_lots_has_no_reservation_rule(make_structure, make_tender):
    tpe = make_structure(**TPE)
    tender = make_tender(lots=[])

    assert matched(tender) == {tpe.pk}


# Standing -------------------------------------------------------------------------------------------------------


def test_archived_rejected_and_opted_out_structures_never_match(make_structure, make_tender):
    pending = make_structure()
    verified = make_structure(verification_status=VerificationStatus.VERIFIED)
    make_structure(archived_at=timezone.now())
    make_structure(verification_status=VerificationStatus.REJECTED, rejection_reason="SIRET inconnu")
    opted_out = make_structure(matching_opt_out=True)
    tender = make_tender()

    assert matched(tender) == {pending.pk, verified.pk}
    assert match_for(tender=tender, structure=opted_out) is None
    assert list(tenders_for_structure(opted_out)) == []


def test_only_open_tenders_are_offered_to_a_structure(make_structure, make_tender):
    structure = make_structure()
    open_tender = make_tender()
    make_tender(published=False)  # a draft
    make_tender(bid_deadline=timezone.now() - timezone.timedelta(hours=1))  # past its deadline
    make_tender(status="cancelled")

    assert list(tenders_for_structure(structure).values_list("pk", flat=True)) == [open_tender.pk]


# Both directions agree -------------------------------------------------------------------------------------------


def test_both_directions_give_the_same_matches_and_scores(make_structure, make_tender):
    rng = random.Random(2024)
    topics = [CATERING, CLEANING, WASTE, TEXTILE]
    areas = ["75111", "75112", "75", "93", "FR"]
    forms = [LegalForm.ASSOCIATION, LegalForm.EI, LegalForm.ESAT, LegalForm.TPE, LegalForm.SCOP]
    turnovers = ["", "lt100k", "100k-500k", "500k-2m", "gt50m"]
    structures = [
        make_structure(
            topics=rng.sample(topics, rng.randint(1, 2)),
            areas=rng.sample(areas, rng.randint(0, 2)),
            legal_form=rng.choice(forms),
            turnover=rng.choice(turnovers),
            insertion_hours_per_year=rng.choice([None, 0, 500, 5000]),
            verification_status=rng.choice([VerificationStatus.PENDING, VerificationStatus.VERIFIED]),
        )
        for _ in range(25)
    ]
    tenders = []
    for _ in range(12):
        lots = [
            {
                "topic": rng.choice(topics),
                "reserved": rng.choice(["", "", "L2113-12", "L2113-13", "L2113-15"]),
                "estimated_value": rng.choice([None, 20_000, 300_000, 3_000_000]),
                "insertion_hours": rng.choice([None, 0, 400, 2000]),
            }
            for _ in range(rng.randint(0, 3))
        ]
        tenders.append(
            make_tender(
                topics=rng.sample(topics, rng.randint(1, 2)),
                places=rng.sample(areas, rng.randint(0, 2)),
                lots=lots,
                estimated_value=rng.choice([None, 50_000, 900_000]),
            )
        )

    forward = {
        (tender.pk, row["pk"]): row["match_score"]
        for tender in tenders
        for row in structures_matching(tender).values("pk", "match_score")
    }
    backward = {
        (row["pk"], structure.pk): row["match_score"]
        for structure in structures
        for row in tenders_for_structure(structure).values("pk", "match_score")
    }
    assert forward == backward
    assert len(forward) > 20  # the grid is not trivially empty
    for (tender_pk, structure_pk), score in list(forward.items())[:40]:
        tender = next(t for t in tenders if t.pk == tender_pk)
        structure = next(s for s in structures if s.pk == structure_pk)
        assert match_for(tender=tender, structure=structure).score == score
