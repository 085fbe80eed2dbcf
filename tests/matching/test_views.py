"""Pages: preferences, following a search, one-click unsubscribe (signed token, no login), "Pour vous"."""

import datetime
import html
import re
import time
from zoneinfo import ZoneInfo

import pytest
from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from matching.formatting import deadline_text
from matching.models import Frequency, NotificationPreference, SavedSearch
from matching.preferences import UNSUBSCRIBE_SALT, unsubscribe_headers, unsubscribe_token, user_id_from_token
from tests.accounts.factories import UserFactory
from tests.matching.conftest import CATERING, CLEANING
from tests.matching.factories import NotificationPreferenceFactory, SavedSearchFactory

pytestmark = pytest.mark.django_db


def frequency_of(user):
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference.frequency if preference else Frequency.IMMEDIATE


# Unsubscribe --------------------------------------------------------------------------------------------------------


def test_unsubscribe_link_asks_then_unsubscribes_without_login(user):
    client = Client(enforce_csrf_checks=True)
    url = reverse("matching:unsubscribe", kwargs={"token": unsubscribe_token(user)})

    page = client.get(url)
    assert page.status_code == 200
    assert "Me désabonner" in page.content.decode()
    assert frequency_of(user) == Frequency.IMMEDIATE  # GET changes nothing (link scanners follow links)

    done = client.post(url)
    assert done.status_code == 200
    assert "Vous êtes désabonné" in done.content.decode()
    assert frequency_of(user) == Frequency.NONE


def test_one_click_unsubscribe_post_as_mail_clients_send_it(user):
    """RFC 8058: the client POSTs "List-Unsubscribe=One-Click" to the header's URL, without cookie or CSRF token."""
    url = unsubscribe_headers(user)["List-Unsubscribe"][1:-1].removeprefix("http://testserver")

    response = Client(enforce_csrf_checks=True).post(
        url, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert frequency_of(user) == Frequency.NONE
    assert NotificationPreference.objects.get(user=user).unsubscribed_at is not None


def test_a_tampered_token_is_refused(user):
    other = UserFactory()
    token = unsubscribe_token(user)
    value, timestamp, signature = token.split(":")
    forged = f"{other.pk}:{timestamp}:{signature}"
    broken = token[:-2] + ("AA" if not token.endswith("AA") else "BB")

    for bad in (forged, broken, "n-importe-quoi", f"{other.pk}"):
        response = Client().post(reverse("matching:unsubscribe", kwargs={"token": bad}))
        assert response.status_code == 400
        assert "n'est pas valable" in response.content.decode()
    assert frequency_of(user) == frequency_of(other) == Frequency.IMMEDIATE


def test_an_expired_token_is_refused(user):
    ninety_one_days_ago = int(time.time()) - 91 * 24 * 3600
    old = signing.Signer(salt=UNSUBSCRIBE_SALT).sign(f"{user.pk}:{signing.b62_encode(ninety_one_days_ago)}")
    assert user_id_from_token(unsubscribe_token(user)) == user.pk  # a fresh one is fine

    response = Client().post(reverse("matching:unsubscribe", kwargs={"token": old}))

    assert response.status_code == 410
    assert "a expiré" in response.content.decode()
    assert frequency_of(user) == Frequency.IMMEDIATE


def test_a_token_of_another_purpose_is_refused(user):
    token = signing.TimestampSigner(salt="another.purpose").sign(str(user.pk))

    assert Client().post(reverse("matching:unsubscribe", kwargs={"token": token})).status_code == 400


# Preferences ---------------------------------------------------------------------------------------------------------


def test_preferences_need_a_login(client):
    response = client.get(reverse("matching:preferences"))
    assert response.status_code == 302 and "/compte/" in response.url


def test_preferences_page_saves_frequency_and_ignored_topics(client, user, topic):
    client.force_login(user)
    page = client.get(reverse("matching:preferences"))
    assert page.status_code == 200
    assert "Quand voulez-vous recevoir" in page.content.decode()

    response = client.post(
        reverse("matching:preferences"),
        {"frequency": Frequency.WEEKLY, "ignored_topics": [topic(CATERING).pk, topic(CLEANING).pk]},
    )

    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=user)
    assert preference.frequency == Frequency.WEEKLY
    assert set(preference.ignored_topics.values_list("slug", flat=True)) == {CATERING, CLEANING}
    again = client.get(reverse("matching:preferences")).content.decode()
    assert re.search(r'<input type="radio" name="frequency" value="weekly"[^>]* checked', again)


def test_preferences_errors_are_in_french_next_to_the_field(client, user):
    client.force_login(user)

    response = client.post(reverse("matching:preferences"), {"frequency": "hourly"})

    assert response.status_code == 200
    assert "Le formulaire contient des erreurs" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_resubscribing_after_an_unsubscribe(client, user):
    NotificationPreferenceFactory(user=user, unsubscribed=True)
    client.force_login(user)

    client.post(reverse("matching:preferences"), {"frequency": Frequency.DAILY})

    preference = NotificationPreference.objects.get(user=user)
    assert (preference.frequency, preference.unsubscribed_at) == (Frequency.DAILY, None)


