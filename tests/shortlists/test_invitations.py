"""Inviting a list to a tender: its structures hear of it at publication (or now if already published), in addition
to the matching, exactly once per person, through the matching's notifications and screening."""

import pytest
from django.core import mail
from django.urls import reverse

from matching.models import Frequency, Notification, TenderDispatch
from shortlists import services
from shortlists.models import TenderInvitation
from tenders.models import Interest, TenderStatus
from tenders.services.lifecycle import tender_publish
from tests.matching.conftest import CATERING, CLEANING
from tests.matching.factories import NotificationPreferenceFactory
from tests.tenders.factories import TenderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


@pytest.fixture
def world(buyer, make_structure, make_tender, make_list):
    """A cleaning tender of the buyer's organisation (draft). The caterer in the list does not match it; the cleaner
    in the list matches it anyway; the other caterer is not in the list."""
    organisation = buyer.buyer_membership.organisation
    caterer = make_structure(topics=[CATERING], members=2, verification_status="verified")
    cleaner = make_structure(topics=[CLEANING], members=1, verification_status="verified")
    outsider = make_structure(topics=[CATERING], members=1, verification_status="verified")
    tender = make_tender(topics=[CLEANING], published=False, buyer=organisation)
    shortlist = make_list(buyer, structures=[caterer, cleaner])
    return {"tender": tender, "shortlist": shortlist, "caterer": caterer, "cleaner": cleaner, "outsider": outsider}


def emails_of(*structures):
    return sorted(email for s in structures for email in s.memberships.values_list("user__email", flat=True))


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_a_draft_invitation_notifies_the_list_at_publication_once(buyer, world, run_on_commit):
    tender, shortlist = world["tender"], world["shortlist"]
    invitation, notified = services.shortlist_invite(shortlist=shortlist, tender=tender, by=buyer)
    assert (invitation.invited_by, notified) == (buyer, 0)
    assert not Notification.objects.exists()

    run_on_commit(tender_publish, tender=tender, by=buyer)

    assert recipients() == emails_of(world["caterer"], world["cleaner"])
    caterer_rows = Notification.objects.filter(structure=world["caterer"])
    assert caterer_rows.count() == 2
    assert all(row.reasons[0].startswith("Invitée par l'acheteur : SOLIDEO test") for row in caterer_rows)
    # The cleaner matched on its own: the match (with its score) is kept, one notification per person.
    cleaner_row = Notification.objects.get(structure=world["cleaner"])
    assert cleaner_row.score is not None
    assert not Notification.objects.filter(structure=world["outsider"]).exists()
    assert Notification.objects.emailed().count() == 3
    assert TenderDispatch.objects.get(tender=tender).notification_count == 3

    # Nothing more on a second dispatch, nor on inviting another list with the same structures.
    from matching.tasks import tender_published

    tender_published(tender.pk)
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 3


def test_inviting_to_a_published_tender_notifies_now_exactly_once(buyer, world, run_on_commit, make_list):
    tender = world["tender"]
    run_on_commit(tender_publish, tender=tender, by=buyer)  # matching alone: the cleaner
    assert recipients() == emails_of(world["cleaner"])
    mail.outbox.clear()

    _invitation, notified = run_on_commit(
        services.shortlist_invite, shortlist=world["shortlist"], tender=tender, by=buyer
    )
    assert notified == 2
    assert recipients() == emails_of(world["caterer"])
    # A second list holding the same structures plus the outsider: only the outsider is new.
    mail.outbox.clear()
    again = make_list(buyer, name="Deuxième", structures=[world["caterer"], world["outsider"]])
    run_on_commit(services.shortlist_invite, shortlist=again, tender=tender, by=buyer)
    assert recipients() == emails_of(world["outsider"])
    assert Notification.objects.filter(tender=tender).count() == 4
    assert Notification.objects.emailed().count() == 4


