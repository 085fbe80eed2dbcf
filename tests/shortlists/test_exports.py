"""Exports of a list: only the chosen columns, one row per structure, spreadsheet formulas neutralised."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from shortlists import exports
from structures.models import LegalForm
from tests.matching.conftest import CATERING, ensure_reference_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def shortlist(buyer, listed, make_list):
    ensure_reference_data()
    caterer = listed(
        name="Cuisine Solidaire",
        legal_form=LegalForm.SCIC,
        city="Saint-Denis",
        contact_email="contact@cuisine.example.org",
        topics=[CATERING],
    )
    evil = listed(name='=HYPERLINK("http://evil.example")', city="+33 Paris", contact_phone="-1+1", website="")
    return make_list(buyer, structures=[caterer, evil], notes={caterer: "Devis reçu", evil: "@SUM(A1:A9)"})


def export(client, shortlist, columns, fmt):
    query = "&".join(f"columns={column}" for column in columns)
    return client.get(reverse("shortlists:export", args=[shortlist.pk]) + f"?{query}&format={fmt}")


def test_csv_holds_only_the_chosen_columns_with_bom_and_semicolons(buyer, shortlist, client_for):
    response = export(client_for(buyer), shortlist, ["note", "name", "city"], "csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="reperage-traiteurs-' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    # The file's order is the form's (name before city before note), whatever the order of the query.
    assert rows[0] == ["Nom", "Commune", "Note de la liste"]
    assert rows[1:] == [
        ['\'=HYPERLINK("http://evil.example")', "'+33 Paris", "'@SUM(A1:A9)"],
        ["Cuisine Solidaire", "Saint-Denis", "Devis reçu"],
    ]


def test_xlsx_holds_only_the_chosen_columns_and_no_formula(buyer, shortlist, client_for):
    response = export(client_for(buyer), shortlist, ["name", "category", "topics", "contact_phone", "note"], "xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == exports.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["Nom", "Catégorie", "Thématiques", "Téléphone de contact", "Note de la liste"]
    assert len(values) == 3
    assert values[1][0] == '\'=HYPERLINK("http://evil.example")'
    assert values[1][3:] == ["'-1+1", "'@SUM(A1:A9)"]
    assert values[2][0] == "Cuisine Solidaire"
    assert values[2][2] == "Restauration durable"
    assert values[2][4] == "Devis reçu"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_every_column_can_be_exported(buyer, shortlist, client_for):
    keys = [key for key, _label in exports.column_choices()]
    response = export(client_for(buyer), shortlist, keys, "csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(rows[0]) == len(keys) == len(set(keys))
    assert rows[2][rows[0].index("Fiche sur ESS 2024")].endswith(
        reverse("structures:detail", args=[shortlist.entries.get(structure__name="Cuisine Solidaire").structure.slug])
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("format=xlsx", "Cochez au moins une colonne à exporter."),
        ("columns=name&columns=password&format=csv", "Sélectionnez un choix valide"),
        ("columns=name&format=pdf", "Sélectionnez un choix valide"),
    ],
)
def test_bad_export_requests_say_why_on_the_page(buyer, shortlist, client_for, query, message):
    response = client_for(buyer).get(reverse("shortlists:export", args=[shortlist.pk]) + "?" + query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.text
