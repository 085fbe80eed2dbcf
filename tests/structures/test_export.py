"""The directory's CSV export /structures/export.csv: same filters as the list, streamed, for buyers and staff."""

import csv
import io

import pytest
from django.urls import reverse

from structures import exports
from structures.models import LegalForm, Structure
from tests.accounts.factories import UserFactory
from tests.structures.factories import ListedStructureFactory, MembershipFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.django_db

URL = reverse("structures:export")
WASTE = "gestion-et-valorisation-des-dechets"


def read_csv(response) -> list[list[str]]:
    assert response.streaming
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:]), delimiter=";"))


@pytest.fixture
def buyer_client(client):
    client.force_login(BuyerMembershipFactory().user)
    return client


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(URL, {"topics": WASTE})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("make_user", [UserFactory, lambda: MembershipFactory().user], ids=["user", "member"])
def test_other_signed_in_users_get_404(client, make_user):
    client.force_login(make_user())
    assert client.get(URL).status_code == 404


def test_staff_can_export(client):
    ListedStructureFactory(name="Tri")
    client.force_login(UserFactory(platform_staff=True))
    rows = read_csv(client.get(URL))
    assert [row[1] for row in rows[1:]] == ["Tri"]


def test_export_is_a_streamed_excel_friendly_csv_of_the_filtered_list(buyer_client):
    kept = ListedStructureFactory(
        name="Tri Solidaire",
        legal_form=LegalForm.EI,
        description="Tri des déchets.",
        topics=[WASTE, "restauration-durable"],
        areas=["93", "75111"],
        headcount="10-49",
        postcode="93200",
        city="Saint-Denis",
        contact_name="Amina Benali",
        contact_email="amina@tri.example.org",
        contact_phone="+33 1 23 45 67 89",
        verified=True,
    )
    ListedStructureFactory(name="Autre thématique", description="Tri des déchets.", topics=["restauration-durable"])
    # The search reads topic names too (issue 15): "déchets" would find this one through its topic, "tri" does not.
    ListedStructureFactory(name="Sans le mot", description="Collecte de vêtements.", topics=[WASTE])
    ListedStructureFactory(
        name="Refusée",
        description="Tri des déchets.",
        topics=[WASTE],
        verification_status="rejected",
        rejection_reason="Doublon",
    )

    response = buyer_client.get(URL, {"topics": WASTE, "q": "tri", "page": 3})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="structures-ess2024-')
    rows = read_csv(response)
    header, data = rows[0], rows[1:]
    assert header[:3] == ["SIRET", "Nom", "Forme juridique"]
    assert len(data) == 1
    row = dict(zip(header, data[0], strict=True))
    assert row["SIRET"] == kept.siret
    assert row["Nom"] == "Tri Solidaire"
    assert row["Forme juridique"] == "EI (entreprise d'insertion)"
    assert row["Catégorie"] == "Insertion (SIAE)"
    assert row["Marchés réservés"] == "L2113-13"
    assert row["Thématiques"] == "Gestion et valorisation des déchets | Restauration durable"
    assert row["Zones d'intervention"] == "Seine-Saint-Denis (93) | Paris 11e arrondissement"
    assert row["Effectif"] == "10 à 49 salariés"
    assert row["Commune"] == "Saint-Denis"
    assert row["E-mail de contact"] == "amina@tri.example.org"
    assert row["Téléphone de contact"] == "'+33 1 23 45 67 89"  # a leading + would be a formula for Excel
    assert row["Vérification"] == "Vérifiée"
    assert row["Fiche sur ESS 2024"] == f"http://testserver/structures/{kept.slug}/"


def test_export_follows_the_list_order_and_all_pages(buyer_client):
    for number in range(45):
        ListedStructureFactory(name=f"Structure {number:02d}")
    rows = read_csv(buyer_client.get(URL, {"sort": "name", "per_page": 10, "page": 2}))
    assert [row[1] for row in rows[1:]] == [f"Structure {n:02d}" for n in range(45)]


def test_cells_that_excel_would_run_as_formulas_are_neutralised(buyer_client):
    ListedStructureFactory(name='=HYPERLINK("http://evil.example")', city="@SUM(A1)", contact_name="-2+3")
    row = read_csv(buyer_client.get(URL))[1]
    assert row[1] == '\'=HYPERLINK("http://evil.example")'
    assert "'@SUM(A1)" in row
    assert "'-2+3" in row


def test_export_runs_one_query_for_the_rows_whatever_their_number(buyer_client, django_assert_max_num_queries):
    for number in range(30):
        ListedStructureFactory(name=f"Structure {number:02d}", topics=[WASTE], areas=["93", "75"])
    # Session, user, staff and buyer checks, the chosen topic, the rows (one server-side cursor), 2 savepoints each.
    with django_assert_max_num_queries(10):
        response = buyer_client.get(URL, {"topics": WASTE})
        rows = read_csv(response)
    assert len(rows) == 31
    assert all(row[6] == "Gestion et valorisation des déchets" for row in rows[1:])


def test_iter_rows_in_small_chunks_keeps_every_row_in_order():
    for number in range(7):
        ListedStructureFactory(name=f"S{number}")
    queryset = Structure.objects.listed().order_by("name")
    rows = list(exports.iter_rows(queryset, chunk_size=2))
    assert [row[1] for row in rows] == [f"S{n}" for n in range(7)]
