"""A buyer publishes; a matched structure's member sees it in "Pour vous" with its reasons, and the email that
reached the (real) SMTP server links to it. Then the member follows the one-click unsubscribe link."""

import re

import pytest
from playwright.sync_api import expect

from matching.models import Frequency, NotificationPreference
from tests.accounts.factories import PASSWORD
from tests.browser.axe import assert_no_axe_violations
from tests.matching.conftest import CATERING, ensure_buyers_group, ensure_reference_data
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, TenderFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Repas bio pour les bénévoles du village des athlètes"


def log_in(page, live_server, email, next_url="/espace/"):
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/compte/login/?next={next_url}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(live_server.url + next_url)


def test_a_published_tender_reaches_the_matched_member_on_the_site_and_by_email(
    live_server, page, smtp_server, settings
):
    settings.SITE_URL = live_server.url  # links in emails point at this server
    ensure_reference_data()
    ensure_buyers_group()
    buyer = BuyerMembershipFactory(organisation__name="Ville de Paris").user
    caterer = StructureFactory(
        name="Les Cuisines Solidaires du 11e", topics=[CATERING], areas=["75111"], turnover="100k-500k"
    )
    member = MembershipFactory(structure=caterer).user
    outsider = MembershipFactory(structure=StructureFactory(topics=["textile-et-goodies"], areas=["75111"])).user
    tender = TenderFactory(
        buyer=buyer.buyer_membership.organisation,
        title=TITLE,
        topics=[CATERING],
        places=["75111"],
        estimated_value=120_000,
    )

    # The buyer publishes in the admin panel.
    log_in(page, live_server, buyer.email, next_url="/admin/")
    page.goto(f"{live_server.url}/admin/tenders/tender/{tender.pk}/change/")
    page.get_by_role("button", name="Publier").click()
    expect(page.locator(".messagelist")).to_contain_text("L'appel d'offres est publié")
    assert_no_axe_violations(page)

    # The email arrived at the SMTP server, for the member only.
    (message,) = smtp_server.wait_for(1)
    assert smtp_server.recipients() == [member.email]
    assert outsider.email not in smtp_server.recipients()
    assert message["Subject"] == f"Un appel d'offres pour vous : {TITLE}"
    text = message.get_body(("plain",)).get_content()
    link = re.search(rf"{re.escape(live_server.url)}/appels-d-offres/[\w-]+/", text).group(0)
    unsubscribe = message["List-Unsubscribe"].strip("<>")

    # The member sees it in "Pour vous" with its reasons.
    log_in(page, live_server, member.email)
    panel = page.get_by_role("region", name="Pour vous")
    expect(panel.get_by_role("link", name=TITLE)).to_be_visible()
    expect(panel).to_contain_text("Vous intervenez en « Restauration durable ».")
    expect(panel).to_contain_text(
        "Vous intervenez dans l'arrondissement du lieu d'exécution : Paris 11e arrondissement."
    )
    expect(panel).to_contain_text("Le montant estimé (120 000 €) est à la mesure de votre chiffre d'affaires")
    assert_no_axe_violations(page)

    # The email's link opens the tender, which says why it fits.
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("heading", name="Pourquoi cet appel d'offres vous correspond")).to_be_visible()
    assert_no_axe_violations(page)

    # Alerts page, then the one-click unsubscribe link (no login needed).
    page.goto(f"{live_server.url}/alertes/preferences/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes alertes")
    assert_no_axe_violations(page)
    page.context.clear_cookies()
    page.goto(unsubscribe)
    expect(page.get_by_role("heading", level=1)).to_have_text("Ne plus recevoir d'appels d'offres par e-mail")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Me désabonner").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vous êtes désabonné")
    assert_no_axe_violations(page)
    assert NotificationPreference.objects.get(user=member).frequency == Frequency.NONE
