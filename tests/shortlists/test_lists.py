"""Shortlists: who sees which list (another organisation's is a 404), adding structures, notes, renaming, deleting,
and bad input (a French message, nothing changed)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from shortlists import services
from shortlists.models import Shortlist, ShortlistEntry
from shortlists.perms import can_use_shortlists
from tests.structures.factories import MembershipFactory, StructureFactory

pytestmark = pytest.mark.django_db


# Who ------------------------------------------------------------------------------------------------------------


def test_only_buyers_and_staff_use_shortlists(buyer, staff, user):
    member = MembershipFactory().user
    assert can_use_shortlists(buyer)
    assert can_use_shortlists(staff)
    assert not can_use_shortlists(member)
    assert not can_use_shortlists(user)


def test_a_list_is_shared_within_the_organisation_and_invisible_to_others(
    buyer, colleague, other_buyer, staff, make_list, listed, client_for
):
    shortlist = make_list(buyer, structures=[listed(name="Cuisine Solidaire")])
    url = reverse("shortlists:detail", args=[shortlist.pk])

    for user in (buyer, colleague):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert "Cuisine Solidaire" in response.text
        assert "Repérage traiteurs" in client_for(user).get(reverse("shortlists:index")).text

    for user in (other_buyer, staff, MembershipFactory().user):
        assert client_for(user).get(url).status_code == 404
    assert "Repérage traiteurs" not in client_for(other_buyer).get(reverse("shortlists:index")).text
    assert "Repérage traiteurs" not in client_for(staff).get(reverse("shortlists:index")).text
    assert client_for(MembershipFactory().user).get(reverse("shortlists:index")).status_code == 404
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/compte/login/")


def test_staff_lists_belong_to_staff(staff, buyer, make_list, client_for):
    shortlist = make_list(staff, name="Repérages Les Canaux")
    assert shortlist.organisation is None
    other_staff = type(staff).objects.get(pk=make_staff().pk)
    assert client_for(other_staff).get(reverse("shortlists:detail", args=[shortlist.pk])).status_code == 200
    assert client_for(buyer).get(reverse("shortlists:detail", args=[shortlist.pk])).status_code == 404


def make_staff():
    from tests.accounts.factories import UserFactory

    return UserFactory(platform_staff=True)


def test_writes_on_another_organisations_list_are_404_and_change_nothing(
    buyer, other_buyer, make_list, listed, client_for
):
    structure = listed()
    shortlist = make_list(buyer, structures=[structure], notes={structure: "À rappeler"})
    entry = shortlist.entries.get()
    intruder = client_for(other_buyer)
    posts = [
        (reverse("shortlists:rename", args=[shortlist.pk]), {"name": "Piratée"}),
        (reverse("shortlists:delete", args=[shortlist.pk]), {}),
        (reverse("shortlists:entry_note", args=[shortlist.pk, entry.pk]), {"note": "effacée"}),
        (reverse("shortlists:entry_remove", args=[shortlist.pk, entry.pk]), {}),
    ]
    for url, data in posts:
        assert intruder.post(url, data).status_code == 404, url
    assert intruder.get(reverse("shortlists:export", args=[shortlist.pk]) + "?columns=name").status_code == 404
    shortlist.refresh_from_db()
    entry.refresh_from_db()
    assert (shortlist.name, entry.note) == ("Repérage traiteurs", "À rappeler")

    # Nor can they add to it by posting its id from a profile.
    other = listed()
    response = intruder.post(reverse("shortlists:add", args=[other.slug]), {"shortlist": shortlist.pk})
    assert response.status_code == 400
    assert not shortlist.entries.filter(structure=other).exists()


# Adding from a profile ------------------------------------------------------------------------------------------


def test_the_profile_offers_to_add_to_a_list_to_buyers_only(buyer, listed, make_list, client_for):
    structure = listed(name="Recyclerie du Canal")
    make_list(buyer, name="Déchets", structures=[structure])
    profile = reverse("structures:detail", args=[structure.slug])

    page = client_for(buyer).get(profile).text
    assert "Ajouter à une liste" in page
    assert "Déjà dans :" in page
    for user in (None, MembershipFactory().user):
        assert "Ajouter à une liste" not in client_for(user).get(profile).text


def test_add_to_an_existing_list_or_a_new_one(buyer, colleague, listed, make_list, client_for):
    first, second = listed(name="Première"), listed(name="Seconde")
    shortlist = make_list(buyer)
    client = client_for(buyer)

    response = client.post(reverse("shortlists:add", args=[first.slug]), {"shortlist": shortlist.pk, "note": "Top"})
    assert response.status_code == 302 and response["Location"] == reverse("structures:detail", args=[first.slug])
    assert shortlist.entries.get().note == "Top"
    # Twice: still once (unique (list, structure)).
    client.post(reverse("shortlists:add", args=[first.slug]), {"shortlist": shortlist.pk})
    assert shortlist.entries.count() == 1

    client.post(reverse("shortlists:add", args=[second.slug]), {"new_name": "  Nettoyage   village  "})
    created = Shortlist.objects.get(name="Nettoyage village")
    assert created.organisation == buyer.buyer_membership.organisation
    assert list(created.entries.values_list("structure", flat=True)) == [second.pk]
    assert "Nettoyage village" in client_for(colleague).get(reverse("shortlists:index")).text


def test_only_verified_structures_of_the_directory_can_be_added(buyer, make_list, client_for):
    shortlist = make_list(buyer)
    pending = StructureFactory()
    archived = StructureFactory(verified=True, archived_at=timezone.now())
    for structure in (pending, archived):
        response = client_for(buyer).post(
            reverse("shortlists:add", args=[structure.slug]), {"shortlist": shortlist.pk}
        )
        assert response.status_code == 404
        with pytest.raises(services.ShortlistError, match="vérifiées"):
            services.entry_add(shortlist=shortlist, structure=structure, by=buyer)
    assert not shortlist.entries.exists()


def test_add_without_a_list_says_so_and_keeps_the_note(buyer, listed, make_list, client_for):
    structure = listed()
    make_list(buyer)
    response = client_for(buyer).post(reverse("shortlists:add", args=[structure.slug]), {"note": "Très bien notée"})
    assert response.status_code == 400
    assert "Choisissez une liste ou donnez le nom d&#x27;une nouvelle liste." in response.text
    assert "Très bien notée" in response.text
    assert not ShortlistEntry.objects.exists()


def test_a_new_list_with_a_taken_name_is_refused_and_nothing_is_added(buyer, listed, make_list, client_for):
    structure = listed()
    make_list(buyer, name="Repérage traiteurs")
    response = client_for(buyer).post(
        reverse("shortlists:add", args=[structure.slug]), {"new_name": "REPÉRAGE Traiteurs"}
    )
    assert response.status_code == 400
    assert "Une liste « REPÉRAGE Traiteurs » existe déjà" in response.text
    assert Shortlist.objects.count() == 1
    assert not ShortlistEntry.objects.exists()


def test_same_name_in_two_organisations_is_fine(buyer, other_buyer):
    services.shortlist_create(by=buyer, name="Traiteurs")
    services.shortlist_create(by=other_buyer, name="Traiteurs")
    assert Shortlist.objects.filter(name="Traiteurs").count() == 2


def test_structure_members_cannot_create_lists(client_for):
    member = MembershipFactory().user
    assert client_for(member).post(reverse("shortlists:index"), {"name": "Ma liste"}).status_code == 404
    with pytest.raises(services.ShortlistError):
        services.shortlist_create(by=member, name="Ma liste")
    assert not Shortlist.objects.exists()


# The list's page ------------------------------------------------------------------------------------------------


def test_create_rename_note_remove_delete(buyer, listed, client_for):
    client = client_for(buyer)
    response = client.post(reverse("shortlists:index"), {"name": "Traiteurs"})
    shortlist = Shortlist.objects.get()
    assert response["Location"] == reverse("shortlists:detail", args=[shortlist.pk])

    structure = listed(name="Cuisine Solidaire")
    services.entry_add(shortlist=shortlist, structure=structure, by=buyer)
    entry = shortlist.entries.get()

    client.post(reverse("shortlists:rename", args=[shortlist.pk]), {"name": "Traiteurs bio"})
    shortlist.refresh_from_db()
    assert shortlist.name == "Traiteurs bio"

    client.post(reverse("shortlists:entry_note", args=[shortlist.pk, entry.pk]), {"note": "Devis reçu le 3 mars"})
    entry.refresh_from_db()
    assert entry.note == "Devis reçu le 3 mars"
    assert "Devis reçu le 3 mars" in client.get(reverse("shortlists:detail", args=[shortlist.pk])).text

    client.post(reverse("shortlists:entry_remove", args=[shortlist.pk, entry.pk]))
    assert not shortlist.entries.exists()
    assert structure.__class__.objects.filter(pk=structure.pk).exists()

    assert "Supprimer la liste « Traiteurs bio »" in client.get(reverse("shortlists:delete", args=[shortlist.pk])).text
    client.post(reverse("shortlists:delete", args=[shortlist.pk]))
    assert not Shortlist.objects.exists()


@pytest.mark.parametrize(
    ("name", "message"),
    [("", "Donnez un nom à la liste."), ("   ", "Donnez un nom à la liste."), ("Autre", "Une liste « Autre » existe")],
)
def test_bad_rename_says_why_and_changes_nothing(buyer, make_list, client_for, name, message):
    shortlist = make_list(buyer, name="Traiteurs")
    make_list(buyer, name="Autre")
    response = client_for(buyer).post(reverse("shortlists:rename", args=[shortlist.pk]), {"name": name})
    assert response.status_code == 400
    assert message in response.text
    shortlist.refresh_from_db()
    assert shortlist.name == "Traiteurs"


def test_a_too_long_note_is_refused_and_kept_on_the_page(buyer, listed, make_list, client_for):
    structure = listed()
    shortlist = make_list(buyer, structures=[structure], notes={structure: "Première note"})
    entry = shortlist.entries.get()
    typed = "x" * 2001
    response = client_for(buyer).post(reverse("shortlists:entry_note", args=[shortlist.pk, entry.pk]), {"note": typed})
    assert response.status_code == 400
    assert "La note doit faire au plus 2000 caractères (elle en fait 2001)." in response.text
    assert typed in response.text
    entry.refresh_from_db()
    assert entry.note == "Première note"


# The /espace/ panel ---------------------------------------------------------------------------------------------


def test_the_panel_shows_a_buyers_lists_and_nothing_to_others(buyer, staff, make_list, listed, rf):
    from django.template.loader import render_to_string

    from shortlists.panels import shortlists_panel

    make_list(buyer, name="Traiteurs repérés", structures=[listed()])
    request = rf.get("/espace/")
    request.user = buyer
    panel = shortlists_panel(request)
    html = render_to_string(panel["template"], {"panel": panel}, request=request)
    assert "Traiteurs repérés" in html and "(1 structure)" in html
    for user in (staff, MembershipFactory().user):
        request.user = user
        assert shortlists_panel(request) is None
