"""Who counts as what (structures/categories.py): one rule, in Python and as SQL, used by the charter and directory."""

import itertools

import pytest

from structures.categories import LARGE, category_expression, classify, classify_structure
from structures.models import Category, Headcount, LegalForm, Structure, Turnover
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("profile", "category", "reason_part"),
    [
        ({"legal_form": LegalForm.ACI}, Category.SIAE, "insertion"),
        ({"legal_form": LegalForm.ESAT}, Category.DISABILITY, "EA/ESAT"),
        ({"legal_form": LegalForm.SCOP}, Category.ESS, "ESS"),
        ({"legal_form": LegalForm.OTHER, "esus_accredited": True}, Category.ESS, "ESUS"),
        (
            {"legal_form": LegalForm.OTHER, "headcount": Headcount.MICRO, "turnover": Turnover.UNDER_2M},
            Category.SME,
            "",
        ),
        ({"legal_form": LegalForm.OTHER, "headcount": Headcount.MEDIUM}, Category.SME, ""),
        ({"legal_form": LegalForm.OTHER, "turnover": Turnover.OVER_50M}, LARGE, "250"),
        ({"legal_form": LegalForm.PME, "headcount": Headcount.LARGE}, LARGE, "250"),  # bands beat the declared form
        ({"legal_form": LegalForm.TPE}, Category.SME, "TPE"),
        ({"legal_form": LegalForm.OTHER}, Category.OTHER, "Ni forme"),
        # An ESS structure stays ESS whatever its size; an SIAE stays SIAE even when ESUS-accredited.
        ({"legal_form": LegalForm.ASSOCIATION, "headcount": Headcount.LARGE}, Category.ESS, ""),
        ({"legal_form": LegalForm.EI, "esus_accredited": True}, Category.SIAE, ""),
    ],
)
def test_classify(profile, category, reason_part):
    result = classify(**profile)
    assert result.category == category
    assert reason_part in result.reason
    assert result.reason.endswith(".")


def test_the_sql_expression_gives_the_same_category_as_the_python_rule_for_every_profile():
    forms = [LegalForm.OTHER, LegalForm.ASSOCIATION, LegalForm.EI, LegalForm.EA, LegalForm.PME, LegalForm.ESUS]
    headcounts = ["", Headcount.MICRO, Headcount.LARGE]
    turnovers = ["", Turnover.UNDER_2M, Turnover.OVER_50M]
    for form, esus, headcount, turnover in itertools.product(forms, [False, True], headcounts, turnovers):
        StructureFactory(legal_form=form, esus_accredited=esus, headcount=headcount, turnover=turnover)

    rows = Structure.objects.annotate(computed=category_expression())
    assert rows.count() == len(forms) * 2 * 3 * 3
    for structure in rows:
        assert structure.computed == classify_structure(structure).category, (
            structure.legal_form,
            structure.esus_accredited,
            structure.headcount,
            structure.turnover,
        )


def test_the_directory_category_filter_uses_the_rule(client):
    StructureFactory(verified=True, name="Société solidaire agréée", legal_form=LegalForm.OTHER, esus_accredited=True)
    StructureFactory(verified=True, name="Société ordinaire", legal_form=LegalForm.OTHER)

    content = client.get("/structures/", {"category": Category.ESS}).content.decode()

    assert "Société solidaire agréée" in content
    assert "Société ordinaire" not in content
