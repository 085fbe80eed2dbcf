"""The tender list `/appels-d-offres/`: filters, full-text search, sorting, pagination, cards, query count."""

import datetime
from html import unescape

import pytest
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from structures.models import ReservedMarket
from tenders.filters import TenderFilter
from tenders.models import Tender, TenderStatus
from tenders.views import PAGE_SIZE
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerOrganisationFactory, TenderFactory
from tests.tenders.public import member_of, open_tender, topic

pytestmark = pytest.mark.django_db

URL = reverse("tenders:index")
WASTE = "gestion-et-valorisation-des-dechets"
CATERING = "restauration-durable"
CLEANING = "nettoyage-et-proprete"


def listed(client, query="", **kwargs):
    response = client.get(f"{URL}?{query}" if query else URL, **kwargs)
    assert response.status_code == 200
    return [tender.title for tender in response.context["page_obj"].object_list]


def test_default_lists_open_published_tenders_only(client):
    open_tender(title="Ouvert")
    TenderFactory(title="Brouillon")  # draft
    open_tender(title="Date passée", days=-1)  # published but past its deadline: closed for the visitor
    open_tender(title="Clos", status=TenderStatus.CLOSED)
    open_tender(title="Annulé", status=TenderStatus.CANCELLED)

    assert listed(client) == ["Ouvert"]


def test_status_filter(client):
    open_tender(title="Ouvert")
    TenderFactory(title="Brouillon")
    open_tender(title="Date passée", days=-1)
    open_tender(title="Clos", status=TenderStatus.CLOSED, days=-2)
    open_tender(title="Attribué", status=TenderStatus.AWARDED, days=-3)
    open_tender(title="Annulé", status=TenderStatus.CANCELLED, days=5)
    open_tender(title="Infructueux", status=TenderStatus.UNSUCCESSFUL, days=-4)

    assert listed(client, "status=closed") == ["Date passée", "Clos"]  # most recent deadline first
    assert listed(client, "status=awarded") == ["Attribué"]
    assert set(listed(client, "status=ended")) == {"Annulé", "Infructueux"}
    assert "Brouillon" not in listed(client, "status=all")
    assert len(listed(client, "status=all")) == 6


def test_topic_filter_any_of_the_chosen_topics(client):
    open_tender(title="Déchets", topics=[WASTE])
    open_tender(title="Repas", topics=[CATERING])
    open_tender(title="Ménage", topics=[CLEANING, WASTE])
    open_tender(title="Sans thème")

    assert set(listed(client, f"topic={WASTE}")) == {"Déchets", "Ménage"}
    assert set(listed(client, f"topic={WASTE}&topic={CATERING}")) == {"Déchets", "Repas", "Ménage"}


def test_buyer_filter(client):
    city = BuyerOrganisationFactory(name="Ville de Paris", slug="ville-de-paris")
    open_tender(title="De la ville", buyer=city)
    open_tender(title="D'un autre")

    assert listed(client, "buyer=ville-de-paris") == ["De la ville"]


def test_place_filter_includes_sub_areas_and_wider_areas(client):
    open_tender(title="Paris 11e", places=["75111"])
    open_tender(title="Tout Paris", places=["75"])
    open_tender(title="Toute la France", places=["FR"])
    open_tender(title="Saint-Denis", places=["93"])

    assert set(listed(client, "place=75111")) == {"Paris 11e", "Tout Paris", "Toute la France"}
    assert set(listed(client, "place=75")) == {"Paris 11e", "Tout Paris", "Toute la France"}
    assert set(listed(client, "place=93")) == {"Saint-Denis", "Toute la France"}
    # "Toute la France" covers every department and every arrondissement, as in the directory of structures.
    assert set(listed(client, "place=FR")) == {"Paris 11e", "Tout Paris", "Toute la France", "Saint-Denis"}


def test_deadline_window_and_dates(client):
    open_tender(title="Dans 3 jours", days=3)
    open_tender(title="Dans 20 jours", days=20)
    open_tender(title="Dans 60 jours", days=60)

    assert listed(client, "deadline=7") == ["Dans 3 jours"]
    assert listed(client, "deadline=30") == ["Dans 3 jours", "Dans 20 jours"]
    today = timezone.localdate()
    after = (today + datetime.timedelta(days=10)).isoformat()
    before = (today + datetime.timedelta(days=40)).isoformat()
    assert listed(client, f"deadline_after={after}&deadline_before={before}") == ["Dans 20 jours"]


def test_value_range(client):
    open_tender(title="Petit", estimated_value=20_000)
    open_tender(title="Moyen", estimated_value=150_000)
    open_tender(title="Grand", estimated_value=2_000_000)
    open_tender(title="Sans montant", estimated_value=None)

    assert set(listed(client, "value_min=100000")) == {"Moyen", "Grand"}
    assert listed(client, "value_max=100000") == ["Petit"]
    assert listed(client, "value_min=100000&value_max=500000") == ["Moyen"]


