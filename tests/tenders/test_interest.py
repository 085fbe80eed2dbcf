"""Intéressé / Pas intéressé: reversible answers with a reason, visible to the buyer as Interest rows."""

from html import unescape

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tenders.models import Interest, TenderStatus
from tenders.services.participation import ParticipationRefused, interest_set, interest_withdraw
from tests.accounts.factories import UserFactory
from tests.tenders.factories import TenderFactory
from tests.tenders.public import member_of, open_tender

pytestmark = pytest.mark.django_db


def post(client, tender, **data):
    return client.post(reverse("tenders:interest", kwargs={"slug": tender.slug}), data)


def test_interested_then_not_interested_then_interested_again(client):
    user, structure = member_of()
    tender = open_tender()
    client.force_login(user)

    response = post(client, tender, answer="interested")
    assert response.status_code == 302
    interest = Interest.objects.get(tender=tender, structure=structure)
    assert (interest.answer, interest.reason, interest.user) == ("interested", "", user)

    post(client, tender, answer="not_interested", reason="too_far", reason_detail="Nous sommes à Lyon.")
    interest.refresh_from_db()
    assert (interest.answer, interest.reason, interest.reason_detail) == (
        "not_interested",
        "too_far",
        "Nous sommes à Lyon.",
    )

    post(client, tender, answer="interested")
    interest.refresh_from_db()
    assert (interest.answer, interest.reason, interest.reason_detail) == ("interested", "", "")
    assert Interest.objects.filter(tender=tender).count() == 1

    html = unescape(client.get(response["Location"]).content.decode())
    assert "Votre réponse : intéressé." in html
    assert "Finalement, pas intéressé" in html


def test_not_interested_needs_a_reason(client):
    user, _ = member_of()
    tender = open_tender()
    client.force_login(user)

    response = post(client, tender, answer="not_interested", reason="")
    assert response.status_code == 400
    assert "Choisissez une raison dans la liste." in unescape(response.content.decode())
    assert not Interest.objects.exists()

    response = post(client, tender, answer="not_interested", reason="other", reason_detail="  ")
    assert response.status_code == 400
    assert "Précisez la raison en quelques mots." in unescape(response.content.decode())
    assert not Interest.objects.exists()


def test_answer_can_be_withdrawn(client):
    user, structure = member_of()
    tender = open_tender()
    client.force_login(user)
    post(client, tender, answer="interested")
    post(client, tender, withdraw="1")
    assert not Interest.objects.filter(tender=tender, structure=structure).exists()


def test_buyer_sees_the_answers_as_interest_rows(client):
    tender = open_tender()
    for answer, reason in (("interested", ""), ("not_interested", "too_big"), ("not_interested", "no_capacity")):
        user, _ = member_of()
        client.force_login(user)
        post(client, tender, answer=answer, reason=reason)
    rows = sorted(tender.interests.values_list("answer", "reason"))
    assert rows == [("interested", ""), ("not_interested", "no_capacity"), ("not_interested", "too_big")]


@pytest.mark.parametrize(
    ("status", "days", "message"),
    [
        (TenderStatus.CLOSED, -1, "La date limite de cet appel d'offres est passée"),
        (TenderStatus.PUBLISHED, -1, "La date limite de cet appel d'offres est passée"),
        (TenderStatus.CANCELLED, 5, "Cet appel d'offres a été annulé"),
        (TenderStatus.AWARDED, -5, "Cet appel d'offres est terminé"),
    ],
)
def test_closed_tenders_refuse_with_a_clear_message(client, status, days, message):
    user, structure = member_of()
    tender = open_tender(status=status, days=days)
    client.force_login(user)
    response = post(client, tender, answer="interested")
    assert response.status_code == 302
    assert not Interest.objects.exists()
    html = unescape(client.get(response["Location"]).content.decode())
    assert message in html
    assert "Je suis intéressé" not in html


def test_drafts_are_not_found(client):
    user, _ = member_of()
    client.force_login(user)
    assert post(client, TenderFactory(), answer="interested").status_code == 404


def test_anonymous_and_users_without_structure_cannot_answer(client):
    tender = open_tender()
    response = post(client, tender, answer="interested")
    assert response.status_code == 302 and "/compte/" in response["Location"]
    client.force_login(UserFactory())
    assert post(client, tender, answer="interested").status_code == 404
    assert not Interest.objects.exists()


def test_one_cannot_answer_for_someone_elses_structure(client):
    user, _ = member_of()
    _, other = member_of()
    tender = open_tender()
    client.force_login(user)
    post(client, tender, answer="interested", structure=other.slug)  # ignored: acts for the user's own structure
    assert not Interest.objects.filter(structure=other).exists()
    with pytest.raises(PermissionDenied):
        interest_set(tender=tender, structure=other, user=user, answer="interested")


def test_service_rules():
    user, structure = member_of()
    tender = open_tender()
    with pytest.raises(ValidationError):
        interest_set(tender=tender, structure=structure, user=user, answer="not_interested")
    with pytest.raises(ValidationError):
        interest_set(tender=tender, structure=structure, user=user, answer="not_interested", reason="nope")
    with pytest.raises(ValidationError):
        interest_set(tender=tender, structure=structure, user=user, answer="maybe")
    with pytest.raises(ParticipationRefused):
        interest_set(tender=TenderFactory(), structure=structure, user=user, answer="interested")
    interest = interest_set(tender=tender, structure=structure, user=user, answer="not_interested", reason="too_short")
    assert interest.get_reason_display() == "Délai trop court"
    interest_withdraw(tender=tender, structure=structure, user=user)
    assert not Interest.objects.exists()
