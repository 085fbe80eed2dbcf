"""First journeys: the home page in both languages, and a visitor's sign-up → verification → log-in → log-out."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from tests.browser.axe import assert_no_axe_violations

pytestmark = pytest.mark.browser

HOME_H1_FR = "Les marchés des Jeux de Paris 2024, ouverts à l'économie sociale et solidaire"
HOME_H1_EN = "The Paris 2024 Games contracts, open to the social and solidarity economy"


def test_home_page_in_french_then_in_english_through_the_language_switcher(live_server, page):
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_H1_FR)
    assert_no_axe_violations(page)

    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(live_server.url + "/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_H1_EN)
    expect(page.get_by_role("navigation", name="Main navigation").get_by_role("link", name="Tenders")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Français").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text(HOME_H1_FR)


def test_visitor_signs_up_verifies_email_logs_in_and_out(live_server, page):
    email = "claire.martin@recyclerie-exemple.fr"
    password = "Une-recyclerie-solidaire-2024"

    page.goto(live_server.url + "/")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Créer un compte").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Créer un compte")
    assert_no_axe_violations(page)

    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_label("Mot de passe, une seconde fois").fill(password)
    page.get_by_role("button", name="Créer mon compte").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vérifiez votre adresse e-mail")
    assert_no_axe_violations(page)
    assert not User.objects.get(email=email).emailaddress_set.get().verified

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [email]
    assert message.subject == "[ESS 2024] Bienvenue : confirmez votre adresse e-mail"
    link = re.search(r"https?://\S+/compte/confirm-email/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirmer votre adresse e-mail")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Confirmer mon adresse").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")
    assert_no_axe_violations(page)
    assert User.objects.get(email=email).emailaddress_set.get().verified
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(password)
    page.get_by_role("button", name="Se connecter").click()

    expect(page).to_have_url(live_server.url + "/espace/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon espace")
    expect(page.get_by_text(email).first).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page).to_have_url(live_server.url + "/")
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
    page.goto(live_server.url + "/espace/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Se connecter")


def test_phone_menu_works_without_javascript(live_server, browser):
    # axe cannot run with JavaScript off (its checks are scheduled by the page's event loop): the same markup is
    # checked below with JavaScript on.
    for javascript in (False, True):
        context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=javascript)
        page = context.new_page()
        try:
            page.goto(live_server.url + "/")
            nav = page.get_by_role("navigation", name="Navigation principale")
            expect(nav).to_be_hidden()
            page.get_by_text("Menu", exact=True).click()
            expect(nav).to_be_visible()
            if javascript:
                assert_no_axe_violations(page)
                continue
            nav.get_by_role("link", name="Structures").click()
            expect(page).to_have_url(live_server.url + "/structures/")
            page.get_by_text("Menu", exact=True).click()
            expect(nav.get_by_role("link", name="Structures")).to_have_attribute("aria-current", "page")
        finally:
            context.close()
