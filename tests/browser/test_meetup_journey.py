"""Journeys: a structure member finds a meet-up, registers, asks to meet a buyer; staff build the schedule; the
member opens the agenda and sees the meeting. Then requests both ways, acceptance, publishing with the agenda
email and its .ics, and the check-in at the door. axe finds no violation on any page visited."""

import os

import pytest
from django.conf import settings
from django.core import mail
from django.utils import formats, timezone
from playwright.sync_api import expect

from meetups import services
from meetups.models import CheckIn, Meeting, MeetingRequest, Registration, RegistrationStatus
from outbox.models import OutboxEmail
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations
from tests.meetups.factories import MeetupFactory, RegistrationFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, BuyerOrganisationFactory

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


def _login(page, live_server, email, next_url):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/compte/login/?next={next_url}")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()


def test_requests_both_ways_accept_publish_agenda_email_with_ics_then_check_in(live_server, page):
    """Issue 11: a structure asks SOLIDEO, SOLIDEO accepts and asks back; staff build and publish the schedule; the
    structure's admin gets the agenda email with its .ics link; at the door, staff check the structure in."""
    buyer_member = BuyerMembershipFactory(
        organisation__name="SOLIDEO", user__email="achats@solideo.example", user__first_name="Paul"
    )
    meetup = MeetupFactory(
        title="Journée speed meeting des Jeux",
        buyers=[buyer_member.organisation, BuyerOrganisationFactory(name="Ville de Paris")],
        requests_need_acceptance=True,
    )
    membership = MembershipFactory(
        structure=StructureFactory(name="Traiteur Solidaire du Canal", verified=True),
        user=UserFactory(email="nadia@traiteur-solidaire.example", first_name="Nadia"),
    )
    registration = RegistrationFactory(meetup=meetup, structure=membership.structure)
    staff = UserFactory(email="equipe@lescanaux.example", platform_staff=True)
    detail = f"/rencontres/{meetup.slug}/"

    # The structure asks to meet SOLIDEO first.
    _login(page, live_server, membership.user.email, detail)
    expect(page.get_by_role("heading", level=1)).to_have_text("Journée speed meeting des Jeux")
    page.get_by_role("checkbox", name="SOLIDEO").check()
    page.get_by_label("Rang de SOLIDEO (1 = premier souhait)").fill("1")
    page.get_by_label("Ce que vous voulez présenter à SOLIDEO").fill("Repas bio pour les équipes de chantier")
    page.get_by_role("button", name="Enregistrer mes demandes").click()
    expect(page.get_by_text("C'est noté : SOLIDEO.")).to_be_visible()
    expect(page.get_by_text("SOLIDEO : en attente de réponse")).to_be_visible()
    assert_no_axe_violations(page)
    assert OutboxEmail.objects.filter(kind="meetup_request_received", to=buyer_member.user.email).exists()

    # SOLIDEO accepts on its page, and asks the structure back.
    _login(page, live_server, buyer_member.user.email, f"{detail}acheteur/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes demandes de rendez-vous")
    expect(page.get_by_text("1 demande attend votre réponse.")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Accepter").click()
    expect(page.get_by_text("Demande de Traiteur Solidaire du Canal acceptée.")).to_be_visible()
    page.get_by_role("checkbox", name="Traiteur Solidaire du Canal").check()
    page.get_by_role("button", name="Enregistrer mes demandes").click()
    expect(page.get_by_text("C'est noté, par ordre de priorité : Traiteur Solidaire du Canal.")).to_be_visible()
    assert_no_axe_violations(page)
    assert set(MeetingRequest.objects.values_list("direction", "status")) == {
        ("structure", "accepted"),
        ("buyer", "accepted"),
    }

    # Staff run the scheduler, then publish from the meet-up's staff page.
    services.schedule_build(meetup=meetup, by=staff)
    meeting = Meeting.objects.get(meetup=meetup)
    _login(page, live_server, staff.email, f"{detail}equipe/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Équipe : Journée speed meeting des Jeux")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Publier le planning et envoyer les agendas").click()
    expect(page.get_by_text("Planning publié : 2 e-mails d'agenda envoyés.")).to_be_visible()
    assert_no_axe_violations(page)

    # The structure's admin received the agenda email (the outbox masks its personal .ics link once sent, so the
    # message is read as delivered); its .ics link gives the meeting.
    assert OutboxEmail.objects.filter(kind="meetup_agenda_published", to=membership.user.email).exists()
    [email] = [
        message for message in mail.outbox if message.to == [membership.user.email] and "agenda" in message.subject
    ]
    assert (
        "SOLIDEO" in email.body
        and formats.time_format(timezone.localtime(meeting.starts_at), "TIME_FORMAT") in email.body
    )
    ics_url = next(line for line in email.body.splitlines() if line.endswith(".ics"))
    ics = page.request.get(live_server.url + ics_url.removeprefix(settings.SITE_URL))
    assert ics.ok and ics.headers["content-type"].startswith("text/calendar")
    assert "SUMMARY:Rendez-vous avec SOLIDEO" in ics.text()

    # The day: staff search the structure at the door and check it in, on a phone.
    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Accueil : pointer les arrivées").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accueil des participants")
    page.get_by_label("Rechercher un participant").fill("Traiteur")
    page.get_by_role("button", name="Chercher").click()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Pointer présent : Traiteur Solidaire du Canal").click()
    expect(page.get_by_text("Présent depuis")).to_be_visible()
    assert_no_axe_violations(page)
    assert CheckIn.objects.get(meetup=meetup).registration == registration
    shot(page, "meetups-check-in-phone")
    page.goto(f"{live_server.url}{detail}equipe/badges/")
    expect(page.get_by_role("img", name="Code QR du badge de Traiteur Solidaire du Canal")).to_be_visible()
    assert_no_axe_violations(page)