def test_reserved_lots_only(client):
    open_tender(title="Réservé", lots=[{"reserved": ReservedMarket.L2113_13}, {}])
    open_tender(title="Non réservé", lots=[{}])
    open_tender(title="Sans lot")

    assert listed(client, "reserved=on") == ["Réservé"]


def test_eligible_for_my_structure(client):
    user, structure = member_of(legal_form="ei", topics=[WASTE])  # an entreprise d'insertion (SIAE)
    assert structure.reserved_markets == [ReservedMarket.L2113_13]
    waste = topic(WASTE)
    catering = topic(CATERING)
    open_tender(title="Lot SIAE déchets", lots=[{"reserved": ReservedMarket.L2113_13, "topic": waste}])
    open_tender(title="Lot libre déchets", lots=[{"topic": waste}])
    open_tender(title="Lot EA/ESAT déchets", lots=[{"reserved": ReservedMarket.L2113_12, "topic": waste}])
    open_tender(title="Lot SIAE repas", lots=[{"reserved": ReservedMarket.L2113_13, "topic": catering}])
    open_tender(title="Sans lot, déchets", topics=[WASTE])
    open_tender(title="Sans lot, repas", topics=[CATERING])
    client.force_login(user)

    assert set(listed(client, "eligible=on")) == {"Lot SIAE déchets", "Lot libre déchets", "Sans lot, déchets"}
    assert len(listed(client)) == 6


def test_eligible_filter_is_only_offered_to_structure_members(client, user):
    open_tender(title="A")
    response = client.get(URL + "?eligible=on")
    assert "eligible" not in response.context["form"].fields
    client.force_login(user)  # signed in, no structure
    response = client.get(URL + "?eligible=on")
    assert "eligible" not in response.context["form"].fields
    assert listed(client, "eligible=on") == ["A"]


def test_full_text_search_ignores_accents_and_plurals(client):
    open_tender(title="Collecte des déchets des sites", description="Tri sélectif et valorisation.")
    open_tender(title="Restauration des équipes", description="Repas bio pour les bénévoles.")

    assert listed(client, "q=dechet") == ["Collecte des déchets des sites"]
    assert listed(client, "q=Déchets") == ["Collecte des déchets des sites"]
    assert listed(client, "q=benevole") == ["Restauration des équipes"]
    assert listed(client, "q=repas -bio") == []  # websearch syntax: exclusion
    assert set(listed(client, "q=")) == {"Collecte des déchets des sites", "Restauration des équipes"}


def test_search_is_ranked_title_first(client):
    open_tender(title="Entretien des espaces", description="Compostage des biodéchets du village.", days=5)
    open_tender(title="Compostage sur les sites", description="Entretien.", days=40)

    assert listed(client, "q=compostage") == ["Compostage sur les sites", "Entretien des espaces"]
    # Sorting by deadline on request.
    assert listed(client, "q=compostage&sort=deadline") == ["Entretien des espaces", "Compostage sur les sites"]


def test_search_by_reference(client):
    open_tender(title="Un marché", reference="SOLIDEO-2024-117")
    open_tender(title="Un autre")
    assert listed(client, "q=SOLIDEO-2024-117") == ["Un marché"]


def test_sorting(client):
    now = timezone.now()
    open_tender(title="Proche", days=2, estimated_value=10_000, published_at=now - datetime.timedelta(days=9))
    open_tender(title="Lointain", days=50, estimated_value=900_000, published_at=now - datetime.timedelta(days=1))
    open_tender(title="Moyen", days=20, estimated_value=None, published_at=now - datetime.timedelta(days=5))

    assert listed(client) == ["Proche", "Moyen", "Lointain"]  # closest deadline by default
    assert listed(client, "sort=newest") == ["Lointain", "Moyen", "Proche"]
    assert listed(client, "sort=value") == ["Lointain", "Proche", "Moyen"]  # no value last
    assert listed(client, "sort=relevance") == ["Proche", "Moyen", "Lointain"]  # relevance needs a search


def test_pagination_with_counts_and_shareable_urls(client):
    for number in range(PAGE_SIZE + 5):
        open_tender(title=f"Marché {number:02d}", days=10 + number, topics=[WASTE])

    response = client.get(URL, {"topic": WASTE})
    assert len(response.context["page_obj"].object_list) == PAGE_SIZE
    html = unescape(response.content.decode())
    assert f"{PAGE_SIZE + 5} appels d'offres" in html
    assert f"topic={WASTE}&page=2" in html  # the pagination keeps the filters

    second = client.get(URL, {"topic": WASTE, "page": 2})
    assert [t.title for t in second.context["page_obj"].object_list] == [f"Marché {n:02d}" for n in range(20, 25)]
    assert client.get(URL, {"page": 99}).context["page_obj"].number == 2  # out of range: the last page


