"""A visitor opens the charter page from the navigation, reads both figures in words, sorts the buyers, downloads the
CSV; the page is axe-clean on a desktop and on a phone, and prints without the navigation."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_no_axe_violations
from tests.charter.factories import AwardFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def awards(transactional_db):
    city = BuyerOrganisationFactory(name="Ville de Paris", charter_signatory=True, charter_signed_on="2019-03-12")
    works = BuyerOrganisationFactory(name="Société des ouvrages", charter_signatory=True)
    AwardFactory(buyer=city, amount=Decimal("300000"), total_hours_planned=4000, insertion_hours_planned=400)
    AwardFactory(
        buyer=works,
        large=True,
        amount=Decimal("700000"),
        ess_share_amount=Decimal("70000"),
        total_hours_planned=6000,
        insertion_hours_planned=400,
        awarded_on=datetime.date(2024, 6, 1),
    )


def test_a_visitor_sees_how_far_the_charter_targets_are_met(live_server, page, awards):
    page.goto(live_server.url + "/")
    page.get_by_role("navigation", name="Navigation principale").get_by_role("link", name="Charte").click()

    expect(page).to_have_url(live_server.url + "/charte/")
    expect(page.get_by_role("heading", level=1)).to_have_text("La charte sociale des Jeux : où en est-on ?")
    value = page.locator(".charter-target--value")
    hours = page.locator(".charter-target--hours")
    expect(value).to_contain_text("37,0 %")  # (300 000 + 70 000) / 1 000 000
    expect(value).to_contain_text("Objectif : au moins 25 %")
    expect(value).to_contain_text("Objectif atteint")
    expect(hours).to_contain_text("8,0 %")
    expect(hours).to_contain_text("Objectif non atteint : il manque 2,0 points")
    expect(page.get_by_role("img", name=re.compile("Évolution des parts cumulées"))).to_be_visible()
    expect(page.get_by_role("table", name="Les deux objectifs par acheteur")).to_be_visible()
    assert_no_axe_violations(page)

    # Sort the buyers by their share of insertion hours: the one with 10 % first.
    page.get_by_role("link", name="part des heures d'insertion").click()
    expect(page).to_have_url(re.compile(r"\?tri=heures#acheteurs$"))
    first_buyer = page.get_by_role("table", name="Les deux objectifs par acheteur").locator("tbody tr").first
    expect(first_buyer).to_contain_text("Ville de Paris")

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Télécharger ce tableau")).click()
    download = download_info.value
    assert re.fullmatch(r"charte-sociale-ess2024-\d{4}-\d{2}-\d{2}\.csv", download.suggested_filename)
    with open(download.path(), encoding="utf-8-sig") as csv_file:
        lines = csv_file.read().splitlines()
    assert lines[1].startswith("Ville de Paris;oui;12/03/2019;1;300000,00;300000,00;100,0;oui")

    # Printed: no navigation nor buttons, the figures and the tables stay.
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".charter-sort")).to_be_hidden()
    expect(value).to_be_visible()
    expect(page.get_by_role("table", name="Parts cumulées par trimestre d'attribution")).to_be_visible()


def test_the_charter_page_on_a_phone(live_server, browser, awards):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    page = context.new_page()
    page.goto(live_server.url + "/charte/")

    # The narrow chart replaces the wide one; the figures are there in words.
    expect(page.locator(".charter-timeline--narrow")).to_be_visible()
    expect(page.locator(".charter-timeline--wide")).to_be_hidden()
    expect(page.locator(".charter-target--hours")).to_contain_text("il manque 2,0 points")
    no_overflow = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert no_overflow, "the page scrolls sideways on a phone"
    assert_no_axe_violations(page)
    context.close()
