"""Importing awards made outside the platform (charter.imports): dry run, apply via Celery, access, the figures."""

import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from charter import imports, selectors
from charter.models import AwardImport
from structures.models import Category, LegalForm
from structures.validators import make_siret
from tenders.models import Award, AwardSource
from tests.accounts.factories import UserFactory
from tests.structures.factories import StructureFactory
from tests.tenders.factories import BuyerMembershipFactory, BuyerOrganisationFactory
from tests.tenders.helpers import reference_data  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("reference_data")]

HEADER = (
    "id;acheteur.id;objet;montant;dateNotification;titulaire_id_1;titulaire_denominationSociale_1;codeCPV;"
    "lieuExecution.nom"
)


def sample(esus_siret: str) -> bytes:
    """Good, duplicate and bad rows, as a buyer's DECP extract would have them."""
    lines = [
        HEADER,
        f"2024-001;21750001600019;Entretien des espaces verts;125 000,50;2024-03-04;{esus_siret};Jardins Solidaires;"
        "77310000-6;Paris",
        "2024-002;21750001600019;Nettoyage des tribunes;80000;05/04/2024;;Propreté Urbaine SA;90910000-9;Paris",
        "2024-002;21750001600019;Nettoyage des tribunes (bis);80000;05/04/2024;;Propreté Urbaine SA;;",  # duplicate
        "2024-003;21750001600019;Sans montant;;2024-04-05;;Quelqu'un;;",  # refused: no amount
        "2024-004;21750001600019;Montant nul;0;2024-04-05;;Quelqu'un;;",  # refused: zero
        "2024-005;21750001600019;Mauvais SIRET;1000;2024-04-05;12345678901234;X;;",  # refused: checksum
        "2024-006;13000000000000;Autre acheteur;1000;2024-04-05;;X;;",  # refused: another buyer's SIRET
        "2024-007;21750001600019;Dans le futur;1000;2999-01-01;;X;;",  # refused: future date
    ]
    return "\n".join(lines).encode("utf-8")


@pytest.fixture
def buyer():
    return BuyerOrganisationFactory(name="Ville de Paris", slug="ville-de-paris", siret="21750001600019")


@pytest.fixture
def esus():
    return StructureFactory(legal_form=LegalForm.OTHER, esus_accredited=True, siret=make_siret(4242), name="Jardins")


def test_the_dry_run_lists_what_would_be_created_matched_or_refused_and_writes_nothing(buyer, esus):
    award_import = imports.import_check(buyer=buyer, content=sample(esus.siret), filename="decp.csv", by=None)

    assert Award.objects.count() == 0
    assert (
        award_import.total_rows,
        award_import.created_count,
        award_import.matched_count,
        award_import.duplicate_count,
        award_import.refused_count,
    ) == (8, 1, 1, 1, 5)
    by_line = {row["line"]: row for row in award_import.report}
    assert by_line[2]["outcome"] == "match"
    assert by_line[3]["outcome"] == "create"
    assert by_line[4]["reasons"] == ["Ce marché figure deux fois dans le fichier."]
    assert by_line[5]["reasons"] == ["Le montant manque ou n'est pas un nombre (exemple : 125000,50)."]
    assert by_line[6]["reasons"] == ["Le montant doit être supérieur à zéro."]
    assert "n'est pas valide" in by_line[7]["reasons"][0]
    assert "celui d'un autre acheteur" in by_line[8]["reasons"][0]
    assert by_line[9]["reasons"] == ["La date de notification est dans le futur."]


