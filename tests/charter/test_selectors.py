"""The charter's aggregation rules, on crafted awards (real PostgreSQL)."""

import datetime
from decimal import Decimal

import pytest

from charter import charts, selectors
from structures.models import Category
from tests.charter.factories import AwardFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.django_db

D = Decimal


# --- Target 1: amounts ---------------------------------------------------------------------------------------------


def test_an_ess_winner_counts_for_its_full_amount_whatever_share_it_declared():
    AwardFactory(amount=D("300000"), ess_share_amount=D("0"))
    AwardFactory(large=True, amount=D("700000"), ess_share_amount=D("0"))

    figures = selectors.overall()

    assert figures.awarded_amount == D("1000000")
    assert figures.counted_amount == D("300000")
    assert figures.value.value == D("30.0")
    assert figures.value.met is True
    assert figures.value.gap == 0


def test_a_large_company_counts_only_its_declared_subcontracting_or_cocontracting_share():
    AwardFactory(large=True, amount=D("1000000"), ess_share_amount=D("200000"))

    figures = selectors.overall()

    assert figures.counted_amount == D("200000")
    assert figures.value.value == D("20.0")
    assert figures.value.met is False
    assert figures.value.gap == D("5.0")


@pytest.mark.parametrize(
    ("category", "counted"),
    [
        (Category.ESS, D("1000")),
        (Category.SIAE, D("1000")),
        (Category.DISABILITY, D("1000")),
        (Category.SME, D("1000")),
        (Category.OTHER, D("250")),  # not an ESS/TPE/PME winner: its declared share only
        ("large", D("250")),
    ],
)
def test_which_winner_categories_count_fully(category, counted):
    AwardFactory(winner_category=category, amount=D("1000"), ess_share_amount=D("250"))

    assert selectors.overall().counted_amount == counted


def test_amounts_count_not_the_number_of_contracts():
    """Nine small ESS contracts out of ten are still far from 25 % when the tenth is huge."""
    AwardFactory.create_batch(9, amount=D("1000"))
    AwardFactory(large=True, amount=D("991000"))

    figures = selectors.overall()

    assert figures.award_count == 10
    assert figures.value.value == D("0.9")
    assert figures.value.met is False


def test_shares_are_truncated_so_that_25_0_always_means_met():
    AwardFactory(amount=D("2496"))
    AwardFactory(large=True, amount=D("7504"))

    share = selectors.overall().value

    assert share.value == D("24.9")  # 24.96 %, not rounded up to 25.0
    assert share.met is False
    assert share.gap == D("0.1")
    assert not share.gap_is_plural


def test_exactly_the_target_is_met():
    AwardFactory(amount=D("25"))
    AwardFactory(large=True, amount=D("75"))

    assert selectors.overall().value.met is True


# --- Target 2: hours -----------------------------------------------------------------------------------------------


def test_hours_use_the_achieved_ones_when_reported_else_the_planned_ones():
    AwardFactory(total_hours_planned=1000, insertion_hours_planned=50)  # planned only: 1000 h, 50 h
    AwardFactory(
        total_hours_planned=1000,
        insertion_hours_planned=50,
        total_hours_achieved=2000,
        insertion_hours_achieved=350,
    )  # reported: 2000 h, 350 h

    figures = selectors.overall()

    assert figures.total_hours == 3000
    assert figures.insertion_hours == 400
    assert figures.hours.value == D("13.3")
    assert figures.hours.met is True
    assert figures.reported_hours_share == D("66.6")  # 2000 of the 3000 hours are achieved hours


def test_half_reported_hours_are_not_mixed_with_planned_ones():
    """Only total hours achieved known: both planned figures count, never 40 insertion hours out of 5000."""
    AwardFactory(total_hours_planned=1000, insertion_hours_planned=40, total_hours_achieved=5000)

    figures = selectors.overall()

    assert (figures.total_hours, figures.insertion_hours) == (1000, 40)
    assert figures.hours.value == D("4.0")
    assert figures.hours.gap == D("6.0")
    assert figures.hours.gap_is_plural
    assert figures.reported_hours_share == 0


def test_the_achieved_trait_reports_hours():
    AwardFactory(achieved=True, total_hours_planned=1000, insertion_hours_planned=100)

    figures = selectors.overall()

    assert (figures.total_hours, figures.insertion_hours) == (1100, 120)


