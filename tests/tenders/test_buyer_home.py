"""The buyer's home (/espace/ panel and admin index) and the admin's French titles."""

import datetime
import html

import pytest
from django.urls import reverse
from django.utils import timezone

from structures.models import Membership
from tenders.models import Award, BuyerMembership, Interest, PartnerSearch, Question, TenderStatus
from tests.accounts.factories import UserFactory
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, TenderFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]


@pytest.fixture
def buyer():
    return BuyerMembershipFactory(organisation__name="Ville de Saint-Denis").user


def open_tender(buyer, **kwargs):
    return TenderFactory(published=True, buyer=buyer.buyer_membership.organisation, created_by=buyer, **kwargs)


def populate(buyer, n_tenders=3):
    """Open tenders with interests, questions and partner searches; a draft, a closed one, an award to complete."""
    organisation = buyer.buyer_membership.organisation
    structures = [StructureFactory(verified=True) for _ in range(4)]
    tenders = []
    for i in range(n_tenders):
        tender = open_tender(buyer, title=f"Marché ouvert {i}")
        tenders.append(tender)
        Interest.objects.create(tender=tender, structure=structures[0], answer="interested")
        Interest.objects.create(tender=tender, structure=structures[1], answer="not_interested", reason="too_far")
        Interest.objects.create(tender=tender, structure=structures[2], answer="not_interested", reason="too_far")
        Question.objects.create(tender=tender, structure=structures[0], text=f"Question ouverte {i}")
        Question.objects.create(
            tender=tender, structure=structures[1], text="Répondue", answer="Oui.", answered_at=timezone.now()
        )
        PartnerSearch.objects.create(tender=tender, structure=structures[3], contribution="La partie espaces verts")
    TenderFactory(buyer=organisation, title="Brouillon de marché de nettoyage")
    closed = TenderFactory(
        buyer=organisation,
        title="Marché clos à attribuer",
        status=TenderStatus.CLOSED,
        published_at=timezone.now() - datetime.timedelta(days=40),
        bid_deadline=timezone.now() - datetime.timedelta(days=2),
    )
    awarded = TenderFactory(
        buyer=organisation,
        title="Marché attribué sans heures réalisées",
        status=TenderStatus.AWARDED,
        published_at=timezone.now() - datetime.timedelta(days=90),
        bid_deadline=timezone.now() - datetime.timedelta(days=60),
    )
    Award.objects.create(
        tender=awarded, winner=structures[0], winner_category="ess", amount=1000, awarded_on=datetime.date(2024, 3, 1)
    )
    # A replaced award stays as history (inactive): it is no longer a to-do of the buyer's.
    Award.objects.create(
        tender=awarded,
        winner=structures[1],
        winner_category="ess",
        amount=900,
        awarded_on=datetime.date(2024, 2, 1),
        is_active=False,
    )
    return tenders, closed


def test_the_espace_shows_the_buyer_home_first_with_the_to_do(client, buyer):
    tenders, closed = populate(buyer)
    client.force_login(buyer)
    page = html.unescape(client.get(reverse("dashboard")).content.decode())
    assert "Ville de Saint-Denis : à faire aujourd'hui" in page or "Ville de Saint-Denis : à faire aujourd'hui" in page
    assert "3 questions sans réponse" in page
    assert "Question ouverte 0" in page
    assert (
        reverse(
            "admin:tenders_question_change", args=[Question.objects.filter(answered_at=None).earliest("created_at").pk]
        )
        in page
    )
    assert "1 brouillon à terminer et publier" in page
    assert "1 appel d'offres clos à attribuer ou déclarer infructueux" in page
    assert "1 attribution sans heures réalisées" in page
    assert "3 appels d'offres en cours" in page
    assert "Lieu d'exécution trop éloigné : 2" in page
    assert f"tender__id__exact={tenders[0].pk}&answer__exact=not_interested" in page
    assert reverse("admin:tenders_tender_interested", args=[tenders[0].pk]) in page  # part B's page
    assert page.index("panel-buyer-home") < page.index("</main>")
    assert f'href="{reverse("buyer_history")}"' in page  # their organisation's history of decisions (issue 10)


def test_oldest_unanswered_question_comes_first_with_its_deadline(client, buyer):
    tender = open_tender(buyer, questions_deadline=timezone.now() + datetime.timedelta(days=5))
    structure = StructureFactory(verified=True)
    old = Question.objects.create(tender=tender, structure=structure, text="La plus ancienne")
    Question.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=3))
    Question.objects.create(tender=tender, structure=structure, text="La plus récente")
    client.force_login(buyer)
    page = html.unescape(client.get(reverse("dashboard")).content.decode())
    assert page.index("La plus ancienne") < page.index("La plus récente")
    assert "questions reçues jusqu'au" in page