def test_apply_writes_the_awards_marked_as_imported_and_the_figures_count_them(
    buyer, esus, django_capture_on_commit_callbacks
):
    award_import = imports.import_check(buyer=buyer, content=sample(esus.siret), filename="decp.csv", by=None)
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_start_apply(award_import=award_import, by=None)

    award_import.refresh_from_db()
    assert award_import.status == AwardImport.Status.DONE
    assert award_import.processed_rows == 2
    matched = Award.objects.get(external_id="2024-001")
    assert matched.source == AwardSource.IMPORT
    assert matched.buyer == buyer and matched.tender is None
    assert matched.winner == esus
    assert matched.winner_category == Category.ESS  # frozen with its reason
    assert "ESUS" in matched.winner_category_reason
    assert matched.amount == Decimal("125000.50")
    assert matched.awarded_on == datetime.date(2024, 3, 4)
    other = Award.objects.get(external_id="2024-002")
    assert (other.winner_name, other.winner_category) == ("Propreté Urbaine SA", Category.OTHER)

    [row] = selectors.by_buyer()
    assert row.buyer == buyer
    assert row.figures.award_count == 2
    assert row.figures.imported_count == 2
    assert row.figures.counted_amount == Decimal("125000.50")
    assert selectors.overall().imported_count == 2

    # The same file again: every row is a duplicate, nothing is written twice.
    again = imports.import_check(buyer=buyer, content=sample(esus.siret), filename="decp.csv", by=None)
    assert (again.created_count, again.matched_count, again.to_write) == (0, 0, 0)
    assert again.duplicate_count == 3


def test_applying_twice_is_refused_and_a_rerun_chunk_writes_nothing_twice(buyer, esus):
    award_import = imports.import_check(buyer=buyer, content=sample(esus.siret), filename="decp.csv", by=None)
    rows = award_import.rows
    imports.import_start_apply(award_import=award_import, by=None)  # the task is queued on commit: run it here
    assert imports.apply_next_chunk(import_id=award_import.pk) is False
    assert Award.objects.count() == 2

    # A worker that crashed after writing but before saving its progress: the chunk runs again.
    AwardImport.objects.filter(pk=award_import.pk).update(
        status=AwardImport.Status.APPLYING, processed_rows=0, rows=rows
    )
    imports.apply_next_chunk(import_id=award_import.pk)
    assert Award.objects.count() == 2

    with pytest.raises(imports.ImportStateError, match="déjà été appliqué"):
        imports.import_start_apply(award_import=award_import, by=None)


def test_an_xlsx_file_in_chunks(buyer, monkeypatch, django_capture_on_commit_callbacks):
    monkeypatch.setattr(imports, "CHUNK_SIZE", 2)
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "id",
            "objet",
            "montant",
            "dateNotification",
            "titulaire_denominationSociale_1",
            "heuresTravaillees",
            "heuresInsertion",
        ]
    )
    for number in range(5):
        sheet.append(
            [f"X-{number}", f"Marché {number}", 1000 + number, datetime.date(2024, 1, 10), "Titulaire", 100, 10]
        )
    sheet.append(["X-9", "Heures impossibles", 1000, datetime.date(2024, 1, 10), "Titulaire", 10, 50])
    buffer = io.BytesIO()
    workbook.save(buffer)

    award_import = imports.import_check(buyer=buyer, content=buffer.getvalue(), filename="decp.xlsx", by=None)
    assert (award_import.to_write, award_import.refused_count) == (5, 1)
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_start_apply(award_import=award_import, by=None)

    award_import.refresh_from_db()
    assert (award_import.status, award_import.processed_rows) == (AwardImport.Status.DONE, 5)
    assert Award.objects.filter(buyer=buyer, total_hours_planned=100, insertion_hours_planned=10).count() == 5
    assert selectors.overall().hours.value == Decimal("10.0")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Le fichier est vide."),
        (b"nom;prenom\nA;B", "Colonnes obligatoires absentes"),
        # Neither UTF-8 nor Windows-1252 (0x81 is undefined there): was an UnboundLocalError, a 500.
        (b"id;objet\n\x81;x\n", "ni en UTF-8 ni en Windows-1252"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(buyer, content, message):
    with pytest.raises(imports.ImportFileError, match=message):
        imports.import_check(buyer=buyer, content=content, filename="decp.csv", by=None)
    assert not AwardImport.objects.exists()


# --- Pages and access ----------------------------------------------------------------------------------------------


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


def test_a_buyer_imports_for_their_own_organisation(client, buyer, esus, django_capture_on_commit_callbacks):
    user = BuyerMembershipFactory(organisation=buyer).user
    client.force_login(user)

    response = client.post(reverse("charter:import_new"), {"file": upload("decp.csv", sample(esus.siret))})

    award_import = AwardImport.objects.get()
    assert award_import.buyer == buyer
    assert response.url == reverse("charter:import_detail", args=[award_import.pk])
    page = client.get(response.url).content.decode()
    assert "Ce marché figure deux fois dans le fichier." in page
    assert "Importer 2 attributions" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("charter:import_apply", args=[award_import.pk]))
    assert response.status_code == 302
    assert Award.objects.filter(buyer=buyer).count() == 2
    assert "Voir les chiffres de Ville de Paris" in client.get(response.url).content.decode()


