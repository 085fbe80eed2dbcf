"""Reserved-market eligibility in the matching comes from structures.categories, the platform's one rule."""

import pytest

from matching.services import StructureSide, match_for, structures_matching, tenders_for_structure
from structures.categories import eligible_markets
from structures.models import LegalForm
from tests.matching.conftest import CATERING

pytestmark = pytest.mark.django_db


def test_an_esus_company_of_legal_form_other_is_ess_for_the_matching_too(make_structure, make_tender):
    company = make_structure(legal_form=LegalForm.OTHER, esus_accredited=True)
    ordinary = make_structure(legal_form=LegalForm.OTHER)
    tender = make_tender(lots=[{"topic": CATERING, "reserved": "L2113-15"}])

    assert set(structures_matching(tender).values_list("pk", flat=True)) == {company.pk}
    assert match_for(tender=tender, structure=company) is not None
    assert tender.pk in set(tenders_for_structure(company).values_list("pk", flat=True))
    assert tender.pk not in set(tenders_for_structure(ordinary).values_list("pk", flat=True))
    company.refresh_from_db()
    assert company.category == "ess"  # the directory says the same


@pytest.mark.parametrize("form", list(LegalForm))
@pytest.mark.parametrize("esus", [False, True])
def test_a_structures_side_of_the_matching_uses_the_rule(make_structure, form, esus):
    structure = make_structure(legal_form=form, esus_accredited=esus)

    side = StructureSide.load(structure)

    assert side.eligible == eligible_markets(legal_form=form, esus_accredited=esus)
    assert side.eligible == [str(market) for market in structure.reserved_markets]