def test_screening_rules_apply_to_invited_structures(buyer, world, run_on_commit, make_structure, make_list):
    """Opted out of tenders: the notification is written, then skipped at send time; unsubscribed: not written."""
    tender = world["tender"]
    opted_out = make_structure(topics=[CATERING], members=1, verification_status="verified")
    shortlist = make_list(buyer, name="Écrans", structures=[opted_out, world["caterer"]])
    unsubscribed = world["caterer"].memberships.order_by("pk").first().user
    NotificationPreferenceFactory(user=unsubscribed, frequency=Frequency.NONE)
    services.shortlist_invite(shortlist=shortlist, tender=tender, by=buyer)
    opted_out.matching_opt_out = True
    opted_out.save(update_fields=["matching_opt_out"])

    run_on_commit(tender_publish, tender=tender, by=buyer)

    assert Notification.objects.get(structure=opted_out).skip_reason == Notification.SkipReason.STRUCTURE_WITHDRAWN
    assert not Notification.objects.filter(user=unsubscribed).exists()
    assert emails_of(opted_out)[0] not in recipients()
    assert unsubscribed.email not in recipients()
    assert recipients() == sorted(
        [*emails_of(world["cleaner"]), *(set(emails_of(world["caterer"])) - {unsubscribed.email})]
    )


def test_a_structure_that_said_not_interested_is_not_emailed(buyer, world, run_on_commit):
    tender = world["tender"]
    run_on_commit(tender_publish, tender=tender, by=buyer)
    Interest.objects.create(
        tender=tender,
        structure=world["caterer"],
        answer=Interest.Answer.NOT_INTERESTED,
        reason=Interest.Reason.TOO_BIG,
    )
    mail.outbox.clear()
    run_on_commit(services.shortlist_invite, shortlist=world["shortlist"], tender=tender, by=buyer)
    assert recipients() == []
    skipped = Notification.objects.filter(structure=world["caterer"])
    assert {row.skip_reason for row in skipped} == {Notification.SkipReason.NOT_INTERESTED}


def test_invite_refuses_other_organisations_closed_tenders_and_twice(buyer, other_buyer, world, make_list, client_for):
    shortlist = world["shortlist"]
    foreign = TenderFactory(buyer=other_buyer.buyer_membership.organisation)
    closed = TenderFactory(buyer=buyer.buyer_membership.organisation, published=True, status=TenderStatus.CLOSED)
    client = client_for(buyer)
    url = reverse("shortlists:invite", args=[shortlist.pk])
    for tender in (foreign, closed):
        response = client.post(url, {"tender": tender.pk})
        assert response.status_code == 400
        assert "Sélectionnez un choix valide" in response.text
        with pytest.raises(services.ShortlistError):
            services.shortlist_invite(shortlist=shortlist, tender=tender, by=buyer)
    response = client.post(url, {})
    assert response.status_code == 400 and "Choisissez un appel d&#x27;offres." in response.text
    assert not TenderInvitation.objects.exists()

    response = client.post(url, {"tender": world["tender"].pk})
    assert response.status_code == 302
    page = client.get(response["Location"]).text
    assert "ces structures recevront l&#x27;appel d&#x27;offres à sa publication" in page
    response = client.post(url, {"tender": world["tender"].pk})
    assert response.status_code == 400 and "déjà invitée" in response.text
    assert TenderInvitation.objects.count() == 1

    empty = make_list(buyer, name="Vide")
    with pytest.raises(services.ShortlistError, match="vide"):
        services.shortlist_invite(shortlist=empty, tender=world["tender"], by=buyer)


def test_a_published_tender_not_yet_dispatched_leaves_the_invitation_to_the_dispatch(buyer, world):
    """Published, but its dispatch has not run (a broker outage): nothing written now; the dispatch includes the
    list (it takes the same lock), once."""
    from matching import delivery

    tender = world["tender"]
    tender.status, tender.published_at = TenderStatus.PUBLISHED, tender.created_at
    tender.save(update_fields=["status", "published_at"])
    _invitation, notified = services.shortlist_invite(shortlist=world["shortlist"], tender=tender, by=buyer)
    assert notified == 0
    assert not Notification.objects.exists()

    delivery.dispatch_tender(tender_id=tender.pk)
    delivery.dispatch_tender(tender_id=tender.pk)
    assert sorted(Notification.objects.values_list("user__email", flat=True)) == emails_of(
        world["caterer"], world["cleaner"]
    )