# Following a search -------------------------------------------------------------------------------------------------


def test_follow_the_current_search(client, user):
    client.force_login(user)

    response = client.post(
        reverse("matching:save_search"),
        {"querystring": "topic=restauration-durable&page=3&q=repas&place=75&sort=newest"},
    )

    search = SavedSearch.objects.get(user=user)
    assert search.querystring == "place=75&q=repas&topic=restauration-durable"
    assert search.label == "Restauration durable · Paris (75) · «\u00a0repas\u00a0»"
    assert response.status_code == 302
    assert response.url == f"{reverse('tenders:index')}?place=75&q=repas&topic=restauration-durable"

    client.post(reverse("matching:save_search"), {"querystring": "q=repas&topic=restauration-durable&place=75"})
    assert SavedSearch.objects.filter(user=user).count() == 1  # the same filters in another order


def test_follow_a_search_needs_a_login_and_asks_before_saving(client, user):
    response = client.post(reverse("matching:save_search"), {"querystring": "topic=restauration-durable"})
    assert response.status_code == 302 and "/compte/" in response.url
    assert not SavedSearch.objects.exists()

    client.force_login(user)
    page = client.get(reverse("matching:save_search"), {"querystring": "topic=restauration-durable"})
    assert page.status_code == 200
    assert "Restauration durable" in page.content.decode()
    assert not SavedSearch.objects.exists()


def test_saved_searches_are_listed_and_can_be_deleted_by_their_owner_only(client, user):
    mine = SavedSearchFactory(user=user, label="Mes repas")
    theirs = SavedSearchFactory(label="Leurs repas")
    client.force_login(user)

    page = client.get(reverse("matching:preferences")).content.decode()
    assert "Mes repas" in page and "Leurs repas" not in page

    assert client.post(reverse("matching:delete_search", kwargs={"pk": theirs.pk})).status_code == 404
    assert client.post(reverse("matching:delete_search", kwargs={"pk": mine.pk})).status_code == 302
    assert list(SavedSearch.objects.all()) == [theirs]


# "Pour vous" on /espace/ --------------------------------------------------------------------------------------------


def test_for_you_lists_open_tenders_best_first_with_reasons(client, make_structure, make_tender):
    structure = make_structure(members=1, areas=["75111", "FR"])
    user = structure.memberships.get().user
    far = make_tender(title="Cantine à Bobigny", places=["93"])
    near = make_tender(title="Cantine du 11e", places=["75111"])
    make_tender(title="Textile", topics=["textile-et-goodies"])
    client.force_login(user)

    page = html.unescape(client.get(reverse("dashboard")).content.decode())

    assert "Pour vous" in page
    assert page.index("Cantine du 11e") < page.index("Cantine à Bobigny")
    assert "Textile" not in page
    assert "Vous intervenez dans l'arrondissement du lieu d'exécution : Paris 11e arrondissement." in page
    assert "Vous intervenez dans toute la France." in page
    assert f'href="/appels-d-offres/{near.slug}/"' in page and f'href="/appels-d-offres/{far.slug}/"' in page
    assert deadline_text(near.bid_deadline) in page


def test_for_you_runs_a_bounded_number_of_queries(client, make_structure, make_tender, django_assert_max_num_queries):
    structure = make_structure(members=1)
    client.force_login(structure.memberships.get().user)

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(queries)

    make_tender(lots=[{"topic": CATERING}])
    few = count_queries()
    for _ in range(12):
        make_tender(lots=[{"topic": CATERING}, {"topic": CATERING, "reserved": "L2113-15"}])
    assert count_queries() == few
    with django_assert_max_num_queries(few):
        client.get(reverse("dashboard"))


def test_for_you_says_what_to_do_when_nothing_matches(client, make_structure):
    structure = make_structure(members=1)
    client.force_login(structure.memberships.get().user)

    page = html.unescape(client.get(reverse("dashboard")).content.decode())

    assert "Aucun appel d'offres ouvert ne correspond pour l'instant" in page


def test_no_for_you_panel_without_a_structure(client, user):
    client.force_login(user)
    assert "Pour vous" not in client.get(reverse("dashboard")).content.decode()


# Formatting ---------------------------------------------------------------------------------------------------------


def test_deadline_text_in_french_paris_time():
    paris = ZoneInfo("Europe/Paris")
    now = datetime.datetime(2026, 3, 3, 10, 0, tzinfo=paris)
    assert deadline_text(datetime.datetime(2026, 3, 12, 11, 0, tzinfo=datetime.UTC), now=now) == (
        "12 mars 2026 à 12\u00a0h\u00a000 (dans 9 jours)"
    )
    assert deadline_text(datetime.datetime(2026, 4, 1, 14, 30, tzinfo=paris), now=now).startswith(
        "1er avril 2026 à 14"
    )
    assert deadline_text(datetime.datetime(2026, 3, 4, 9, 0, tzinfo=paris), now=now).endswith("(demain)")
    assert deadline_text(datetime.datetime(2026, 3, 3, 18, 0, tzinfo=paris), now=now).endswith("(aujourd'hui)")
