"""The meet-up pages: list (bounded queries), detail (register, wishes, cancel), agenda, /espace/ panel."""

import html as html_module

import pytest
from django.urls import reverse
from django.utils import timezone

from meetups import services
from meetups.models import Meeting, MeetingRequest, Registration, RegistrationStatus
from tests.accounts.factories import UserFactory
from tests.meetups.factories import MeetingRequestFactory, MeetupFactory, RegistrationFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, BuyerOrganisationFactory

pytestmark = pytest.mark.django_db

INDEX = reverse("meetups:index")


def text(response) -> str:
    return html_module.unescape(response.content.decode())


def detail_url(meetup):
    return reverse("meetups:detail", kwargs={"slug": meetup.slug})


def agenda_url(meetup):
    return reverse("meetups:agenda", kwargs={"slug": meetup.slug})


def test_the_list_shows_upcoming_published_meetups_with_seats_and_waitlist(client):
    buyer = BuyerOrganisationFactory(name="SOLIDEO")
    open_one = MeetupFactory(title="Rencontre ouverte", capacity=3, buyers=[buyer])
    RegistrationFactory(meetup=open_one)
    full = MeetupFactory(title="Rencontre complète", capacity=1)
    RegistrationFactory(meetup=full)
    MeetupFactory(title="Rencontre brouillon", draft=True)
    MeetupFactory(title="Rencontre passée", past=True)
    html = text(client.get(INDEX))
    assert "Rencontre ouverte" in html and "2 places restantes" in html and "SOLIDEO" in html
    assert "Rencontre complète" in html and "Complet : liste d'attente" in html
    assert "Rencontre brouillon" not in html
    assert html.index("Rencontres passées") < html.index("Rencontre passée<")


def test_the_list_runs_a_bounded_number_of_queries(client, django_assert_max_num_queries):
    membership = MembershipFactory()
    client.force_login(membership.user)
    for _ in range(12):
        meetup = MeetupFactory(buyers=[BuyerOrganisationFactory(), BuyerOrganisationFactory()])
        RegistrationFactory(meetup=meetup)
    RegistrationFactory(meetup=meetup, structure=membership.structure)
    with django_assert_max_num_queries(12):
        response = client.get(INDEX)
    assert response.status_code == 200
    assert text(response).count('class="meetup-card"') == 12
    assert "Vous êtes inscrits" in text(response)


def test_an_empty_list_says_what_to_do(client):
    html = text(client.get(INDEX))
    assert "Aucune rencontre n'est prévue pour le moment" in html


def test_drafts_are_404_for_the_public_and_visible_to_staff(client):
    draft = MeetupFactory(draft=True)
    assert client.get(detail_url(draft)).status_code == 404
    client.force_login(UserFactory(platform_staff=True))
    assert client.get(detail_url(draft)).status_code == 200


def test_a_member_registers_chooses_buyers_then_cancels(client):
    buyer, other = BuyerOrganisationFactory(name="Ville de Paris"), BuyerOrganisationFactory(name="SOLIDEO")
    meetup = MeetupFactory(buyers=[buyer, other])
    membership = MembershipFactory()
    client.force_login(membership.user)
    html = text(client.get(detail_url(meetup)))
    assert "M'inscrire" in html

    response = client.post(
        reverse("meetups:register", kwargs={"slug": meetup.slug}), {"structure": membership.structure.pk}
    )
    registration = Registration.objects.get(meetup=meetup, structure=membership.structure)
    assert response.status_code == 302 and registration.status == RegistrationStatus.CONFIRMED

    prefix = f"r{registration.pk}"
    response = client.post(
        reverse("meetups:requests", kwargs={"slug": meetup.slug, "pk": registration.pk}),
        {f"{prefix}-buyers": [str(buyer.pk)], f"{prefix}-note_{buyer.pk}": "Repas bio pour 300 personnes"},
    )
    assert response.status_code == 302
    assert list(MeetingRequest.objects.values_list("buyer__name", "note")) == [
        ("Ville de Paris", "Repas bio pour 300 personnes")
    ]
    html = text(client.get(detail_url(meetup)))
    assert "Inscription confirmée." in html and 'value="Repas bio pour 300 personnes"' in html

    cancel_url = reverse("meetups:cancel", kwargs={"slug": meetup.slug, "pk": registration.pk})
    assert "Oui, annuler l'inscription" in text(client.get(cancel_url))
    client.post(cancel_url)
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CANCELLED


