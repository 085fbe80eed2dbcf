"""Journey: a structure member finds a meet-up, registers, asks to meet a buyer; staff build the schedule; the
member opens the agenda and sees the meeting. axe finds no violation on any page visited."""

import os

import pytest
from playwright.sync_api import expect

from meetups import services
from meetups.models import Meeting, Registration, RegistrationStatus
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations
from tests.meetups.factories import MeetupFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.browser

SCREENSHOTS = os.environ.get("MEETUPS_SCREENSHOTS")  # a folder: save screenshots there to look at them


def shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def test_register_ask_for_a_buyer_then_read_the_agenda(live_server, page):
    solideo = BuyerOrganisationFactory(name="SOLIDEO")
    city = BuyerOrganisationFactory(name="Ville de Paris")
    meetup = MeetupFactory(title="Rencontre restauration durable", buyers=[solideo, city], capacity=20)
    MeetupFactory(title="Information marchés réservés", capacity=1)
    membership = MembershipFactory(
        structure=StructureFactory(name="Traiteur Solidaire du Canal", verified=True),
        user=UserFactory(email="nadia@traiteur-solidaire.example", first_name="Nadia"),
    )

    page.goto(f"{live_server.url}/compte/login/?next=/rencontres/")
    page.get_by_label("Adresse e-mail").fill(membership.user.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    # The list: upcoming meet-ups as cards.
    expect(page.get_by_role("heading", level=1)).to_have_text("Rencontres acheteurs – structures")
    expect(page.get_by_text("20 places restantes")).to_be_visible()
    assert_no_axe_violations(page)
    shot(page, "meetups-list")
    page.get_by_role("link", name="Rencontre restauration durable").click()

    # The detail page: register.
    expect(page.get_by_role("heading", level=1)).to_have_text("Rencontre restauration durable")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="M'inscrire").click()
    expect(page.get_by_text("Inscription confirmée.")).to_be_visible()
    assert_no_axe_violations(page)

    # Ask to meet SOLIDEO, with a note.
    page.get_by_role("checkbox", name="SOLIDEO").check()
    page.get_by_label("Ce que vous voulez présenter à SOLIDEO").fill("Repas bio pour les équipes de chantier")
    page.get_by_role("button", name="Enregistrer mes demandes").click()
    expect(page.get_by_text("C'est noté : SOLIDEO.")).to_be_visible()
    expect(page.get_by_role("checkbox", name="SOLIDEO")).to_be_checked()
    assert_no_axe_violations(page)
    shot(page, "meetups-detail")
    registration = Registration.objects.get(meetup=meetup, structure=membership.structure)
    assert registration.status == RegistrationStatus.CONFIRMED

    # Les Canaux staff build the schedule.
    result = services.schedule_build(meetup=meetup, by=UserFactory(platform_staff=True))
    assert result.placed == 1 and not result.unplaced
    meeting = Meeting.objects.get(meetup=meetup)

    # The agenda: the meeting with its time, table and buyer.
    page.reload()
    page.get_by_role("link", name="Voir mon agenda").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon agenda")
    row = page.get_by_role("row").filter(has_text="SOLIDEO")
    expect(row).to_contain_text(f"Table {meeting.table}")
    expect(row).to_contain_text("Repas bio pour les équipes de chantier")
    expect(page.get_by_role("button", name="Imprimer mon agenda")).to_be_visible()
    assert_no_axe_violations(page)
    shot(page, "meetups-agenda")
    page.set_viewport_size({"width": 390, "height": 844})
    shot(page, "meetups-agenda-phone")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    shot(page, "meetups-agenda-print")