# --- No data -------------------------------------------------------------------------------------------------------


def test_no_award_gives_no_figure_rather_than_a_division_by_zero():
    figures = selectors.overall()

    assert not figures.has_data
    for share in (figures.value, figures.hours):
        assert share.value is None
        assert share.met is None
        assert share.gap == 0
        assert share.bar == "0%"
    assert selectors.by_quarter() == []
    assert selectors.by_category() == (selectors.Figures(), [])
    assert charts.cumulative_shares([]) is None


def test_awards_without_hours_give_an_amount_share_but_no_hours_share():
    AwardFactory(total_hours_planned=0, insertion_hours_planned=0)

    figures = selectors.overall()

    assert figures.value.value == D("100.0")
    assert figures.hours.value is None
    assert figures.reported_hours_share is None


# --- Per buyer -----------------------------------------------------------------------------------------------------


def test_per_buyer_figures_and_who_is_listed():
    city = BuyerOrganisationFactory(name="Ville de Paris", charter_signatory=True)
    solideo = BuyerOrganisationFactory(name="SOLIDEO", charter_signatory=True)
    idfm = BuyerOrganisationFactory(name="Île-de-France Mobilités")  # not a signatory, but awarded a contract
    BuyerOrganisationFactory(name="Signataire sans marché", charter_signatory=True)
    BuyerOrganisationFactory(name="Ni signataire ni marché")
    AwardFactory(buyer=city, amount=D("100"), total_hours_planned=100, insertion_hours_planned=20)
    AwardFactory(buyer=city, large=True, amount=D("300"), total_hours_planned=100, insertion_hours_planned=0)
    AwardFactory(buyer=solideo, large=True, amount=D("1000"), ess_share_amount=D("400"))
    AwardFactory(buyer=idfm, amount=D("50"))

    rows = {row.buyer.name: row.figures for row in selectors.by_buyer()}

    assert set(rows) == {"Ville de Paris", "SOLIDEO", "Île-de-France Mobilités", "Signataire sans marché"}
    assert rows["Ville de Paris"].award_count == 2
    assert rows["Ville de Paris"].value.value == D("25.0")
    assert rows["Ville de Paris"].value.met is True
    assert rows["Ville de Paris"].hours.value == D("10.0")
    assert rows["SOLIDEO"].value.value == D("40.0")
    assert rows["SOLIDEO"].hours.value == D("10.0")
    assert rows["Île-de-France Mobilités"].value.value == D("100.0")
    assert not rows["Signataire sans marché"].has_data
    assert rows["Signataire sans marché"].value.met is None


def test_per_buyer_sorting_keeps_buyers_without_data_last():
    small = BuyerOrganisationFactory(name="B petit")
    big = BuyerOrganisationFactory(name="C grand")
    low = BuyerOrganisationFactory(name="A faible part")
    BuyerOrganisationFactory(name="0 signataire", charter_signatory=True)
    AwardFactory(buyer=small, amount=D("10"), total_hours_planned=100, insertion_hours_planned=30)
    AwardFactory(buyer=big, amount=D("1000"), total_hours_planned=100, insertion_hours_planned=1)
    AwardFactory(buyer=low, large=True, amount=D("500"), ess_share_amount=D("5"))

    def names(sort):
        return [row.buyer.name for row in selectors.by_buyer(sort=sort)]

    assert names("nom") == ["0 signataire", "A faible part", "B petit", "C grand"]
    assert names("montant") == ["C grand", "A faible part", "B petit", "0 signataire"]
    assert names("valeur") == ["B petit", "C grand", "A faible part", "0 signataire"]
    assert names("heures") == ["B petit", "A faible part", "C grand", "0 signataire"]
    assert names("n'importe quoi") == names("nom")


def test_signatories_by_signature_date():
    BuyerOrganisationFactory(name="Plus tard", charter_signatory=True, charter_signed_on=datetime.date(2020, 1, 1))
    BuyerOrganisationFactory(name="Tôt", charter_signatory=True, charter_signed_on=datetime.date(2018, 6, 1))
    BuyerOrganisationFactory(name="Sans date", charter_signatory=True)
    AwardFactory()  # its buyer did not sign

    assert [b.name for b in selectors.overview().signatories] == ["Tôt", "Plus tard", "Sans date"]


