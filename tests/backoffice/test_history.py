"""History of decisions: rows written with the right author, before/after shown to staff, buyers see their own."""

import pytest
from django.urls import reverse

from backoffice.history import entries
from structures import services
from structures.models import Structure
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory
from tests.tenders.factories import BuyerMembershipFactory, TenderFactory

pytestmark = pytest.mark.django_db


def test_history_rows_name_who_registered_edited_and_verified():
    creator = UserFactory()
    structure = services.structure_create(user=creator, siret="73282932000074", name="Régie", legal_form="scop")
    data = {name: getattr(structure, name) for name in services.SECTION_FIELDS["contact"]}
    services.structure_update_section(
        structure=structure, by=creator, section="contact", data={**data, "contact_name": "Inès"}
    )
    staff = UserFactory(platform_staff=True)
    services.structure_verify(structure=structure, by=staff)

    rows = list(structure.history.order_by("history_date", "history_id"))
    assert [(row.history_type, row.history_user) for row in rows] == [
        ("+", creator),
        ("~", creator),
        ("~", staff),
    ]
    latest = entries(structure.history.order_by("-history_date", "-history_id"))[0]
    assert latest["author"] == staff
    changes = {change["field"]: (change["old"], change["new"]) for change in latest["changes"]}
    assert changes["Vérification"] == ("En attente de vérification", "Vérifiée")
    assert changes["Vérifiée par"] == ("—", str(staff))


def test_the_request_user_is_the_author_when_a_view_saves(client):
    staff = UserFactory(platform_staff=True)
    structure = MembershipFactory().structure
    client.force_login(staff)
    client.post(reverse("backoffice:structure_reject", args=[structure.pk]), {"reason": "Doublon."})
    assert structure.history.latest().history_user == staff


def test_staff_read_the_before_after_of_each_field(client):
    staff = UserFactory(platform_staff=True)
    admin = MembershipFactory()
    services.structure_reject(structure=admin.structure, by=staff, reason="SIRET d'une autre entreprise.")
    client.force_login(staff)

    html = client.get(reverse("backoffice:history", args=["structure", admin.structure.pk])).content.decode()
    assert "Historique de" in html
    assert "En attente de vérification" in html and "Refusée" in html
    assert "SIRET d&#x27;une autre entreprise." in html
    review = client.get(reverse("backoffice:structure", args=[admin.structure.pk])).content.decode()
    assert "Changements depuis l'inscription" in review and "Refusée" in review


def test_history_pages_are_staff_only_and_limited_to_known_objects(client):
    structure = MembershipFactory().structure
    url = reverse("backoffice:history", args=["structure", structure.pk])
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(platform_staff=True))
    assert client.get(url).status_code == 200
    assert client.get(reverse("backoffice:history", args=["utilisateur", structure.pk])).status_code == 404
    assert client.get(reverse("backoffice:history", args=["structure", 999999])).status_code == 404


def test_staff_pages_never_show_a_secret_link(client, django_capture_on_commit_callbacks):
    """The security issue hides invitation and reset links from staff: the back office must not reveal them."""
    admin = MembershipFactory()
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            structure=admin.structure, email="nouvelle@exemple.fr", role="member", by=admin.user
        )
    token = services.invitation_token(invitation)
    client.force_login(UserFactory(platform_staff=True))
    for url in (
        reverse("dashboard"),
        reverse("backoffice:structures"),
        reverse("backoffice:structure", args=[admin.structure.pk]),
        reverse("backoffice:history", args=["structure", admin.structure.pk]),
    ):
        assert token not in client.get(url).content.decode()


def test_buyers_see_their_own_organisation_history_only(client):
    mine = BuyerMembershipFactory()
    theirs = BuyerMembershipFactory()
    tender = TenderFactory(buyer=mine.organisation, title="Nettoyage des sites")
    tender._history_user = mine.user
    tender.title = "Nettoyage des sites olympiques"
    tender.save()
    TenderFactory(buyer=theirs.organisation, title="Marché d'une autre organisation")

    client.force_login(mine.user)
    html = client.get(reverse("buyer_history")).content.decode()
    assert "Nettoyage des sites olympiques" in html
    assert "Nettoyage des sites" in html and "Titre" in html
    assert "Marché d&#x27;une autre organisation" not in html
    client.force_login(MembershipFactory().user)
    assert client.get(reverse("buyer_history")).status_code == 404
    assert Structure.objects.count() == 1


def test_a_buyer_publishing_in_the_admin_is_the_author_and_sees_it_in_their_history(client):
    """No service passes the author for tenders: the request's user is (simple_history's middleware)."""
    from structures.models import Area, Topic

    buyer = BuyerMembershipFactory(organisation__name="Ville de Paris").user
    tender = TenderFactory(
        buyer=buyer.buyer_membership.organisation,
        topics=list(Topic.objects.order_by("position")[:1]),
        places=[Area.objects.get(code="75")],
    )
    client.force_login(buyer)
    response = client.post(reverse("admin:tenders_tender_publish", args=[tender.pk]))
    assert response.status_code == 302
    latest = tender.history.latest()
    assert latest.status == "published" and latest.history_user == buyer

    html = client.get(reverse("buyer_history")).content.decode()
    assert "Brouillon" in html and "Publié" in html
