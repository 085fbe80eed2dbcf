"""The public directory /structures/: filters, French full-text search, sorting, pagination, shareable URLs."""

import datetime
import re
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from structures.models import LegalForm, Sector, Structure, VerificationStatus
from tests.accounts.factories import UserFactory
from tests.structures.factories import ListedStructureFactory, MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.django_db

WASTE = "gestion-et-valorisation-des-dechets"
CATERING = "restauration-durable"
URL = reverse("structures:index")


def names(response) -> list[str]:
    """The structure names on the page, in order (from the cards' headings)."""
    html = response.content.decode()
    return re.findall(r'<h3 class="h5 card-title mb-1"><a href="[^"]+">([^<]+)</a></h3>', html)


def get(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return response


def test_lists_only_verified_structures_never_pending_rejected_or_archived(client):
    StructureFactory(name="En attente")
    ListedStructureFactory(name="Vérifiée")
    ListedStructureFactory(name="Vérifiée aussi")
    StructureFactory(name="Refusée", verification_status=VerificationStatus.REJECTED, rejection_reason="Doublon")
    ListedStructureFactory(name="Archivée", archived_at=timezone.now())

    response = get(client)

    assert names(response) == ["Vérifiée", "Vérifiée aussi"]
    assert "2 structures" in response.content.decode()


def test_pending_structures_are_not_listed_even_for_staff_or_buyers(client):
    StructureFactory(name="En attente")
    ListedStructureFactory(name="Vérifiée")
    for user in (UserFactory(platform_staff=True), BuyerMembershipFactory().user):
        client.force_login(user)
        assert names(get(client)) == ["Vérifiée"]
        assert names(get(client, q="")) == ["Vérifiée"]


def test_card_shows_legal_form_category_topics_areas_headcount_and_badge(client):
    ListedStructureFactory(
        name="Cuisine Solidaire",
        legal_form=LegalForm.SCIC,
        headcount="10-49",
        verified=True,
        topics=[CATERING],
        areas=["93", "75111"],
    )

    html = get(client).content.decode()

    assert "SCIC (société coopérative d&#x27;intérêt collectif)" in html
    assert '<span class="visually-hidden">catégorie</span> ESS' in html
    assert '<li class="tag">Restauration durable</li>' in html
    assert "Seine-Saint-Denis (93), Paris 11e arrondissement" in html
    assert "10 à 49 salariés" in html
    assert "Structure vérifiée" in html


def test_filter_by_topics_keeps_structures_with_any_chosen_topic(client):
    ListedStructureFactory(name="Déchets", topics=[WASTE])
    ListedStructureFactory(name="Traiteur", topics=[CATERING])
    ListedStructureFactory(name="Les deux", topics=[WASTE, CATERING])
    ListedStructureFactory(name="Aucune")

    assert names(get(client, topics=WASTE)) == ["Déchets", "Les deux"]
    assert names(get(client, topics=[WASTE, CATERING])) == ["Déchets", "Les deux", "Traiteur"]


def test_filter_by_sectors(client):
    environment = Sector.objects.get(slug="environnement")
    kept = ListedStructureFactory(name="Verte")
    kept.sectors.add(environment)
    ListedStructureFactory(name="Autre")

    assert names(get(client, sectors="environnement")) == ["Verte"]


def test_filter_by_category_and_legal_form(client):
    ListedStructureFactory(name="Asso", legal_form=LegalForm.ASSOCIATION)
    ListedStructureFactory(name="Insertion", legal_form=LegalForm.EI)
    ListedStructureFactory(name="Chantier", legal_form=LegalForm.ACI)
    ListedStructureFactory(name="Atelier protégé", legal_form=LegalForm.ESAT)

    assert names(get(client, category="siae")) == ["Chantier", "Insertion"]
    assert names(get(client, category=["siae", "disability"])) == ["Atelier protégé", "Chantier", "Insertion"]
    assert names(get(client, legal_form="ei")) == ["Insertion"]
    assert names(get(client, legal_form=["ei", "association"])) == ["Asso", "Insertion"]


def test_filter_by_headcount(client):
    ListedStructureFactory(name="Petite", headcount="1-9")
    ListedStructureFactory(name="Moyenne", headcount="50-249")
    ListedStructureFactory(name="Sans effectif")

    assert names(get(client, headcount="1-9")) == ["Petite"]


def test_filter_by_area_includes_sub_areas_and_the_areas_that_cover_it(client):
    ListedStructureFactory(name="Onzième", areas=["75111"])
    ListedStructureFactory(name="Tout Paris", areas=["75"])
    ListedStructureFactory(name="Toute la France", areas=["FR"])
    ListedStructureFactory(name="Seine-Saint-Denis", areas=["93"])
    ListedStructureFactory(name="Nulle part")

    # The 11th arrondissement: who works there, in all of Paris, or everywhere.
    assert names(get(client, areas="75111")) == ["Onzième", "Tout Paris", "Toute la France"]
    # Paris: also who works in one of its arrondissements.
    assert names(get(client, areas="75")) == ["Onzième", "Tout Paris", "Toute la France"]
    assert names(get(client, areas="93")) == ["Seine-Saint-Denis", "Toute la France"]
    assert names(get(client, areas=["93", "75111"])) == [
        "Onzième",
        "Seine-Saint-Denis",
        "Tout Paris",
        "Toute la France",
    ]


def test_filter_by_reserved_market_eligibility(client):
    ListedStructureFactory(name="Asso", legal_form=LegalForm.ASSOCIATION)
    ListedStructureFactory(name="Insertion", legal_form=LegalForm.EI)
    ListedStructureFactory(name="ESAT", legal_form=LegalForm.ESAT)
    ListedStructureFactory(name="TPE agréée", legal_form=LegalForm.TPE, esus_accredited=True)
    ListedStructureFactory(name="TPE", legal_form=LegalForm.TPE)

    assert names(get(client, reserved="L2113-12")) == ["ESAT"]
    assert names(get(client, reserved="L2113-13")) == ["Insertion"]
    assert names(get(client, reserved="L2113-15")) == ["Asso", "TPE agréée"]
    assert names(get(client, reserved=["L2113-12", "L2113-13"])) == ["ESAT", "Insertion"]


def test_verified_only(client):
    StructureFactory(name="En attente")
    ListedStructureFactory(name="Vérifiée", verified=True)

    assert names(get(client, verified="on")) == ["Vérifiée"]


@pytest.mark.parametrize("query", ["déchets", "Déchets", "DECHETS", "dechet", "déchet"])
def test_search_is_french_and_ignores_accents_case_and_plural(client, query):
    ListedStructureFactory(name="Ressourcerie", description="Collecte et tri des déchet de chantier.")
    ListedStructureFactory(name="Tri Sélectif", description="Valorisation des Déchets ménagers.")
    ListedStructureFactory(name="Compost", references="Ville de Paris : dechets verts, 2023.")
    ListedStructureFactory(name="Traiteur", description="Repas bio et de saison.")

    assert sorted(names(get(client, q=query))) == ["Compost", "Ressourcerie", "Tri Sélectif"]


def test_search_ranks_a_name_match_before_a_description_match(client):
    ListedStructureFactory(name="Atelier vélo", description="Réparation et réemploi, nous valorisons les déchets.")
    ListedStructureFactory(name="Déchets Solidaires", description="Collecte en entreprise.")
    ListedStructureFactory(name="Compost", references="Déchets verts de la Ville de Paris.")

    assert names(get(client, q="déchets")) == ["Déchets Solidaires", "Atelier vélo", "Compost"]


def test_search_understands_web_syntax(client):
    ListedStructureFactory(name="Ressourcerie", description="Déchets du bâtiment et amiante.")
    ListedStructureFactory(name="Tri", description="Déchets ménagers.")

    assert names(get(client, q="déchets -amiante")) == ["Tri"]
    assert names(get(client, q='"déchets du bâtiment"')) == ["Ressourcerie"]


def test_search_and_filters_combine(client):
    ListedStructureFactory(name="Tri 93", description="Tri des déchets.", topics=[WASTE], areas=["93"])
    ListedStructureFactory(name="Tri 92", description="Tri des déchets.", topics=[WASTE], areas=["92"])
    ListedStructureFactory(name="Traiteur 93", description="Repas sans déchets.", topics=[CATERING], areas=["93"])

    assert names(get(client, q="déchets", topics=WASTE, areas="93")) == ["Tri 93"]


def test_sort_options(client):
    now = timezone.now()
    old = ListedStructureFactory(name="B ancienne", verified=True)
    new = ListedStructureFactory(name="C récente")
    never = ListedStructureFactory(name="A jamais vérifiée")
    Structure.objects.filter(pk=old.pk).update(
        created_at=now - datetime.timedelta(days=30), verified_at=now - datetime.timedelta(days=1)
    )
    Structure.objects.filter(pk=never.pk).update(created_at=now - datetime.timedelta(days=60))
    verified_recently = ListedStructureFactory(name="D vérifiée hier soir", verified=True)
    Structure.objects.filter(pk=verified_recently.pk).update(
        created_at=now - datetime.timedelta(days=90), verified_at=now - datetime.timedelta(hours=2)
    )
    assert new.created_at > old.created_at

    assert names(get(client)) == ["A jamais vérifiée", "B ancienne", "C récente", "D vérifiée hier soir"]
    assert names(get(client, sort="name")) == ["A jamais vérifiée", "B ancienne", "C récente", "D vérifiée hier soir"]
    assert names(get(client, sort="newest")) == [
        "C récente",
        "B ancienne",
        "A jamais vérifiée",
        "D vérifiée hier soir",
    ]
    assert names(get(client, sort="verified")) == [
        "D vérifiée hier soir",
        "B ancienne",
        "A jamais vérifiée",
        "C récente",
    ]


def test_relevance_is_the_default_sort_only_when_searching(client):
    ListedStructureFactory(name="A", description="déchets")
    ListedStructureFactory(name="B déchets")

    html = get(client).content.decode()
    assert 'value="relevance"' not in html
    assert '<option value="" selected>Nom (A à Z)</option>' in html

    response = get(client, q="déchets")
    assert names(response) == ["B déchets", "A"]
    html = unescape(response.content.decode())
    assert '<option value="" selected>Pertinence (avec une recherche)</option>' in html
    assert '<option value="name">Nom (A à Z)</option>' in html
    # A search sent from the list sorted by default (the select sends "") is sorted by relevance.
    assert names(get(client, q="déchets", sort="")) == ["B déchets", "A"]
    # Asked to sort by name while searching: name wins.
    assert names(get(client, q="déchets", sort="name")) == ["A", "B déchets"]


def test_pagination_with_result_count(client):
    for number in range(25):
        ListedStructureFactory(name=f"Structure {number:02d}")

    first = get(client)
    html = first.content.decode()
    assert "25 structures" in html
    assert names(first) == [f"Structure {n:02d}" for n in range(20)]
    assert 'href="?page=2"' in html

    second = get(client, page=2)
    assert names(second) == [f"Structure {n:02d}" for n in range(20, 25)]

    assert names(get(client, per_page=10, page=3)) == [f"Structure {n:02d}" for n in range(20, 25)]
    # A page past the end shows the last one; nonsense falls back to defaults.
    assert names(get(client, page=99)) == [f"Structure {n:02d}" for n in range(20, 25)]
    assert len(names(get(client, per_page=7, sort="nonsense"))) == 20


def test_every_filter_state_is_a_shareable_url_with_removable_chips(client):
    ListedStructureFactory(name="Tri", description="Tri des déchets.", topics=[WASTE], areas=["93"], verified=True)

    response = get(client, q="déchets", topics=WASTE, areas="93", page=1)
    html = response.content.decode()

    # The form comes back as it was sent: a plain GET form, so the URL is the state.
    assert '<form method="get" action="/structures/"' in html
    assert 'value="déchets"' in html
    assert re.search(rf'value="{WASTE}"[^>]*checked', html)
    assert re.search(r'value="93"[^>]*checked', html)
    # Only verified structures are listed (issue 10): no "verified only" checkbox any more.
    assert 'name="verified"' not in html
    # One chip per active filter, each linking to the same URL without it (and back to page 1).
    assert "Thématiques\u00a0: Gestion et valorisation des déchets" in html
    assert "Zones d&#x27;intervention\u00a0: Seine-Saint-Denis (93)" in html
    assert f'href="?q=d%C3%A9chets&amp;topics={WASTE}"' in html  # the area chip
    assert "Effacer tous les filtres" in html


def test_unknown_filter_values_are_ignored_and_the_valid_ones_still_apply(client):
    ListedStructureFactory(name="Tri", topics=[WASTE], areas=["93"])
    ListedStructureFactory(name="Traiteur", topics=[CATERING], areas=["93"])

    response = get(client, topics=["n-existe-pas"], areas="93")

    assert names(response) == ["Traiteur", "Tri"]
    assert names(get(client, topics=[WASTE, "n-existe-pas"], areas="93")) == ["Traiteur", "Tri"]
    assert names(get(client, topics=WASTE, reserved="L9999", headcount="beaucoup")) == ["Tri"]


def test_empty_states_say_what_to_do_next(client):
    html = unescape(get(client).content.decode())
    assert "Aucune structure n'est encore inscrite" in html
    assert reverse("structures_space:create") in html

    ListedStructureFactory(name="Traiteur", topics=[CATERING])
    html = get(client, q="blanchisserie").content.decode()
    assert re.search(r"\b0 structures?\b", html)
    assert "Aucune structure ne correspond à votre recherche" in html
    assert "élargissez la zone" in html


def test_export_link_only_for_buyers_and_staff_and_keeps_the_filters(client):
    ListedStructureFactory(name="Tri", topics=[WASTE])
    export = reverse("structures:export")

    assert export not in get(client, topics=WASTE).content.decode()

    member = MembershipFactory().user
    client.force_login(member)
    assert export not in get(client, topics=WASTE).content.decode()

    client.force_login(BuyerMembershipFactory().user)
    html = get(client, topics=WASTE, page=1, per_page=50).content.decode()
    assert f'href="{export}?topics={WASTE}"' in html
    assert reverse("structures:import_list") not in html  # the import is for Les Canaux staff only

    client.force_login(UserFactory(platform_staff=True))
    html = get(client).content.decode()
    assert f'href="{export}"' in html
    assert reverse("structures:import_list") in html


def test_the_page_works_with_htmx_and_without(client):
    """The form carries htmx attributes (partial refresh) but is a plain GET form with a submit button."""
    html = get(client).content.decode()
    assert 'hx-get="/structures/"' in html and 'hx-select="#directory-results"' in html
    assert 'id="directory-results"' in html
    assert "Appliquer les filtres" in html
    # The sidebar collapses on small screens without JavaScript: a <details>.
    assert '<details class="directory-filters">' in html
    # htmx must not inject an inline <style> the CSP would block.
    assert '"includeIndicatorStyles": false' in html
    # A live region outside the refreshed part tells screen readers how many structures an htmx refresh found.
    assert '<p class="visually-hidden" id="directory-status" role="status"></p>' in html
    ListedStructureFactory(name="Tri")
    refreshed = client.get(URL, headers={"HX-Request": "true"}).content.decode()
    assert '<p class="visually-hidden" id="directory-status" role="status">1 structure trouvée</p>' in refreshed


@pytest.mark.parametrize("as_buyer", [False, True])
def test_query_count_does_not_grow_with_the_page_size(client, django_assert_max_num_queries, as_buyer):
    environment = Sector.objects.get(slug="environnement")
    for number in range(110):
        structure = StructureFactory(
            name=f"Tri {number:03d}",
            description="Collecte et tri des déchets.",
            topics=[WASTE, CATERING],
            areas=["93", "75111"],
            verified=number % 2 == 0,
        )
        structure.sectors.add(environment)
    if as_buyer:
        client.force_login(BuyerMembershipFactory().user)
    params = {"q": "déchets", "topics": WASTE, "areas": "93", "sectors": "environnement"}

    # Session and user (2) + buyer and staff checks (2); filter choices (topics, sectors, areas) and the chosen
    # values (3 + 3); count; page; topics and areas of the page (2).
    bound = 18
    queries = {}
    for size in (10, 100):
        with django_assert_max_num_queries(bound) as captured:
            response = client.get(URL, {**params, "per_page": size})
        assert response.status_code == 200
        assert len(names(response)) == min(size, 55)
        queries[size] = len(captured.captured_queries)
    assert queries[10] == queries[100]
