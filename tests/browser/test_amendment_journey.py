"""The buyer shortens a published tender's deadline with a note: the interested structure receives the amendment
email and the public page shows the notice. On the way, the buyer looks at the interested structures."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from outbox.models import OutboxEmail
from structures.models import Topic
from tenders.models import Interest, TenderAmendment
from tests.accounts.factories import PASSWORD
from tests.browser.axe import assert_no_axe_violations
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, TenderFactory
from tests.tenders.helpers import ensure_reference_data

# serialized_rollback: the live server needs a transactional database; the data migrations' rows come back after.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

TITLE = "Collecte des biodéchets des restaurants du village des athlètes"


@pytest.fixture
def scene(transactional_db):
    ensure_reference_data()
    buyer = BuyerMembershipFactory(organisation__name="SOLIDEO", user__email="acheteuse@solideo.example.fr").user
    topic = Topic.objects.order_by("position").first()
    tender = TenderFactory(
        buyer=buyer.buyer_membership.organisation,
        published=True,
        title=TITLE,
        topics=[topic],
        places=["93"],
        bid_deadline=timezone.now() + datetime.timedelta(days=36),
    )
    structure = StructureFactory(name="Compost Solidaire", siae=True, topics=[topic], areas=["93"])
    member = MembershipFactory(structure=structure, user__email="contact@compost-solidaire.example.fr").user
    Interest.objects.create(tender=tender, structure=structure, user=member, answer=Interest.Answer.INTERESTED)
    return buyer, tender, member


def test_buyer_shortens_the_deadline_and_the_interested_structure_is_told(live_server, page, scene):
    buyer, tender, member = scene
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Adresse e-mail").fill(buyer.email)
    page.get_by_label("Mot de passe", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    # The tender's page links to its interested structures, with their contacts.
    page.goto(live_server.url + f"/admin/tenders/tender/{tender.pk}/change/")
    expect(page.get_by_role("heading", level=2, name="Statut : Publié")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="1 structure intéressée").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Structures intéressées")
    expect(page.get_by_role("link", name=member.email)).to_be_visible()
    expect(page.get_by_role("link", name="Télécharger la liste (CSV)")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Revenir à l'appel d'offres").click()

    # Shorten the deadline: the form asks what changed.
    new_deadline = timezone.localtime() + datetime.timedelta(days=20)
    page.locator("#id_bid_deadline_0").fill(new_deadline.strftime("%d/%m/%Y"))
    page.locator("#id_bid_deadline_1").fill("12:00:00")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(page.locator(".errorlist").first).to_contain_text("Indiquez ce qui a changé")
    assert_no_axe_violations(page)
    assert not TenderAmendment.objects.exists()

    page.locator("#id_bid_deadline_0").fill(new_deadline.strftime("%d/%m/%Y"))
    page.locator("#id_bid_deadline_1").fill("12:00:00")
    page.get_by_label("Ce qui a changé").fill("La date limite est avancée : le chantier démarre plus tôt.")
    page.get_by_role("button", name="Enregistrer et continuer les modifications").click()
    expect(page.locator(".messagelist")).to_contain_text("1 personne en est prévenue")
    assert_no_axe_violations(page)

    # The interested structure receives the email naming what changed.
    email = OutboxEmail.objects.get(kind="tender_amended")
    assert email.to == member.email
    assert "Date limite de remise des offres" in email.body_text
    assert "La date limite est avancée" in email.body_text
    sent = [message for message in mail.outbox if member.email in message.to]
    assert len(sent) == 1 and "Rectificatif" in sent[0].subject

    # The public page shows the notice at the top.
    page.goto(live_server.url + f"/appels-d-offres/{tender.slug}/")
    notice = page.get_by_role("region", name="Cet appel d'offres a été modifié")
    expect(notice).to_contain_text("Modifié le")
    expect(notice).to_contain_text("La date limite est avancée : le chantier démarre plus tôt.")
    expect(notice).to_contain_text(new_deadline.strftime("%-d"))
    assert_no_axe_violations(page)
