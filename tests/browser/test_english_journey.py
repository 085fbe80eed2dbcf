"""An English reader on the tender list (issue 15, item 3): topics, places and "All of France" in English in the
filters, the cards, the chips and the tender page; nothing of the French reference data shows; axe finds nothing."""

import pytest
from playwright.sync_api import expect

from structures.models import Area, Sector, Topic
from tests.browser.axe import assert_no_axe_violations
from tests.tenders.public import open_tender

pytestmark = pytest.mark.browser

WASTE = "gestion-et-valorisation-des-dechets"
CATERING = "restauration-durable"


@pytest.fixture
def tenders(transactional_db):
    waste = Topic.objects.get(slug=WASTE)
    open_tender(
        title="Collecte des biodéchets du village",
        topics=[WASTE],
        places=["93"],
        lots=[{"title": "Collecte", "topic": waste}],
    )
    open_tender(title="Repas des bénévoles", topics=[CATERING], places=["FR"], days=20)


def french_names() -> set[str]:
    names = set()
    for model in (Topic, Sector, Area):
        names |= {name for name, name_en in model.objects.values_list("name", "name_en") if name != name_en}
    return names


def assert_no_french_reference_data(page):
    text = page.locator("body").inner_text()
    leaks = sorted(name for name in french_names() if name in text)
    assert leaks == [], leaks


def test_an_english_reader_filters_tenders_by_an_english_topic(live_server, page, tenders):
    page.goto(live_server.url + "/en/appels-d-offres/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    cards = page.locator("#tender-results article")
    expect(cards).to_have_count(2)
    expect(cards.filter(has_text="Repas des bénévoles")).to_contain_text("All of France")
    expect(cards.filter(has_text="Repas des bénévoles")).to_contain_text("Sustainable catering")
    expect(page.get_by_text("Venue")).to_have_count(0)
    assert_no_french_reference_data(page)
    assert_no_axe_violations(page)

    # The topic filter speaks English: open its group, choose a topic by its English name, apply.
    group = page.locator("details.filter-group", has=page.locator("summary", has_text="Topics"))
    group.locator("summary").click()
    group.get_by_role("checkbox", name="Waste management and recovery").check()
    page.get_by_role("button", name="Apply the filters").click()
    expect(cards).to_have_count(1)
    expect(cards.first).to_contain_text("Collecte des biodéchets du village")
    expect(page.locator("main")).to_contain_text("Waste management and recovery")  # the chip of the active filter
    assert_no_french_reference_data(page)
    assert_no_axe_violations(page)

    # The tender page: topics, lot topic and place of performance in English.
    cards.first.get_by_role("link").first.click()
    expect(page.locator("h1")).to_have_text("Collecte des biodéchets du village")
    expect(page.locator("main")).to_contain_text("Seine-Saint-Denis (93)")
    expect(page.locator("main")).to_contain_text("Waste management and recovery")
    assert_no_french_reference_data(page)
    assert_no_axe_violations(page)
