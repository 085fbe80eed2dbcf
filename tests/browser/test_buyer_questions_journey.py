"""A structure asks a question and marks interest → the buyer receives the question email, answers from their
dashboard's link, and the next day's digest lists the interest."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tenders.models import Question
from tenders.services.buyer_notifications import send_daily_digests
from tenders.tasks import send_buyer_daily_digests
from tests.accounts.factories import PASSWORD
from tests.browser.axe import assert_no_axe_violations
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory
from tests.tenders.helpers import ensure_reference_data
from tests.tenders.public import open_tender

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

QUESTION = "Les bacs de collecte sont-ils fournis ?"


@pytest.fixture
def buyer(transactional_db):
    ensure_reference_data()
    return BuyerMembershipFactory(organisation__name="SOLIDEO", user__email="acheteuse@solideo.example.fr").user


@pytest.fixture
def tender(buyer):
    return open_tender(
        title="Collecte des biodéchets du village",
        buyer=buyer.buyer_membership.organisation,
        created_by=buyer,
        days=12,
        questions_deadline=timezone.now() + datetime.timedelta(days=8),
    )


@pytest.fixture
def member(transactional_db):
    return MembershipFactory(structure=StructureFactory(name="Compost'Insertion", verified=True)).user


def log_in(page, live_server, email):
    page.goto(live_server.url + "/compte/login/")
    page.get_by_label("Adresse e-mail").fill(email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("link", name="Se connecter")).to_have_count(0)


def test_question_email_answer_from_the_dashboard_and_next_day_digest(
    live_server, browser, page, buyer, tender, member, mailoutbox
):
    # The structure says it is interested and asks a question.
    log_in(page, live_server, member.email)
    page.goto(live_server.url + f"/appels-d-offres/{tender.slug}/")
    page.get_by_role("button", name="Je suis intéressé").click()
    expect(page.get_by_text("Votre réponse : intéressé.")).to_be_visible()
    page.get_by_label("Votre question à l'acheteur").fill(QUESTION)
    page.get_by_role("button", name="Envoyer ma question").click()
    expect(page.get_by_text("Votre question a été transmise à l'acheteur.")).to_be_visible()
    assert_no_axe_violations(page)

    # The buyer got the question at once (the interest waits for tomorrow's digest).
    to_buyer = [m for m in mailoutbox if m.to == [buyer.email]]
    assert [m.subject for m in to_buyer] == ["Nouvelle question sur « Collecte des biodéchets du village »"]
    assert QUESTION in to_buyer[0].body

    # The buyer logs in, lands on their home and answers from its link.
    buyer_context = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris")
    admin = buyer_context.new_page()
    log_in(admin, live_server, buyer.email)
    expect(admin).to_have_url(live_server.url + "/espace/")
    expect(admin.get_by_role("heading", name="1 question sans réponse")).to_be_visible()
    assert_no_axe_violations(admin)
    admin.get_by_role("link", name=f"Répondre à « {QUESTION} »").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Modifier la question")
    assert_no_axe_violations(admin)
    admin.get_by_role("textbox", name=re.compile("Réponse")).fill("Oui, 40 bacs de 240 litres.")
    admin.get_by_role("button", name="Enregistrer", exact=True).click()
    expect(admin.locator(".messagelist")).to_be_visible()
    assert Question.objects.get().answered_at is not None
    admin.goto(live_server.url + "/admin/")
    expect(admin.get_by_role("heading", name="1 question sans réponse")).to_have_count(0)
    expect(admin.get_by_role("heading", name="SOLIDEO : à faire aujourd'hui")).to_be_visible()
    assert_no_axe_violations(admin)
    buyer_context.close()

    # The next morning, the digest lists the interested structure; a second run sends nothing more.
    send_buyer_daily_digests.apply(kwargs={}).get()  # today: yesterday had nothing
    assert not [m for m in mailoutbox if "intéressée" in m.subject]
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    send_daily_digests(today=tomorrow)
    send_daily_digests(today=tomorrow)
    digests = [m for m in mailoutbox if m.to == [buyer.email] and "intéressée" in m.subject]
    assert len(digests) == 1
    assert digests[0].subject == "ESS 2024 : 1 structure intéressée hier"
    assert "Compost'Insertion" in digests[0].body
