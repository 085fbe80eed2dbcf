"""The interested structures of a tender, for its buyer: the admin page, CSV and XLSX exports, scoping, queries."""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from structures.models import LegalForm, Topic
from tenders.models import Interest
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, LotFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)
from tests.tenders.public import open_tender

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

WASTE = "gestion-et-valorisation-des-dechets"


@pytest.fixture
def buyer():
    return BuyerMembershipFactory(organisation__name="SOLIDEO").user


@pytest.fixture
def tender(buyer):
    tender = open_tender(
        title="Collecte des biodéchets", buyer=buyer.buyer_membership.organisation, topics=[WASTE], places=["93"]
    )
    LotFactory(tender=tender, number=1, title="Tri", topic=Topic.objects.get(slug=WASTE), reserved="L2113-13")
    return tender


def interested(tender, name, *, answer=Interest.Answer.INTERESTED, **structure_fields):
    structure_fields.setdefault("areas", ["93"])
    structure = StructureFactory(name=name, topics=[WASTE], **structure_fields)
    user = MembershipFactory(structure=structure, user=UserFactory(first_name="Awa", last_name=name[:5])).user
    Interest.objects.create(
        tender=tender,
        structure=structure,
        user=user,
        answer=answer,
        reason="" if answer == Interest.Answer.INTERESTED else Interest.Reason.TOO_FAR,
    )
    return structure, user


def page_url(tender):
    return reverse("admin:tenders_tender_interested", args=[tender.pk])


def export_url(tender, fmt):
    return reverse("admin:tenders_tender_interested_export", args=[tender.pk, fmt])


def test_the_buyer_sees_interested_structures_with_contacts_and_match(client, buyer, tender):
    siae, siae_user = interested(tender, "Compost Solidaire", legal_form=LegalForm.EI, verification_status="verified")
    far, _user = interested(tender, "Hors zone", areas=["75"])
    declined, declined_user = interested(tender, "Pas pour nous", answer=Interest.Answer.NOT_INTERESTED)
    client.force_login(buyer)
    response = client.get(page_url(tender))
    assert response.status_code == 200
    text = response.content.decode()
    assert "<h1>Structures intéressées</h1>" in text
    assert "2 structures ont dit « Intéressé »" in text
    assert f'href="{reverse("structures:detail", kwargs={"slug": siae.slug})}"' in text
    assert siae_user.email in text and "Awa Compo" in text
    assert str(siae.get_category_display()).replace("'", "&#x27;") in text
    assert "Peut répondre aux lots réservés" in text
    assert "sur 100" in text and "Le lot 1 est réservé" in text
    assert "Hors des critères de correspondance" in text  # the structure working elsewhere
    # A structure that said "Pas intéressé" is not listed, and its person's contact is not shown.
    assert declined.name not in text and declined_user.email not in text
    # The best match first.
    assert text.index("Compost Solidaire") < text.index("Hors zone")


def test_the_change_page_links_to_the_list(client, buyer, tender):
    interested(tender, "Compost Solidaire")
    client.force_login(buyer)
    text = client.get(reverse("admin:tenders_tender_change", args=[tender.pk])).content.decode()
    assert f'href="{page_url(tender)}"' in text and "1 structure intéressée" in text


def test_csv_export(client, buyer, tender):
    siae, user = interested(tender, "=Compost Solidaire", legal_form=LegalForm.EI)
    client.force_login(buyer)
    response = client.get(export_url(tender, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="structures-interessees-')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Structure", "SIRET", "Catégorie", "Marchés réservés accessibles"]
    assert len(rows) == 2
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Structure"] == "'=Compost Solidaire"  # no formula injection
    assert row["SIRET"] == siae.siret
    assert row["E-mail"] == user.email
    assert row["Catégorie"] == siae.get_category_display()
    assert int(row["Score de correspondance (sur 100)"]) > 0
    assert row["Fiche publique"].endswith(f"/structures/{siae.slug}/")


def test_xlsx_export(client, buyer, tender):
    siae, user = interested(tender, "Compost Solidaire", legal_form=LegalForm.EI)
    interested(tender, "Recyclerie du Canal")
    client.force_login(buyer)
    response = client.get(export_url(tender, "xlsx"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Structure" and len(rows) == 3
    assert {row[0] for row in rows[1:]} == {"Compost Solidaire", "Recyclerie du Canal"}
    assert user.email in [row[7] for row in rows[1:]]


def test_an_unknown_export_format_is_a_404(client, buyer, tender):
    client.force_login(buyer)
    assert client.get(export_url(tender, "pdf")).status_code == 404


def test_another_organisation_never_sees_the_interests_or_contacts(client, tender):
    _structure, user = interested(tender, "Compost Solidaire")
    other = BuyerMembershipFactory(organisation__name="Ville de Paris").user
    client.force_login(other)
    for url in (page_url(tender), export_url(tender, "csv"), export_url(tender, "xlsx")):
        response = client.get(url)
        assert response.status_code == 404, url
        assert user.email.encode() not in response.content


def test_anonymous_and_structure_members_are_sent_to_log_in(client, tender):
    _structure, user = interested(tender, "Compost Solidaire")
    for url in (page_url(tender), export_url(tender, "csv")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]
    _other, other_user = interested(tender, "Recyclerie du Canal")
    client.force_login(user)  # a structure's member, not staff: no admin for them
    response = client.get(page_url(tender))
    assert response.status_code in (302, 403) and other_user.email.encode() not in response.content


def test_staff_see_every_tender(client, tender):
    interested(tender, "Compost Solidaire")
    staff = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert client.get(page_url(tender)).status_code == 200


def test_the_page_and_exports_run_a_fixed_number_of_queries(client, buyer, tender, django_assert_max_num_queries):
    interested(tender, "Première")
    client.force_login(buyer)
    urls = (page_url(tender), export_url(tender, "csv"), export_url(tender, "xlsx"))
    counts = {}
    for url in urls:
        with django_assert_max_num_queries(40) as captured:
            assert client.get(url).status_code == 200
        counts[url] = len(captured.captured_queries)
    for number in range(25):
        interested(tender, f"Structure {number}", legal_form=LegalForm.EI if number % 2 else LegalForm.ASSOCIATION)
    for url in urls:
        with django_assert_max_num_queries(counts[url]):
            response = client.get(url)
        assert response.status_code == 200
    assert "26 structures ont dit" in client.get(page_url(tender)).content.decode()


def test_a_long_list_is_paginated_on_the_page_but_whole_in_the_exports(client, buyer, tender, monkeypatch):
    from tenders.admin import interested as module

    for number in range(5):
        interested(tender, f"Structure {number}")
    client.force_login(buyer)
    monkeypatch.setattr(module, "PAGE_SIZE", 2)
    text = client.get(page_url(tender)).content.decode()
    assert "5 structures ont dit" in text and "Page 1 sur 3" in text and text.count("mailto:") == 2
    assert "Page 3 sur 3" in client.get(page_url(tender) + "?page=3").content.decode()
    content = client.get(export_url(tender, "csv")).content.decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(content), delimiter=";"))) == 6
