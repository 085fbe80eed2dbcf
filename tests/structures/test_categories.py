"""The directory and the structure pages use the platform's one "who counts as what" rule (structures.categories).

`Structure.category` is a generated column: its expression is `category_expression()`, so what the directory shows,
filters and exports is the charter's category (ESS by legal form *or* ESUS accreditation, TPE/PME or large by size
bands), not a second rule from the legal form alone. The reserved-market columns come from the same module.
"""

import itertools

import pytest

from structures.categories import classify_structure, eligible_markets
from structures.models import Headcount, LegalForm, Structure, Turnover
from tests.structures.factories import StructureFactory

pytestmark = pytest.mark.django_db


def test_the_category_column_is_the_rule_of_structures_categories_for_every_profile():
    headcounts = ["", Headcount.MICRO, Headcount.LARGE]
    turnovers = ["", Turnover.UNDER_2M, Turnover.OVER_50M]
    for form, esus, headcount, turnover in itertools.product(LegalForm, [False, True], headcounts, turnovers):
        StructureFactory(legal_form=form, esus_accredited=esus, headcount=headcount, turnover=turnover)

    rows = list(Structure.objects.all())
    assert len(rows) == len(LegalForm) * 2 * 3 * 3
    for structure in rows:
        expected = classify_structure(structure)
        assert structure.category == expected.category, (structure.legal_form, structure.esus_accredited)
        assert structure.category_label == expected.label


def test_an_esus_accredited_company_of_legal_form_other_is_ess():
    company = StructureFactory(legal_form=LegalForm.OTHER, esus_accredited=True)

    company = Structure.objects.get(pk=company.pk)
    assert company.category == "ess"
    assert company.category_label == "ESS"
    assert Structure.objects.filter(category="ess").get() == company  # the admin's and the database's own filter


def test_a_declared_pme_with_250_staff_or_more_is_a_large_company_with_a_french_label():
    company = StructureFactory(legal_form=LegalForm.PME, headcount=Headcount.LARGE)

    company = Structure.objects.get(pk=company.pk)
    assert company.category == "large"
    assert company.category_label == "Grande entreprise"
    assert company.get_category_display() == "Grande entreprise"


def test_the_directory_card_and_the_structure_page_show_the_rules_category(client):
    StructureFactory(
        verified=True, name="Solidaire SAS", slug="solidaire-sas", legal_form=LegalForm.OTHER, esus_accredited=True
    )

    card = client.get("/structures/", {"q": "Solidaire"}).content.decode()
    page = client.get("/structures/solidaire-sas/").content.decode()

    assert '<span class="visually-hidden">catégorie</span> ESS' in card
    assert "économie sociale et solidaire" in page  # the ESS category's explanation


def test_the_reserved_market_columns_are_the_rule_of_structures_categories_for_every_profile():
    for form, esus in itertools.product(LegalForm, [False, True]):
        StructureFactory(legal_form=form, esus_accredited=esus)

    for structure in Structure.objects.all():
        assert structure.reserved_markets == eligible_markets(
            legal_form=structure.legal_form, esus_accredited=structure.esus_accredited
        ), (structure.legal_form, structure.esus_accredited)
