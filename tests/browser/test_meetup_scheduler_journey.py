"""Journey: staff open a meet-up's schedule page, run the scheduler, read its certificate and what would change,
apply it and see the schedule per table. axe finds no violation on any page visited."""

import pytest
from playwright.sync_api import expect

from meetups.models import Meeting
from tests.accounts.factories import PASSWORD, UserFactory
from tests.browser.axe import assert_no_axe_violations
from tests.meetups.factories import MeetingRequestFactory, MeetupFactory, RegistrationFactory
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory

pytestmark = pytest.mark.browser


def test_staff_run_the_scheduler_read_the_certificate_and_apply(live_server, page):
    solideo = BuyerOrganisationFactory(name="SOLIDEO")
    city = BuyerOrganisationFactory(name="Ville de Paris")
    meetup = MeetupFactory(title="Rencontre restauration durable", buyers=[solideo, city], tables=2)
    for name in ("Traiteur Solidaire du Canal", "La Recyclerie du Bassin", "Cuisine Mode d'Emploi"):
        registration = RegistrationFactory(meetup=meetup, structure=StructureFactory(name=name))
        MeetingRequestFactory(registration=registration, buyer=solideo)
        MeetingRequestFactory(registration=registration, buyer=city)
    staff = UserFactory(email="camille@lescanaux.example", platform_staff=True)

    page.goto(f"{live_server.url}/compte/login/?next=/admin/meetups/meetup/{meetup.pk}/planning/")
    page.get_by_label("Adresse e-mail").fill(staff.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page.get_by_role("heading", name="Calculer le planning")).to_be_visible()
    expect(page.get_by_text("le plus grand nombre de rendez-vous ;")).to_be_visible()
    assert_no_axe_violations(page)

    # The scheduler runs as a task (in-process in tests); the page then shows its proposal, nothing applied yet.
    page.get_by_role("button", name="Calculer le planning").click()
    expect(page.get_by_text("Calcul du planning lancé.")).to_be_visible()
    expect(page.get_by_text("6 rendez-vous placés sur 6 possibles — optimal")).to_be_visible()
    expect(page.get_by_text("6 ajouté(s), 0 déplacé(s), 0 retiré(s).")).to_be_visible()
    expect(page.get_by_role("table", name="Chaque objectif, dans l'ordre, avec sa borne prouvée")).to_be_visible()
    assert Meeting.objects.filter(meetup=meetup).count() == 0
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Appliquer ce planning").click()
    expect(page.get_by_text("Planning appliqué : 6 rendez-vous.")).to_be_visible()
    expect(page.get_by_role("heading", name="Table 1")).to_be_visible()
    expect(page.get_by_role("heading", name="Table 2")).to_be_visible()
    assert_no_axe_violations(page)
    assert Meeting.objects.filter(meetup=meetup).count() == 6