def test_a_bad_file_is_refused_in_french_and_nothing_is_stored(client, buyer):
    client.force_login(BuyerMembershipFactory(organisation=buyer).user)
    response = client.post(reverse("charter:import_new"), {"file": upload("decp.txt", b"x")})
    assert response.status_code == 200
    assert "Choisissez un fichier CSV ou Excel (.xlsx)." in response.content.decode()
    assert not AwardImport.objects.exists()


def test_another_organisations_import_is_a_404_and_a_visitor_cannot_import(client, buyer, esus):
    award_import = imports.import_check(buyer=buyer, content=sample(esus.siret), filename="decp.csv", by=None)
    client.force_login(BuyerMembershipFactory().user)
    assert client.get(reverse("charter:import_detail", args=[award_import.pk])).status_code == 404
    assert client.post(reverse("charter:import_apply", args=[award_import.pk])).status_code == 404
    client.force_login(UserFactory())
    assert client.get(reverse("charter:import_new")).status_code == 404


def test_a_stalled_import_is_resumed_by_the_beat_task(buyer, esus):
    from charter.tasks import resume_stalled_award_imports

    award_import = imports.import_check(buyer=buyer, content=sample(esus.siret), filename="decp.csv", by=None)
    AwardImport.objects.filter(pk=award_import.pk).update(status=AwardImport.Status.APPLYING)
    assert resume_stalled_award_imports() == 0  # still fresh: its task may be running
    AwardImport.objects.filter(pk=award_import.pk).update(updated_at=timezone.now() - datetime.timedelta(minutes=6))

    assert resume_stalled_award_imports() == 1  # eager Celery: applied right away

    award_import.refresh_from_db()
    assert award_import.status == AwardImport.Status.DONE
    assert Award.objects.filter(buyer=buyer).count() == 2


# Groupements: every holder is read, the award counts once --------------------------------------------------------

GROUPEMENT_HEADER = (
    "id;acheteur.id;objet;montant;dateNotification;titulaire_id_1;titulaire_typeIdentifiant_1;"
    "titulaire_denominationSociale_1;titulaire_id_2;titulaire_typeIdentifiant_2;titulaire_denominationSociale_2;"
    "titulaire_id_3;titulaire_typeIdentifiant_3;titulaire_denominationSociale_3"
)