def test_a_member_of_several_structures_chooses_which_one_registers(client):
    user = UserFactory()
    first = MembershipFactory(user=user, structure=StructureFactory(name="Alpha Coop")).structure
    second = MembershipFactory(user=user, structure=StructureFactory(name="Bêta Asso")).structure
    meetup = MeetupFactory()
    client.force_login(user)
    html = text(client.get(detail_url(meetup)))
    assert "Structure à inscrire" in html and "Alpha Coop" in html and "Bêta Asso" in html
    client.post(reverse("meetups:register", kwargs={"slug": meetup.slug}), {"structure": second.pk})
    assert list(Registration.objects.values_list("structure", flat=True)) == [second.pk]
    stranger = StructureFactory()
    response = client.post(reverse("meetups:register", kwargs={"slug": meetup.slug}), {"structure": stranger.pk})
    assert response.status_code == 400
    assert not Registration.objects.filter(structure__in=[first, stranger]).exists()


def test_a_full_meetup_offers_the_waitlist(client):
    meetup = MeetupFactory(capacity=1)
    RegistrationFactory(meetup=meetup)
    membership = MembershipFactory()
    client.force_login(membership.user)
    assert "M'inscrire sur la liste d'attente" in text(client.get(detail_url(meetup)))
    client.post(reverse("meetups:register", kwargs={"slug": meetup.slug}), {"structure": membership.structure.pk})
    html = text(client.get(detail_url(meetup)))
    assert "vous êtes en position 1" in html


def test_a_member_of_another_structure_gets_404_on_cancel_and_wishes(client):
    registration = RegistrationFactory()
    client.force_login(MembershipFactory().user)
    kwargs = {"slug": registration.meetup.slug, "pk": registration.pk}
    assert client.get(reverse("meetups:cancel", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("meetups:cancel", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("meetups:requests", kwargs=kwargs), {}).status_code == 404
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.CONFIRMED


def _scheduled_meetup():
    buyer = BuyerOrganisationFactory(name="SOLIDEO")
    meetup = MeetupFactory(buyers=[buyer])
    mine = MembershipFactory(structure=StructureFactory(name="Recyclerie de l'Ourcq"))
    theirs = MembershipFactory(structure=StructureFactory(name="Traiteur Solidaire"))
    for membership in (mine, theirs):
        MeetingRequestFactory(
            registration=RegistrationFactory(meetup=meetup, structure=membership.structure), buyer=buyer
        )
    services.schedule_build(meetup=meetup, by=UserFactory(platform_staff=True))
    return meetup, buyer, mine, theirs


def test_the_agenda_shows_only_ones_own_meetings(client):
    meetup, _buyer, mine, _theirs = _scheduled_meetup()
    client.force_login(mine.user)
    html = text(client.get(agenda_url(meetup)))
    meeting = Meeting.objects.get(structure=mine.structure)
    assert "SOLIDEO" in html and "Table 1" in html
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") in html
    assert "Traiteur Solidaire" not in html


def test_the_buyer_sees_every_meeting_at_its_table(client):
    meetup, buyer, _mine, _theirs = _scheduled_meetup()
    client.force_login(BuyerMembershipFactory(organisation=buyer).user)
    html = text(client.get(agenda_url(meetup)))
    assert "Recyclerie de l'Ourcq" in html and "Traiteur Solidaire" in html


def test_the_agenda_is_404_for_someone_not_taking_part(client):
    meetup, *_ = _scheduled_meetup()
    client.force_login(MembershipFactory().user)
    assert client.get(agenda_url(meetup)).status_code == 404
    client.force_login(BuyerMembershipFactory().user)
    assert client.get(agenda_url(meetup)).status_code == 404


def test_the_agenda_before_the_schedule_says_it_is_not_ready(client):
    registration = RegistrationFactory()
    client.force_login(MembershipFactory(structure=registration.structure).user)
    html = text(client.get(agenda_url(registration.meetup)))
    assert "Votre agenda n'est pas encore prêt" in html


def test_the_dashboard_panel_lists_upcoming_registrations_with_the_agenda_link(client):
    meetup, _buyer, mine, _theirs = _scheduled_meetup()
    client.force_login(mine.user)
    html = text(client.get(reverse("dashboard")))
    assert "Mes rencontres" in html and meetup.title in html and agenda_url(meetup) in html
    client.force_login(MembershipFactory().user)
    assert "Mes rencontres" not in text(client.get(reverse("dashboard")))