def test_a_buyer_never_sees_another_organisation_on_their_home(client, buyer):
    other = BuyerMembershipFactory(organisation__name="Département voisin").user
    populate(other)
    client.force_login(buyer)
    for url in (reverse("dashboard"), reverse("admin:index")):
        page = client.get(url).content.decode()
        assert "Marché ouvert" not in page and "Question ouverte" not in page
        assert "Brouillon de marché" not in page


def test_the_admin_index_is_the_buyer_home_without_the_recent_actions(client, buyer):
    populate(buyer)
    client.force_login(buyer)
    page = client.get(reverse("admin:index")).content.decode()
    assert "buyer-home" in page and "3 questions sans réponse" in page
    assert "Aucun(e) disponible" not in page and "recent-actions-module" not in page
    assert "model-tender" in page  # the stock list stays below


def test_staff_keep_the_stock_index_with_a_link_to_their_home(client):
    staff = UserFactory(platform_staff=True)
    client.force_login(staff)
    page = client.get(reverse("admin:index")).content.decode()
    assert "buyer-home" not in page
    assert reverse("dashboard") in page


@pytest.mark.parametrize("n_tenders", [2, 12])
def test_the_home_takes_a_flat_number_of_queries(client, buyer, n_tenders, django_assert_max_num_queries):
    populate(buyer, n_tenders=n_tenders)
    client.force_login(buyer)
    from tenders.panels import buyer_home

    with django_assert_max_num_queries(7):
        home = buyer_home(buyer.buyer_membership.organisation_id)
    assert home["open_count"] == n_tenders and len(home["open_tenders"]) == n_tenders
    with django_assert_max_num_queries(22):
        assert client.get(reverse("dashboard")).status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(reverse("admin:index")).status_code == 200


def test_admin_titles_are_in_correct_french(client, buyer):
    tender = open_tender(buyer)
    client.force_login(buyer)
    page = html.unescape(client.get(reverse("admin:tenders_tender_changelist")).content.decode())
    assert "Sélectionnez l'appel d'offres à modifier" in page
    assert "Ajouter un appel d'offres" in page
    page = html.unescape(client.get(reverse("admin:tenders_tender_add")).content.decode())
    assert "<h1>Ajouter un appel d'offres</h1>" in page
    assert "Ajout de appel" not in page
    page = html.unescape(client.get(reverse("admin:tenders_tender_change", args=[tender.pk])).content.decode())
    assert "<h1>Modifier l'appel d'offres</h1>" in page
    page = html.unescape(client.get(reverse("admin:tenders_question_changelist")).content.decode())
    assert "Sélectionnez la question à modifier" in page
    page = html.unescape(client.get(reverse("admin:tenders_interest_changelist")).content.decode())
    assert "Sélectionnez l'intérêt à afficher" in page


def test_admin_titles_stay_django_s_own_in_english(client, buyer):
    client.force_login(buyer)
    page = client.get("/en/admin/tenders/tender/add/").content.decode()
    assert "Ajouter un" not in page


def test_feminine_and_elided_articles():
    from tenders.templatetags.admin_fr import definite, french_phrase, indefinite

    assert definite("structure") == "la structure"
    assert definite("lot") == "le lot"
    assert definite("organisation acheteuse") == "l'organisation acheteuse"
    assert indefinite("demande d'accès acheteur") == "une demande d'accès acheteur"
    assert indefinite("rendez-vous") == "un rendez-vous"
    assert (
        french_phrase("select_change", "recherche de partenaires")
        == "Sélectionnez la recherche de partenaires à modifier"
    )


def test_structure_members_do_not_get_the_buyer_panel(client):
    member = Membership.objects.create(structure=StructureFactory(verified=True), user=UserFactory()).user
    client.force_login(member)
    assert "panel-buyer-home" not in client.get(reverse("dashboard")).content.decode()


def test_the_demo_buyer_has_a_home_to_show_and_staff_a_request_to_decide(client, settings, tmp_path):
    from accounts import demo as accounts_demo
    from structures import demo as structures_demo
    from tenders import demo
    from tenders.models import BuyerAccessRequest

    settings.MEDIA_ROOT = tmp_path
    accounts_demo.seed()
    structures_demo.seed()
    demo.seed()
    demo.seed()  # idempotent
    assert BuyerAccessRequest.objects.filter(status="pending").count() == 1
    buyer = BuyerMembership.objects.get(user__email=demo.DEMO_BUYER).user
    client.force_login(buyer)
    page = html.unescape(client.get(reverse("dashboard")).content.decode())
    assert "Les repas des équipes de nuit sont-ils compris dans le volume annoncé ?" in page
    assert "appels d'offres en cours" in page
