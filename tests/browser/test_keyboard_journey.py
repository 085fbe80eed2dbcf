"""A keyboard user reaches the first result of the tender list and of the directory within 15 presses of Tab from
the top of the page (issue 15, item 8): the skip link "Aller aux résultats" jumps over the filters, whose groups are
collapsed <details> (open when a filter in them is in use)."""

import pytest
from playwright.sync_api import expect

from structures.models import Topic
from tests.browser.axe import assert_no_axe_violations
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory
from tests.tenders.public import open_tender

pytestmark = pytest.mark.browser

WASTE = "gestion-et-valorisation-des-dechets"
CATERING = "restauration-durable"
MAX_TABS = 15
GIVE_UP = 150  # presses of Tab before the test calls the result unreachable


@pytest.fixture
def lists(transactional_db):
    waste = Topic.objects.get(slug=WASTE)
    for number in range(3):
        buyer = BuyerOrganisationFactory(name=f"Acheteur {number}")
        open_tender(
            title=f"Collecte des biodéchets {number}",
            buyer=buyer,
            topics=[WASTE],
            places=["93"],
            days=10 + number,
            lots=[{"title": "Collecte", "topic": waste}],
        )
    open_tender(title="Repas des bénévoles", topics=[CATERING], places=["75"], days=20)
    for name in ("Recyclerie du Canal", "Traiteur du Canal", "Jardins du Canal"):
        StructureFactory(name=name, topics=[WASTE], areas=["93"], verified=True)


def focused(page) -> dict:
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            return {text: (el.innerText || el.value || "").trim(), href: el.getAttribute("href") || "",
                    first: el === document.querySelector(window.__firstResult)};
        }"""
    )


def tabs_to_first_result(page, url: str, first_result: str, *, use_skip_link: bool) -> int:
    """Presses of Tab from the top of `url` until the first result's link has the focus (Enter on the skip link
    "Aller aux résultats" when `use_skip_link`, not counted as a Tab)."""
    page.goto(url)
    page.evaluate("(selector) => { window.__firstResult = selector; }", first_result)
    presses = 0
    while presses < GIVE_UP:
        page.keyboard.press("Tab")
        presses += 1
        state = focused(page)
        if state["first"]:
            return presses
        if use_skip_link and state["text"] == "Aller aux résultats":
            expect(page.locator(":focus")).to_be_visible()  # a skip link shows when it has the focus
            page.keyboard.press("Enter")
            page.evaluate("(selector) => { window.__firstResult = selector; }", first_result)
    return presses


@pytest.mark.parametrize(
    ("path", "first_result", "before"),
    [
        ("/appels-d-offres/", "#tender-results .tender-list article h3 a", 84),
        ("/structures/", "#directory-results article h3 a", 53),
    ],
)
def test_the_first_result_is_within_15_presses_of_tab(live_server, page, lists, path, first_result, before):
    url = live_server.url + path
    skipping = tabs_to_first_result(page, url, first_result, use_skip_link=True)
    assert skipping <= MAX_TABS, f"{skipping} presses of Tab to the first result of {path}"
    # The first result has the focus and is the one listed first.
    expect(page.locator(first_result).first).to_be_focused()
    assert_no_axe_violations(page)

    # Without the skip link too, the collapsed groups make the way much shorter than it was (84 and 53).
    plain = tabs_to_first_result(page, url, first_result, use_skip_link=False)
    assert plain < before / 2, f"{plain} presses of Tab without the skip link on {path}"
    print(f"{path}: {skipping} presses of Tab with the skip link, {plain} without")
    assert skipping < plain


def test_a_group_is_open_when_a_filter_in_it_is_in_use(live_server, page, lists):
    page.goto(live_server.url + "/appels-d-offres/")
    topics = page.locator("details.filter-group", has=page.locator("summary", has_text="Thématiques"))
    places = page.locator("details.filter-group", has=page.locator("summary", has_text="Lieu d'exécution"))
    expect(topics).not_to_have_attribute("open", "")
    checkbox = page.get_by_role("checkbox", name="Gestion et valorisation des déchets")
    expect(checkbox).to_be_hidden()
    # Open the group from the keyboard, choose a topic, apply.
    topics.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(checkbox).to_be_visible()
    checkbox.check()
    page.get_by_role("button", name="Appliquer les filtres").click()
    expect(page.get_by_role("heading", name="3 appels d'offres")).to_be_visible()
    page.reload()
    expect(topics).to_have_attribute("open", "")
    expect(places).not_to_have_attribute("open", "")
    expect(topics.locator("summary")).to_contain_text("(1 choisie)")
    assert_no_axe_violations(page)

    page.goto(live_server.url + "/structures/?topics=" + WASTE)
    groups = page.locator("details.filter-group")
    expect(groups.filter(has=page.locator("summary", has_text="Thématiques"))).to_have_attribute("open", "")
    expect(groups.filter(has=page.locator("summary", has_text="Zones d'intervention"))).not_to_have_attribute(
        "open", ""
    )
    assert_no_axe_violations(page)