def groupement_sample(esus_siret: str, insertion_siret: str, outside_siret: str) -> bytes:
    lines = [
        GROUPEMENT_HEADER,
        # An ESS mandataire with an insertion company of the platform and a company from outside.
        f"G-1;21750001600019;Restauration des bénévoles;300000;2024-05-02;{esus_siret};SIRET;Jardins;"
        f"{insertion_siret};SIRET;Insertion Nord;{outside_siret};SIRET;Bâtiment SA",
        # A mandataire from outside with a co-holder of the platform.
        f"G-2;21750001600019;Signalétique;100000;2024-05-03;;;Grand Groupe SA;{insertion_siret};SIRET;Insertion;;;",
        # A bad co-holder SIRET refuses the row.
        f"G-3;21750001600019;Navettes;5000;2024-05-04;{esus_siret};SIRET;Jardins;12345678901234;SIRET;Faux;;;",
        # The same holder twice is one holder.
        f"G-4;21750001600019;Fleurs;1000;2024-05-05;{esus_siret};SIRET;Jardins;{esus_siret};SIRET;Jardins;;;",
    ]
    return "\n".join(lines).encode("utf-8")


@pytest.fixture
def groupement_file(esus):
    insertion = StructureFactory(legal_form=LegalForm.EI, siret=make_siret(4343), name="Insertion Nord")
    return insertion, groupement_sample(esus.siret, insertion.siret, make_siret(9999))


def test_the_dry_run_reads_every_holder_of_a_groupement(client, buyer, esus, groupement_file):
    insertion, content = groupement_file

    award_import = imports.import_check(buyer=buyer, content=content, filename="decp.csv", by=None)

    by_id = {row["id"]: row for row in award_import.report}
    assert (award_import.matched_count, award_import.created_count, award_import.refused_count) == (3, 0, 1)
    assert by_id["G-1"]["winner"] == "Jardins"
    assert by_id["G-1"]["co_holders"] == ["Insertion Nord", "Bâtiment SA"]
    assert by_id["G-2"]["outcome"] == "match"  # a co-holder of the platform is enough to match
    assert by_id["G-2"]["co_holders"] == ["Insertion Nord"]
    assert by_id["G-3"]["reasons"] == ["Le SIRET du titulaire n'est pas valide (14 chiffres) : 12345678901234."]
    assert by_id["G-4"]["co_holders"] == []
    client.force_login(BuyerMembershipFactory(organisation=buyer).user)
    page = client.get(reverse("charter:import_detail", args=[award_import.pk])).content.decode()
    assert "En groupement avec : Insertion Nord, Bâtiment SA" in page


def test_a_groupement_is_one_award_in_its_mandataires_category_with_its_co_holders_linked(
    client, buyer, esus, groupement_file, django_capture_on_commit_callbacks
):
    insertion, content = groupement_file
    award_import = imports.import_check(buyer=buyer, content=content, filename="decp.csv", by=None)
    rows = award_import.rows
    with django_capture_on_commit_callbacks(execute=True):
        imports.import_start_apply(award_import=award_import, by=None)

    assert Award.objects.count() == 3
    led = Award.objects.get(external_id="G-1")
    assert led.winner == esus and led.winner_category == Category.ESS
    assert led.winner_category_reason.startswith("Mandataire d'un groupement de 3 titulaires.")
    assert "ESUS" in led.winner_category_reason
    assert list(led.co_contractors.all()) == [insertion]
    outside = Award.objects.get(external_id="G-2")
    assert (outside.winner, outside.winner_name, outside.winner_category) == (None, "Grand Groupe SA", "other")
    assert list(outside.co_contractors.all()) == [insertion]
    single = Award.objects.get(external_id="G-4")
    assert not single.co_contractors.exists()
    assert single.winner_category_reason.startswith("Agrément ESUS")

    # Counted once: 300 000 + 100 000 + 1 000 awarded; the ESS mandataires' 301 000 count, not their co-holders.
    figures = selectors.overall()
    assert figures.award_count == 3
    assert figures.awarded_amount == Decimal("401000")
    assert figures.counted_amount == Decimal("301000")

    # A rerun chunk links nobody twice.
    AwardImport.objects.filter(pk=award_import.pk).update(
        status=AwardImport.Status.APPLYING, processed_rows=0, rows=rows
    )
    imports.apply_next_chunk(import_id=award_import.pk)
    assert Award.co_contractors.through.objects.count() == 2