def test_active_filters_are_removable_chips(client):
    open_tender(title="A", topics=[WASTE])
    response = client.get(URL, {"topic": WASTE, "q": "marché"})
    html = response.content.decode()
    assert "Thématiques\u00a0: Gestion et valorisation des déchets" in html
    assert 'href="?q=march%C3%A9"' in html  # removing the topic keeps the search
    assert "Effacer tous les filtres" in html


def test_empty_state(client):
    response = client.get(URL, {"q": "introuvable"})
    html = unescape(response.content.decode())
    assert "Aucun appel d'offres ne correspond" in html
    assert "Effacer tous les filtres" in html


def test_card_shows_buyer_topics_deadline_value_and_reserved_badge(client):
    buyer = BuyerOrganisationFactory(name="SOLIDEO")
    open_tender(
        title="Collecte",
        buyer=buyer,
        days=9,
        estimated_value=150_000,
        topics=[WASTE],
        places=["93"],
        lots=[{"reserved": ReservedMarket.L2113_13}],
    )
    html = client.get(URL).content.decode()
    assert "SOLIDEO" in html
    assert "Gestion et valorisation des déchets" in html
    assert "(dans 9 jours)" in html
    assert "150\u00a0000\u00a0€" in html
    assert "Lot réservé" in html
    assert "Seine-Saint-Denis (93)" in html


def test_filters_panel_works_without_javascript(client):
    html = client.get(URL).content.decode()
    assert '<details class="tender-filters">' in html
    assert 'method="get"' in html


@pytest.mark.parametrize("count", [2, PAGE_SIZE])
def test_bounded_queries_whatever_the_page_size(client, django_assert_max_num_queries, count):
    user, structure = member_of(topics=[CATERING])
    waste, catering = topic(WASTE), topic(CATERING)
    for number in range(count):
        open_tender(
            title=f"Marché {number}",
            topics=[waste, catering],
            places=["75", "93"],
            lots=[{"reserved": ReservedMarket.L2113_13, "topic": waste}, {"topic": catering}],
        )
    client.force_login(user)
    # Savepoint + release (ATOMIC_REQUESTS), session, user, structures, validation of the chosen topic and place,
    # the structure's topics (eligible), count, page, 3 prefetches, the form's choices (topics, places, buyers): 16,
    # whatever the number of tenders on the page.
    with django_assert_max_num_queries(16):
        response = client.get(URL, {"eligible": "on", "q": "marché", "topic": [WASTE], "place": "75"})
    assert len(response.context["page_obj"].object_list) == count


def test_filter_works_without_a_request_for_saved_searches():
    open_tender(title="Déchets au 93", topics=[WASTE], places=["93"])
    open_tender(title="Repas", topics=[CATERING])
    data = QueryDict(f"topic={WASTE}&place=93&q=dechets")
    filterset = TenderFilter(data=data, queryset=Tender.objects.published(), request=None)
    assert [t.title for t in filterset.qs] == ["Déchets au 93"]
    assert "eligible" not in filterset.form.fields

    structure = StructureFactory(topics=[CATERING])
    by_structure = TenderFilter(QueryDict("eligible=on"), queryset=Tender.objects.published(), structure=structure)
    assert [t.title for t in by_structure.qs] == ["Repas"]


def test_invalid_values_do_not_break_the_page(client):
    open_tender(title="A")
    open_tender(title="Clos", status=TenderStatus.CLOSED)
    for query in ("status=bogus", "value_min=abc", "deadline_after=hier", "topic=inconnu", "page=abc", "sort=x"):
        assert listed(client, query) == ["A"], query


def test_default_status_and_sort_give_no_chip_and_the_sort_survives_a_removal(client):
    open_tender(title="A", topics=[WASTE])
    response = client.get(URL, {"status": "open", "sort": "value", "topic": WASTE, "q": ""})
    chips = response.context["chips"]
    assert [chip["label"] for chip in chips] == ["Thématiques\u00a0: Gestion et valorisation des déchets"]
    assert "sort=value" in chips[0]["remove_url"] and WASTE not in chips[0]["remove_url"]
    closed = client.get(URL, {"status": "closed"}).context["chips"]
    assert [chip["label"] for chip in closed] == ["Statut\u00a0: Clos"]


def test_htmx_refresh_announces_the_count(client):
    open_tender(title="A", topics=[WASTE])
    plain = unescape(client.get(URL).content.decode())
    assert 'id="tender-results"' in plain and 'hx-get="/appels-d-offres/"' in plain
    assert "1 appel d'offres trouvé" not in plain  # nothing to announce on a full page load
    refreshed = unescape(client.get(URL, {"topic": WASTE}, headers={"HX-Request": "true"}).content.decode())
    assert "1 appel d'offres trouvé" in refreshed