# --- Over time and by category ------------------------------------------------------------------------------------


def test_by_quarter_with_cumulative_shares_and_empty_quarters_kept():
    AwardFactory(awarded_on=datetime.date(2023, 11, 30), large=True, amount=D("100"))  # T4 2023: 0 %
    AwardFactory(awarded_on=datetime.date(2024, 1, 2), amount=D("100"))  # T1 2024
    AwardFactory(awarded_on=datetime.date(2024, 3, 31), amount=D("200"))  # T1 2024
    AwardFactory(awarded_on=datetime.date(2024, 9, 1), large=True, amount=D("600"))  # T3 2024, nothing in T2

    quarters = selectors.by_quarter()

    assert [q.label for q in quarters] == ["T4 2023", "T1 2024", "T2 2024", "T3 2024"]
    assert [q.start for q in quarters] == [
        datetime.date(2023, 10, 1),
        datetime.date(2024, 1, 1),
        datetime.date(2024, 4, 1),
        datetime.date(2024, 7, 1),
    ]
    assert [q.figures.award_count for q in quarters] == [1, 2, 0, 1]
    assert [q.cumulative.award_count for q in quarters] == [1, 3, 3, 4]
    assert [q.cumulative.value.value for q in quarters] == [D("0.0"), D("75.0"), D("75.0"), D("30.0")]
    assert quarters[-1].cumulative.counted_amount == selectors.overall().counted_amount


def test_by_category_breaks_the_overall_figures_down():
    AwardFactory(winner_category=Category.SIAE, amount=D("100"))
    AwardFactory(winner_category=Category.SIAE, amount=D("100"))
    AwardFactory(winner_category=Category.SME, amount=D("300"))
    AwardFactory(large=True, amount=D("500"), ess_share_amount=D("50"))

    total, rows = selectors.by_category()

    assert total == selectors.overall()
    assert [(r.category, r.figures.award_count, r.figures.awarded_amount) for r in rows] == [
        (Category.SIAE, 2, D("200")),
        (Category.SME, 1, D("300")),
        ("large", 1, D("500")),
    ]
    assert [r.share_of_amount for r in rows] == [D("20.0"), D("30.0"), D("50.0")]
    assert [r.counted_share_of_amount for r in rows] == [D("20.0"), D("30.0"), D("5.0")]
    assert [r.counts_fully for r in rows] == [True, True, False]
    assert rows[-1].label == "Grande entreprise"


def test_each_view_is_one_query_or_two(django_assert_num_queries):
    buyers = BuyerOrganisationFactory.create_batch(3, charter_signatory=True)
    for index in range(12):
        AwardFactory(buyer=buyers[index % 3], awarded_on=datetime.date(2023, 1 + index, 1), achieved=index % 2)

    with django_assert_num_queries(1):
        selectors.overall()
    with django_assert_num_queries(1):
        selectors.by_category()
    with django_assert_num_queries(1):
        selectors.by_quarter()
    with django_assert_num_queries(2):  # the awards of its tenders, then its imported awards (no tender)
        selectors.by_buyer()
    with django_assert_num_queries(4):
        selectors.overview()


def test_the_timeline_chart_places_targets_and_points_on_the_percent_scale():
    AwardFactory(awarded_on=datetime.date(2024, 1, 10), amount=D("100"), insertion_hours_planned=0)
    AwardFactory(awarded_on=datetime.date(2024, 4, 10), large=True, amount=D("100"))

    chart = charts.cumulative_shares(selectors.by_quarter())

    size = charts.WIDE
    bottom = size.height - size.bottom
    scale = (bottom - size.top) / 100  # highest share 100 % -> a 100 % axis
    value, hours = chart.series
    assert [p.y for p in value.points] == [f"{size.top:.1f}", f"{bottom - 50 * scale:.1f}"]  # 100 %, then 50 %
    assert [p.x for p in value.points] == [f"{size.left:.1f}", f"{size.width - size.right:.1f}"]
    assert [p.y for p in hours.points] == [f"{bottom:.1f}", f"{bottom - 5 * scale:.1f}"]  # 0 %, then 5 %
    assert [t.y for t in chart.targets] == [f"{bottom - 25 * scale:.1f}", f"{bottom - 10 * scale:.1f}"]
    assert [t.label for t in chart.x_ticks] == ["T1 2024", "T2 2024"]
