"""A buyer of organisation B can do nothing with organisation A's tenders: every admin URL answers 404."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from structures.models import Area, Topic
from tenders.models import Award, Interest, Lot, Question, Tender, TenderDocument, TenderStatus
from tenders.services.documents import document_add
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, LotFactory, TenderFactory
from tests.tenders.helpers import (
    PDF_BYTES,
    form_data,
    reference_data,  # noqa: F401  (fixture)
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def world():
    a = BuyerMembershipFactory(organisation__name="Organisation Alpha")
    b = BuyerMembershipFactory(organisation__name="Organisation Bêta")
    topic = Topic.objects.order_by("position").first()
    tender_a = TenderFactory(
        buyer=a.organisation, title="Marché secret Alpha", topics=[topic], places=[Area.objects.get(code="75")]
    )
    lot_a = LotFactory(tender=tender_a, number=1)
    document_a = document_add(tender=tender_a, file=upload("cctp.pdf", PDF_BYTES), title="CCTP")
    structure = StructureFactory()
    question_a = Question.objects.create(tender=tender_a, structure=structure, text="Quel délai ?")
    interest_a = Interest.objects.create(tender=tender_a, structure=structure, answer=Interest.Answer.INTERESTED)
    tender_b = TenderFactory(buyer=b.organisation, title="Marché de Bêta", topics=[topic])
    return {
        "a": a,
        "b": b,
        "tender_a": tender_a,
        "lot_a": lot_a,
        "document_a": document_a,
        "question_a": question_a,
        "interest_a": interest_a,
        "tender_b": tender_b,
    }


@pytest.fixture
def client_b(client, world):
    client.force_login(world["b"].user)
    return client


# 13: the sidebar asks whether a buyer may add an API token (api/admin.py), which reads their organisation once.
CHANGELIST_QUERIES = 13


def test_list_shows_only_own_tenders(client_b, world, django_assert_max_num_queries):
    with django_assert_max_num_queries(CHANGELIST_QUERIES):
        response = client_b.get(reverse("admin:tenders_tender_changelist"))
    assert response.status_code == 200
    assert "Marché de Bêta" in response.text
    assert "Marché secret Alpha" not in response.text
    # Nor through search or filters.
    response = client_b.get(reverse("admin:tenders_tender_changelist"), {"q": "secret"})
    assert "Marché secret Alpha" not in response.text


def test_list_page_queries_do_not_grow_with_tenders(client_b, world, django_assert_max_num_queries):
    for _ in range(30):
        TenderFactory(buyer=world["b"].organisation)
    with django_assert_max_num_queries(CHANGELIST_QUERIES):
        assert client_b.get(reverse("admin:tenders_tender_changelist")).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "admin:tenders_tender_change",
        "admin:tenders_tender_delete",
        "admin:tenders_tender_history",
        "admin:tenders_tender_preview",
        "admin:tenders_tender_cancel",
        "admin:tenders_tender_award",
        "admin:tenders_tender_publish",
    ],
)
def test_get_on_another_organisations_tender_is_404(client_b, world, name):
    response = client_b.get(reverse(name, args=[world["tender_a"].pk]))
    assert response.status_code == 404
    assert "Alpha" not in response.text


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("admin:tenders_tender_publish", {}),
        ("admin:tenders_tender_close", {}),
        ("admin:tenders_tender_unsuccessful", {}),
        ("admin:tenders_tender_cancel", {"reason": "Je n'ai rien à faire ici."}),
        ("admin:tenders_tender_award", {"award-TOTAL_FORMS": "1", "award-INITIAL_FORMS": "1"}),
        ("admin:tenders_tender_delete", {"post": "yes"}),
    ],
)
def test_actions_on_another_organisations_tender_are_404_and_change_nothing(client_b, world, name, data):
    tender = world["tender_a"]
    response = client_b.post(reverse(name, args=[tender.pk]), data)
    assert response.status_code == 404
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT
    assert not Award.objects.exists()


@pytest.mark.parametrize("status", [TenderStatus.PUBLISHED, TenderStatus.CLOSED])
def test_lifecycle_urls_are_404_whatever_the_state(client_b, world, status):
    tender = world["tender_a"]
    Tender.objects.filter(pk=tender.pk).update(status=status, published_at=timezone.now())
    for name in ["admin:tenders_tender_close", "admin:tenders_tender_unsuccessful", "admin:tenders_tender_cancel"]:
        assert client_b.post(reverse(name, args=[tender.pk]), {"reason": "x"}).status_code == 404
    tender.refresh_from_db()
    assert tender.status == status


def test_change_and_upload_to_another_organisations_tender_is_404(client, client_b, world):
    tender = world["tender_a"]
    # What A's own buyer would post, with a new document and a changed title, posted by B.
    client.force_login(world["a"].user)
    data = form_data(client.get(reverse("admin:tenders_tender_change", args=[tender.pk])).text, "tender_form")
    client.force_login(world["b"].user)
    data.update(
        {"title": "Pris par Bêta", "documents-2-0-title": "Intrus", "documents-2-0-upload": upload("x.pdf", PDF_BYTES)}
    )
    response = client_b.post(reverse("admin:tenders_tender_change", args=[tender.pk]), data)
    assert response.status_code == 404
    tender.refresh_from_db()
    assert tender.title == "Marché secret Alpha"
    assert TenderDocument.objects.filter(tender=tender).count() == 1


def test_document_download_of_another_organisation_is_404(client_b, world):
    url = reverse("admin:tenders_tender_document", args=[world["tender_a"].pk, world["document_a"].pk])
    assert client_b.get(url).status_code == 404
    # Nor by pairing one's own tender with A's document id.
    url = reverse("admin:tenders_tender_document", args=[world["tender_b"].pk, world["document_a"].pk])
    assert client_b.get(url).status_code == 404


def test_bulk_action_ignores_another_organisations_tender(client_b, world):
    tender = world["tender_a"]
    Tender.objects.filter(pk=tender.pk).update(status=TenderStatus.PUBLISHED, published_at=timezone.now())
    response = client_b.post(
        reverse("admin:tenders_tender_changelist"),
        {"action": "close_selected", "_selected_action": [tender.pk], "index": 0},
    )
    assert response.status_code in (200, 302)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED


def test_bulk_delete_is_not_offered_to_buyers(client_b, world):
    response = client_b.post(
        reverse("admin:tenders_tender_changelist"),
        {"action": "delete_selected", "_selected_action": [world["tender_b"].pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert Tender.objects.filter(pk=world["tender_b"].pk).exists()


@pytest.mark.parametrize(
    ("model", "key"),
    [("question", "question_a"), ("interest", "interest_a")],
)
def test_related_objects_of_another_organisation_are_404_and_unlisted(client_b, world, model, key):
    obj = world[key]
    assert client_b.get(reverse(f"admin:tenders_{model}_change", args=[obj.pk])).status_code == 404
    listing = client_b.get(reverse(f"admin:tenders_{model}_changelist"))
    assert listing.status_code == 200
    assert "Marché secret Alpha" not in listing.text


def test_answering_another_organisations_question_is_404(client_b, world):
    question = world["question_a"]
    response = client_b.post(reverse("admin:tenders_question_change", args=[question.pk]), {"answer": "Piraté"})
    assert response.status_code == 404
    question.refresh_from_db()
    assert question.answer == "" and question.answered_at is None


def test_award_of_another_organisation_is_404(client_b, world):
    tender = world["tender_a"]
    award = Award.objects.create(
        tender=tender, winner_name="X", winner_category="large", amount=10, awarded_on=datetime.date(2024, 5, 1)
    )
    assert client_b.get(reverse("admin:tenders_award_change", args=[award.pk])).status_code == 404
    response = client_b.post(reverse("admin:tenders_award_change", args=[award.pk]), {"total_hours_achieved": 5})
    assert response.status_code == 404


def test_the_view_on_site_shortcut_reveals_nothing(client_b, world):
    content_type = ContentType.objects.get_for_model(Tender)
    response = client_b.get(reverse("admin:view_on_site", args=[content_type.pk, world["tender_a"].pk]))
    assert response.status_code == 404
    assert "Location" not in response.headers


def test_no_form_offers_another_organisation(client_b, world):
    response = client_b.get(reverse("admin:tenders_tender_add"))
    assert response.status_code == 200
    assert 'name="buyer"' not in response.text
    assert "Organisation Alpha" not in response.text
    response = client_b.get(reverse("admin:tenders_tender_change", args=[world["tender_b"].pk]))
    assert 'name="buyer"' not in response.text
    assert "Organisation Alpha" not in response.text


def test_posting_another_buyer_id_is_ignored(client_b, world):
    data = form_data(client_b.get(reverse("admin:tenders_tender_add")).text, "tender_form")
    data.update(
        {
            "buyer": str(world["a"].organisation_id),
            "title": "Nouveau marché",
            "reference": "B-2024-01",
            "description": "Description.",
            "bid_deadline_0": "01/12/2030",
            "bid_deadline_1": "12:00:00",
        }
    )
    response = client_b.post(reverse("admin:tenders_tender_add"), data)
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    tender = Tender.objects.get(reference="B-2024-01")
    assert tender.buyer == world["b"].organisation
    assert tender.created_by == world["b"].user


def test_award_form_offers_only_this_tenders_lots(client, world):
    own = world["tender_b"]
    Tender.objects.filter(pk=own.pk).update(status=TenderStatus.CLOSED, published_at=timezone.now())
    LotFactory(tender=own, number=1, title="Lot de Bêta")
    client.force_login(world["b"].user)
    response = client.get(reverse("admin:tenders_tender_award", args=[own.pk]))
    assert response.status_code == 200
    lots = list(response.context["formset"].forms[0].fields["lot"].queryset)
    assert [lot.title for lot in lots] == ["Lot de Bêta"]
    assert world["lot_a"] not in lots
    assert Lot.objects.count() == 2


def test_staff_see_every_organisation(client, world):
    from tests.accounts.factories import UserFactory

    client.force_login(UserFactory(platform_staff=True))
    response = client.get(reverse("admin:tenders_tender_changelist"))
    assert "Marché secret Alpha" in response.text and "Marché de Bêta" in response.text
    response = client.get(reverse("admin:tenders_tender_add"))
    assert 'name="buyer"' in response.text
    assert "Organisation Alpha" in response.text and "Organisation Bêta" in response.text
    assert client.get(reverse("admin:tenders_tender_change", args=[world["tender_a"].pk])).status_code == 200


def test_a_staff_flagged_user_without_organisation_sees_nothing(client, world):
    from django.contrib.auth.models import Group

    from tests.accounts.factories import UserFactory

    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name="Acheteurs"))
    client.force_login(user)
    response = client.get(reverse("admin:tenders_tender_changelist"))
    assert "Marché" not in response.text
    assert client.get(reverse("admin:tenders_tender_change", args=[world["tender_b"].pk])).status_code == 404
