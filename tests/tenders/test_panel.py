"""`/espace/` panel: the member's interesting tenders, groupements and questions."""

from html import unescape

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from tenders.panels import my_tenders_panel
from tenders.services.participation import interest_set, partner_message_send, partner_search_start
from tenders.services.questions import question_answer, question_ask
from tests.accounts.factories import UserFactory
from tests.tenders.factories import BuyerMembershipFactory
from tests.tenders.public import member_of, open_tender

pytestmark = pytest.mark.django_db


def panel_for(user):
    request = RequestFactory().get("/espace/")
    request.user = user
    return my_tenders_panel(request)


def test_no_panel_without_a_structure():
    assert panel_for(UserFactory()) is None


def test_panel_lists_interests_groupements_and_questions(
    client, django_assert_max_num_queries, django_assert_num_queries
):
    user, structure = member_of()
    soon = open_tender(title="Bientôt", days=3)
    later = open_tender(title="Plus tard", days=40)
    declined = open_tender(title="Refusé")
    for tender in (later, soon):
        interest_set(tender=tender, structure=structure, user=user, answer="interested")
    interest_set(tender=declined, structure=structure, user=user, answer="not_interested", reason="too_big")

    partner_search_start(tender=soon, structure=structure, user=user, contribution="La logistique.")
    other_user, other = member_of(name="Coopérative du Canal")
    partner_search_start(tender=soon, structure=other, user=other_user, contribution="Les repas.")
    partner_message_send(tender=soon, sender=other, user=other_user, recipient=structure, body="On s'associe ?")

    answered = question_ask(tender=soon, structure=structure, user=user, text="Combien de sites ?")
    question_ask(tender=later, structure=structure, user=user, text="Quel budget ?")
    question_answer(question=answered, answer="Trois.", by=BuyerMembershipFactory(organisation=soon.buyer).user)

    with django_assert_max_num_queries(5):
        panel = panel_for(user)
    assert [i.tender.title for i in panel["interests"]] == ["Bientôt", "Plus tard"]  # closest deadline first
    assert [s.tender.title for s in panel["searches"]] == ["Bientôt"] and panel["searches"][0].others == 1
    assert [m.sender.name for m in panel["received_messages"]] == ["Coopérative du Canal"]
    assert {q.text: q.answered_at is not None for q in panel["questions"]} == {
        "Combien de sites ?": True,
        "Quel budget ?": False,
    }

    with django_assert_num_queries(0):  # everything the template shows was fetched by the panel
        render_to_string(panel["template"], {"panel": panel})

    client.force_login(user)
    html = unescape(client.get(reverse("dashboard")).content.decode())
    assert "Mes appels d'offres" in html
    assert "Bientôt" in html and "Refusé" not in html
    assert "Coopérative du Canal, au sujet de « Bientôt »" in html
    assert "répondue" in html and "en attente de réponse" in html


def test_empty_panel_says_what_to_do(client):
    user, _ = member_of()
    client.force_login(user)
    html = unescape(client.get(reverse("dashboard")).content.decode())
    assert "Vous n'avez encore dit votre intérêt pour aucun appel d'offres." in html
    assert "Je cherche des partenaires" in html
