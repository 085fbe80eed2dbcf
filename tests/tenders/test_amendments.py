"""Amendments ("rectificatifs") and the cancellation / unsuccessful emails: who is told, once; the admin form's
note and short-notice confirmation; the public page, the OCDS package and the Atom feed."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from matching.models import Notification
from outbox.models import OutboxEmail
from structures.models import Area, Membership, Topic
from tenders import ocds
from tenders.models import Interest, PartnerSearch, Question, TenderAmendment, TenderStatus
from tenders.services import amendments, lifecycle
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, LotFactory, TenderFactory
from tests.tenders.helpers import (
    form_data,
    reference_data,  # noqa: F401  (fixture)
)
from tests.tenders.public import open_tender
from tests.tenders.test_ocds import assert_valid

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


def in_days(days: float) -> datetime.datetime:
    return (timezone.now() + datetime.timedelta(days=days)).replace(second=0, microsecond=0)


def emails(kind: str) -> list[OutboxEmail]:
    return list(OutboxEmail.objects.filter(kind=kind).order_by("to"))


def notified(tender, *, status="emailed", structure=None, user=None):
    """A matching notification row: `user` heard (or not) of `tender` for `structure`."""
    user = user or UserFactory()
    if structure is None:
        structure = StructureFactory()
        MembershipFactory(structure=structure, user=user)
    return Notification.objects.create(
        tender=tender,
        user=user,
        structure=structure,
        source=Notification.Source.MATCH,
        channel="immediate",
        status=status,
        skip_reason="" if status != "skipped" else Notification.SkipReason.UNSUBSCRIBED,
        handled_at=None if status == "pending" else timezone.now(),
    )


@pytest.fixture
def buyer():
    return BuyerMembershipFactory(organisation__name="SOLIDEO").user


@pytest.fixture
def world(buyer):
    """A published tender with everyone who may (or may not) hear of its changes."""
    tender = open_tender(
        title="Collecte des biodéchets",
        buyer=buyer.buyer_membership.organisation,
        days=36,
        topics=[Topic.objects.order_by("position").first()],
        places=["93"],
    )
    people = {}
    people["emailed"] = notified(tender).user
    people["pending"] = notified(tender, status="pending").user
    people["skipped"] = notified(tender, status="skipped").user

    interested = StructureFactory(name="Compost Solidaire")
    people["interested"] = MembershipFactory(structure=interested).user
    Interest.objects.create(
        tender=tender, structure=interested, user=people["interested"], answer=Interest.Answer.INTERESTED
    )
    # The same person was also emailed by the matching: one email, not two.
    notified(tender, structure=interested, user=people["interested"])

    declined = StructureFactory(name="Trop loin")
    people["declined"] = MembershipFactory(structure=declined).user
    Interest.objects.create(
        tender=tender,
        structure=declined,
        user=people["declined"],
        answer=Interest.Answer.NOT_INTERESTED,
        reason=Interest.Reason.TOO_FAR,
    )
    notified(tender, structure=declined, user=people["declined"])

    asker = StructureFactory(name="Les Questionneurs")
    people["asker"] = MembershipFactory(structure=asker).user
    Question.objects.create(tender=tender, structure=asker, asked_by=people["asker"], text="Combien de bacs ?")

    # A question whose author left: the structure's administrators are told instead; a plain member is not.
    orphan = StructureFactory(name="Recyclerie orpheline")
    gone = UserFactory(is_active=False)
    people["orphan_admin"] = MembershipFactory(structure=orphan, role=Membership.Role.ADMIN).user
    people["orphan_member"] = MembershipFactory(structure=orphan, role=Membership.Role.MEMBER).user
    Question.objects.create(tender=tender, structure=orphan, asked_by=gone, text="Et le dimanche ?")

    partner = StructureFactory(name="Groupement possible")
    people["partner"] = MembershipFactory(structure=partner).user
    PartnerSearch.objects.create(
        tender=tender, structure=partner, created_by=people["partner"], contribution="La logistique."
    )
    # Another tender's people hear nothing.
    other = open_tender(title="Autre marché")
    people["other_tender"] = notified(other).user
    return tender, people


TOLD = ["emailed", "interested", "asker", "orphan_admin", "partner"]
NOT_TOLD = ["pending", "skipped", "declined", "orphan_member", "other_tender"]


def assert_told(kind, people):
    sent_to = [email.to for email in emails(kind)]
    assert sent_to == sorted(people[name].email for name in TOLD)
    for name in NOT_TOLD:
        assert people[name].email not in sent_to, name


# Who is told -------------------------------------------------------------------------------------------------------


def test_recipients_are_the_emailed_the_interested_the_askers_and_the_partner_seekers(world):
    tender, people = world
    assert amendments.amendment_recipients(tender) == sorted(people[name].email for name in TOLD)


def test_a_shortened_deadline_is_recorded_and_told_once_to_each_person(
    world, buyer, django_capture_on_commit_callbacks
):
    tender, people = world
    old_deadline = tender.bid_deadline
    new_deadline = in_days(20)
    amendment = amendments.tender_amend(
        tender=tender,
        by=buyer,
        note="La date limite est avancée : le marché doit démarrer avant les Jeux.",
        values={"bid_deadline": new_deadline},
    )
    tender.refresh_from_db()
    assert tender.bid_deadline == new_deadline
    assert amendment.by == buyer and amendment.tender == tender
    change = amendment.changes["bid_deadline"]
    assert change["label"] == "Date limite de remise des offres"
    assert change["before"] == amendments._moment(old_deadline)
    assert change["after"] == amendments._moment(new_deadline)
    assert list(amendment.changes) == ["bid_deadline"]

    assert_told("tender_amended", people)
    email = emails("tender_amended")[0]
    assert email.subject == "Rectificatif : « Collecte des biodéchets » a été modifié"
    assert "La date limite est avancée" in email.body_text
    assert f"Date limite de remise des offres : {change['after']} (au lieu de {change['before']})" in email.body_text
    assert f"/appels-d-offres/{tender.slug}/" in email.body_text
    assert "au lieu de" in email.body_html

    # Recording the same amendment again sends nothing twice (dedupe keys).
    count = OutboxEmail.objects.count()
    amendments._queue(
        tender,
        template="tenders/emails/tender_amended",
        key=f"tenders-amendment-{amendment.pk}",
        kind="tender_amended",
        context={"amendment": amendment, "changes": []},
    )
    assert OutboxEmail.objects.count() == count


def test_without_a_note_nothing_changes_and_nobody_is_told(world, buyer):
    tender, _people = world
    before = tender.bid_deadline
    with pytest.raises(amendments.AmendmentError) as error:
        amendments.tender_amend(tender=tender, by=buyer, note="  ", values={"bid_deadline": in_days(20)})
    assert "Indiquez ce qui a changé" in str(error.value.message_dict["note"])
    tender.refresh_from_db()
    assert tender.bid_deadline == before
    assert not TenderAmendment.objects.exists()
    assert not emails("tender_amended")


def test_a_deadline_moved_to_less_than_the_minimum_notice_needs_a_confirmation(world, buyer, settings):
    settings.TENDER_AMENDMENT_MIN_NOTICE_DAYS = 5
    tender, _people = world
    with pytest.raises(amendments.AmendmentError) as error:
        amendments.tender_amend(tender=tender, by=buyer, note="Urgence.", values={"bid_deadline": in_days(3)})
    assert "moins de 5 jours" in " ".join(error.value.message_dict["bid_deadline"])
    assert not TenderAmendment.objects.exists()

    amendment = amendments.tender_amend(
        tender=tender, by=buyer, note="Urgence.", values={"bid_deadline": in_days(3)}, short_notice_confirmed=True
    )
    assert "bid_deadline" in amendment.changes


def test_pushing_back_a_near_deadline_needs_no_confirmation():
    near = in_days(1)
    assert amendments.short_notice_problems(before={"bid_deadline": near}, after={"bid_deadline": in_days(3)}) == []
    assert (
        amendments.short_notice_problems(before={"bid_deadline": in_days(30)}, after={"bid_deadline": in_days(10)})
        == []
    )
    assert (
        len(amendments.short_notice_problems(before={"bid_deadline": in_days(30)}, after={"bid_deadline": in_days(4)}))
        == 1
    )


def test_a_draft_changes_without_amendment_or_email(buyer):
    tender = TenderFactory(buyer=buyer.buyer_membership.organisation)
    notified(tender)
    assert amendments.tender_amend(tender=tender, by=buyer, note="", values={"description": "Nouveau texte."}) is None
    tender.refresh_from_db()
    assert tender.description == "Nouveau texte."
    assert not TenderAmendment.objects.exists() and not OutboxEmail.objects.exists()


def test_a_change_that_changes_nothing_records_nothing(world, buyer):
    tender, _people = world
    assert (
        amendments.tender_amend(tender=tender, by=buyer, note="Rien.", values={"description": tender.description})
        is None
    )
    assert not TenderAmendment.objects.exists()


# Cancellation and unsuccessful ----------------------------------------------------------------------------------


def test_cancelling_a_published_tender_tells_the_same_people_with_the_reason(world, buyer):
    tender, people = world
    lifecycle.tender_cancel(tender=tender, by=buyer, reason="Le site a changé de propriétaire.")
    assert_told("tender_cancelled", people)
    email = emails("tender_cancelled")[0]
    assert email.subject == "Appel d'offres annulé : « Collecte des biodéchets »"
    assert "Le site a changé de propriétaire." in email.body_text and "SOLIDEO a annulé" in email.body_text


def test_cancelling_a_draft_tells_nobody(buyer):
    tender = TenderFactory(buyer=buyer.buyer_membership.organisation)
    notified(tender)
    lifecycle.tender_cancel(tender=tender, by=buyer, reason="Erreur de saisie.")
    assert not OutboxEmail.objects.exists()


def test_declaring_unsuccessful_tells_the_same_people_once(world, buyer):
    tender, people = world
    lifecycle.tender_close(tender=tender, by=buyer)
    lifecycle.tender_mark_unsuccessful(tender=tender, by=buyer, reason="Aucune offre conforme.")
    assert_told("tender_unsuccessful", people)
    assert "Aucune offre conforme." in emails("tender_unsuccessful")[0].body_text
    # Told once: the dedupe keys hold if the notification runs again.
    amendments.tender_status_notify(tender=tender, reason="Aucune offre conforme.")
    assert len(emails("tender_unsuccessful")) == len(TOLD)


# The admin form -----------------------------------------------------------------------------------------------------


@pytest.fixture
def logged(client, buyer):
    client.force_login(buyer)
    return client


def change_url(tender):
    return reverse("admin:tenders_tender_change", args=[tender.pk])


def post_change(client, tender, **changes):
    page = client.get(change_url(tender))
    assert page.status_code == 200
    data = form_data(page.text, "tender_form")
    data.update(changes)
    data["_continue"] = "1"
    return client.post(change_url(tender), data)


def test_the_admin_asks_for_a_note_when_the_deadline_of_a_published_tender_changes(logged, world):
    tender, people = world
    before = tender.bid_deadline
    new = timezone.localtime(in_days(20))
    page = logged.get(change_url(tender))
    assert "Modification d&#x27;un appel d&#x27;offres publié (rectificatif)" in page.text
    response = post_change(logged, tender, bid_deadline_0=new.strftime("%d/%m/%Y"), bid_deadline_1="12:00:00")
    assert response.status_code == 200
    assert "Indiquez ce qui a changé" in response.text
    tender.refresh_from_db()
    assert tender.bid_deadline == before
    assert not TenderAmendment.objects.exists() and not emails("tender_amended")

    response = post_change(
        logged,
        tender,
        bid_deadline_0=new.strftime("%d/%m/%Y"),
        bid_deadline_1="12:00:00",
        amendment_note="Date limite avancée au " + new.strftime("%d/%m"),
    )
    assert response.status_code == 302
    amendment = TenderAmendment.objects.get()
    assert list(amendment.changes) == ["bid_deadline"]
    assert amendment.note.startswith("Date limite avancée")
    assert_told("tender_amended", people)
    assert any("5 personnes en sont prévenues" in str(m) for m in get_messages(response.wsgi_request))


def test_the_admin_says_why_a_short_notice_needs_a_confirmation(logged, world, settings):
    settings.TENDER_AMENDMENT_MIN_NOTICE_DAYS = 5
    tender, _people = world
    soon = timezone.localtime(in_days(2))
    fields = {
        "bid_deadline_0": soon.strftime("%d/%m/%Y"),
        "bid_deadline_1": "12:00:00",
        "amendment_note": "Calendrier resserré.",
    }
    response = post_change(logged, tender, **fields)
    assert response.status_code == 200
    assert "il resterait moins de 5 jours aux structures" in response.text.replace("&#x27;", "'")
    assert not TenderAmendment.objects.exists()

    response = post_change(logged, tender, confirm_short_notice="on", **fields)
    assert response.status_code == 302
    assert TenderAmendment.objects.count() == 1


def test_a_new_lot_needs_a_note_and_is_recorded(logged, world):
    tender, _people = world
    topic = Topic.objects.order_by("position").first()
    lot = {
        "lots-TOTAL_FORMS": "1",
        "lots-0-title": "Compostage",
        "lots-0-topic": str(topic.pk),
        "lots-0-estimated_value": "40000",
    }
    response = post_change(logged, tender, **lot)
    assert response.status_code == 200 and "Indiquez ce qui a changé" in response.text
    assert not tender.lots.exists()
    response = post_change(logged, tender, amendment_note="Un lot de compostage est ajouté.", **lot)
    assert response.status_code == 302
    amendment = TenderAmendment.objects.get()
    assert amendment.changes["lots"]["before"] == "aucun lot"
    assert amendment.changes["lots"]["after"].startswith("Lot 1 : Compostage (40")


def test_changing_the_contact_of_a_published_tender_is_no_amendment(logged, world):
    tender, _people = world
    response = post_change(logged, tender, contact_email="marches@solideo.example.org")
    assert response.status_code == 302
    tender.refresh_from_db()
    assert tender.contact_email == "marches@solideo.example.org"
    assert not TenderAmendment.objects.exists() and not OutboxEmail.objects.exists()


def test_an_unchanged_published_tender_saves_without_a_note(logged, world):
    tender, _people = world
    LotFactory(tender=tender, number=1, title="Collecte", description="Deux passages.\r\nLe lundi.")
    tender.description = "Première ligne.\r\nSeconde ligne."
    tender.save()
    response = post_change(logged, tender)
    assert response.status_code == 302
    assert not TenderAmendment.objects.exists()


def test_the_admin_declares_unsuccessful_with_a_reason(logged, world):
    tender, people = world
    lifecycle.tender_close(tender=tender, by=None)
    logged.post(reverse("admin:tenders_tender_unsuccessful", args=[tender.pk]), {"reason": "Offres trop chères."})
    tender.refresh_from_db()
    assert tender.status == TenderStatus.UNSUCCESSFUL
    assert_told("tender_unsuccessful", people)
    assert "Offres trop chères." in emails("tender_unsuccessful")[0].body_text


# Public page, OCDS, Atom ----------------------------------------------------------------------------------------


@pytest.fixture
def amended(world, buyer):
    tender, _people = world
    amendments.tender_amend(
        tender=tender,
        by=buyer,
        note="Le lieu d'exécution s'étend à Paris.",
        values={"estimated_value": 120_000},
        places=[Area.objects.get(code="93"), Area.objects.get(code="75")],
    )
    return tender


def test_the_public_page_shows_the_amendments_at_the_top(client, amended):
    page = client.get(reverse("tenders:detail", kwargs={"slug": amended.slug})).content.decode()
    notice = page.index("Cet appel d'offres a été modifié")
    assert notice < page.index("Le marché")
    assert "Modifié le" in page and "Le lieu d&#x27;exécution s&#x27;étend à Paris." in page
    assert "Montant estimé : 120" in page and "(au lieu de 100" in page


def test_the_public_page_runs_a_fixed_number_of_queries_with_amendments(
    client, amended, buyer, django_assert_max_num_queries
):
    url = reverse("tenders:detail", kwargs={"slug": amended.slug})
    with django_assert_max_num_queries(20) as one:
        client.get(url)
    for days in (25, 24, 23):
        amendments.tender_amend(tender=amended, by=buyer, note="Encore.", values={"bid_deadline": in_days(days)})
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(url)


def test_ocds_carries_the_amendments(client, amended):
    package = client.get(reverse("tenders:ocds")).json()
    assert_valid(package)
    release = next(r for r in package["releases"] if r["ocid"] == ocds.ocid(amended))
    assert release["tag"] == ["tenderAmendment"]
    [amendment] = release["tender"]["amendments"]
    assert amendment["id"] == "1"
    assert amendment["rationale"] == "Le lieu d'exécution s'étend à Paris."
    assert "Montant estimé : 120" in amendment["description"]
    assert "Lieux d'exécution" in amendment["description"]
    assert amendment["date"] == timezone.localtime(TenderAmendment.objects.get().created_at).isoformat()


def test_the_atom_entry_is_updated_at_the_latest_amendment(client, amended):
    latest = TenderAmendment.objects.get()
    latest.created_at = timezone.now() + datetime.timedelta(hours=1)  # later than any other change
    latest.save()
    root = ET.fromstring(client.get(reverse("tenders:feed")).content)  # noqa: S314 (our own response)
    atom = "{http://www.w3.org/2005/Atom}"
    entry = next(e for e in root.findall(f"{atom}entry") if e.find(f"{atom}title").text == amended.title)
    updated = datetime.datetime.fromisoformat(entry.find(f"{atom}updated").text)
    assert updated == latest.created_at


def test_the_demo_has_one_amendment_on_an_open_tender_with_interests():
    from accounts import demo as accounts_demo
    from structures import demo as structures_demo
    from tenders import demo

    accounts_demo.seed()
    structures_demo.seed()
    demo.seed()
    demo.seed()  # idempotent
    amendment = TenderAmendment.objects.select_related("tender").get()
    assert amendment.tender.buyer.memberships.filter(user__email=demo.DEMO_BUYER).exists()
    assert amendment.tender.interests.filter(answer=Interest.Answer.INTERESTED).exists()
    assert list(amendment.changes) == ["bid_deadline"] and amendment.note
