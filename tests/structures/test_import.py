"""Bulk import of structures by Les Canaux staff: upload → dry-run report → apply in chunks → re-import is a no-op."""

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from structures import imports
from structures.models import Area, ImportJob, LegalForm, Membership, Structure, Topic, VerificationStatus
from structures.validators import make_siret
from tests.accounts.factories import UserFactory
from tests.structures.factories import MembershipFactory, StructureFactory
from tests.tenders.factories import BuyerMembershipFactory

pytestmark = pytest.mark.django_db

HEADER = "siret;nom;forme_juridique;code_postal;ville;thematiques;zones;description;site_web;email_contact"
SIRET_A = make_siret(90001)
SIRET_B = make_siret(90002)
SIRET_C = make_siret(90003)


def csv_bytes(*lines: str, header: str = HEADER, bom: bool = True) -> bytes:
    text = "\r\n".join([header, *lines]) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")


GOOD_FILE = csv_bytes(
    f"{SIRET_A};La Table Solidaire;scop;93200;Saint-Denis;restauration-durable|Gestion et valorisation des déchets;"
    "93|75118;Traiteur bio.;table-solidaire.example.org;contact@table.example.org",
    f"{SIRET_B[:9]} {SIRET_B[9:]};Recyclerie du Canal;Association;75019;Paris;gestion-et-valorisation-des-dechets;"
    "75119;Réemploi et tri des déchets.;;",
    f"{SIRET_C};Insertion Propreté;Entreprise d'insertion;94200;Ivry-sur-Seine;nettoyage-et-proprete;94;;;",
)


@pytest.fixture
def staff(client):
    user = UserFactory(platform_staff=True)
    client.force_login(user)
    return user


def upload(client, data: bytes, name: str = "registre.csv", django_capture_on_commit_callbacks=None):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("structures:import_list"), {"file": SimpleUploadedFile(name, data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("created_at")


def apply(client, job, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("structures:import_apply", args=[job.pk]), {"action": "apply"})
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def report_by_siret(job) -> dict[str, dict]:
    return {entry["siret"]: entry for entry in job.report}


# --- Pure functions over rows -------------------------------------------------------------------------------------


def test_parse_csv_accepts_a_bom_either_separator_and_header_variants():
    semicolon = imports.parse_csv(csv_bytes(f"{SIRET_A};A;scop;;;;;;;"))
    comma = imports.parse_csv(
        f'SIRET,Raison sociale,Forme juridique\n{SIRET_A},"A, coopérative",scop\n'.encode(),
    )
    assert not semicolon.errors and not comma.errors
    assert semicolon.rows[0].values["nom"] == "A"
    assert comma.rows[0].values == {"siret": SIRET_A, "nom": "A, coopérative", "forme_juridique": "scop"}
    assert comma.rows[0].line == 2


def test_parse_csv_reports_a_file_without_the_required_columns():
    parsed = imports.parse_csv(b"numero;libelle\n1;2\n")
    assert parsed.rows == []
    assert "Colonnes obligatoires absentes : siret, nom, forme_juridique." in parsed.errors[0]


def test_parse_csv_reports_empty_and_oversized_files():
    assert imports.parse_csv(b"").errors == ["Le fichier est vide."]
    too_big = imports.parse_csv(b"x" * (imports.MAX_FILE_BYTES + 1))
    assert "découpez-le" in too_big.errors[0]


def test_parse_csv_keeps_bad_rows_with_their_error_and_line_number():
    data = (
        csv_bytes(
            f"{SIRET_A};Bonne ligne;scop;;;;;;;",
            f"{SIRET_B};Une colonne en trop;scop;;;;;;;;",
            "",
            f'{SIRET_C};"Un texte\nsur deux lignes";scop;;;;;;;',
        )
        + f"{make_siret(90004)};Caf".encode()
        + b"\xe9 de la gare;scop;;;;;;;\r\n"  # "é" in Windows-1252 inside a UTF-8 file
    )
    parsed = imports.parse_csv(data)
    assert not parsed.errors
    good, extra_column, two_lines, latin1 = parsed.rows
    assert (good.line, good.errors) == (2, [])
    assert extra_column.line == 3
    assert extra_column.errors == [
        "La ligne compte 11 colonnes au lieu de 10 : un « ; » dans un texte doit être entre guillemets."
    ]
    assert extra_column.values == {"siret": SIRET_B, "nom": "Une colonne en trop"}
    assert two_lines.line == 5 and two_lines.values["nom"] == "Un texte\nsur deux lignes"
    assert latin1.line == 7
    assert "n'est pas en UTF-8" in latin1.errors[0]
    assert latin1.values["nom"] == "Caf\ufffd de la gare"


@pytest.fixture
def reference():
    return imports.load_reference()


def row(**values) -> imports.RawRow:
    base = {"siret": SIRET_A, "nom": "La Table", "forme_juridique": "scop"}
    return imports.RawRow(line=2, values={**base, **values})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("scop", LegalForm.SCOP),
        ("SCOP", LegalForm.SCOP),
        ("Société coopérative et participative", LegalForm.SCOP),
        ("entreprise d’insertion", LegalForm.EI),
        ("Entreprise adaptée", LegalForm.EA),
        ("mutuelle", LegalForm.MUTUAL),
        ("Entreprise agréée ESUS", LegalForm.ESUS),
    ],
)
def test_legal_form_by_code_or_label(reference, raw, expected):
    clean, errors = imports.validate_row(row(forme_juridique=raw), reference)
    assert errors == []
    assert clean.fields["legal_form"] == expected


def test_valid_row_is_cleaned(reference):
    clean, errors = imports.validate_row(
        row(
            siret=f" {SIRET_A[:3]} {SIRET_A[3:6]} {SIRET_A[6:9]} {SIRET_A[9:]} ",
            code_postal="1000",
            thematiques="restauration-durable | ACCESSIBILITE|",
            zones="93|fr",
            effectif="10 - 49",
            agrement_esus="Oui",
            site_web="table.example.org",
            email_contact="Contact@Table.example.org",
        ),
        reference,
    )
    assert errors == []
    assert clean.siret == SIRET_A
    assert clean.fields == {
        "name": "La Table",
        "legal_form": "scop",
        "postcode": "01000",
        "headcount": "10-49",
        "esus_accredited": True,
        "website": "https://table.example.org",
        "contact_email": "contact@table.example.org",
    }
    assert clean.topics == set(
        Topic.objects.filter(slug__in=["restauration-durable", "accessibilite"]).values_list("pk", flat=True)
    )
    assert clean.areas == set(Area.objects.filter(code__in=["93", "FR"]).values_list("pk", flat=True))


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"siret": "12345678901234"}, "la clé de contrôle ne correspond pas"),
        ({"siret": "1234"}, "Le SIRET compte 14 chiffres ; vous en avez saisi 4."),
        ({"siret": ""}, "Indiquez le numéro SIRET"),
        ({"nom": ""}, "Le nom de la structure est obligatoire."),
        ({"forme_juridique": "SARL"}, "Forme juridique inconnue : « SARL »"),
        ({"forme_juridique": ""}, "La forme juridique est obligatoire"),
        ({"thematiques": "restauration-durable|jardinage"}, "Thématique inconnue : « jardinage »."),
        ({"zones": "13"}, "Zone inconnue : « 13 »"),
        ({"secteurs": "spatial"}, "Secteur inconnu : « spatial »."),
        ({"code_postal": "750"}, "Code postal invalide : « 750 »"),
        ({"effectif": "beaucoup"}, "Effectif inconnu : « beaucoup »"),
        ({"agrement_esus": "peut-être"}, "Agrément ESUS : écrivez « oui » ou « non »"),
        ({"email_contact": "contact@"}, "Adresse e-mail de contact invalide"),
        ({"site_web": "http://"}, "Adresse de site web invalide"),
        ({"nom": "x" * 201}, "Nom : 200 caractères au plus (201 ici)."),
    ],
)
def test_invalid_rows_say_why(reference, values, message):
    clean, errors = imports.validate_row(row(**values), reference)
    assert clean is None
    assert any(message in error for error in errors), errors


def test_plan_row_lists_only_the_fields_that_differ(reference):
    structure = StructureFactory(
        siret=SIRET_A, name="La Table", legal_form=LegalForm.SCOP, city="Paris", topics=["restauration-durable"]
    )
    existing = imports.load_existing([SIRET_A])[SIRET_A]
    same, _ = imports.validate_row(row(ville="Paris", thematiques="restauration-durable"), reference)
    changed, _ = imports.validate_row(row(ville="Montreuil", thematiques="accessibilite"), reference)
    empty_cells, _ = imports.validate_row(row(ville="", description=""), reference)

    assert imports.plan_row(same, existing) == (imports.UNCHANGED, [])
    assert imports.plan_row(changed, existing) == (imports.UPDATE, ["city", "topics"])
    assert imports.plan_row(empty_cells, existing) == (imports.UNCHANGED, [])  # empty cells erase nothing
    assert imports.plan_row(same, None) == (imports.CREATE, [])
    assert structure.pk == existing.pk


# --- The whole journey through the staff pages --------------------------------------------------------------------


def test_dry_run_report_then_apply_then_reimport_changes_nothing(client, staff, django_capture_on_commit_callbacks):
    existing = StructureFactory(
        siret=SIRET_B,
        name="Recyclerie du Canal",
        legal_form=LegalForm.ASSOCIATION,
        postcode="75019",
        city="Paris",
        description="Ancienne description.",
        verified=True,
    )
    member = MembershipFactory(structure=existing)

    job = upload(client, GOOD_FILE, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    # Dry run: nothing written yet, the report says what will happen, row by row.
    assert job.status == ImportJob.Status.CHECKED
    assert (job.total_rows, job.created_count, job.updated_count, job.unchanged_count, job.rejected_count) == (
        3,
        2,
        1,
        0,
        0,
    )
    report = report_by_siret(job)
    assert report[SIRET_A]["action"] == "create"
    assert report[SIRET_B]["action"] == "update"
    assert report[SIRET_B]["changes"] == ["description", "topics", "areas"]
    assert Structure.objects.count() == 1
    html = unescape(client.get(reverse("structures:import_detail", args=[job.pk])).content.decode())
    assert "Ce que l'import va faire" in html
    assert "Fichier registre.csv, reçu le" in html
    assert "À créer" in html and "À mettre à jour" in html
    assert "Change : description, thématiques, zones" in html
    assert 'value="apply"' in html

    job = apply(client, job, django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.DONE
    assert job.processed_rows == 3
    assert (job.created_count, job.updated_count, job.unchanged_count, job.rejected_count) == (2, 1, 0, 0)
    table = Structure.objects.get(siret=SIRET_A)
    assert table.name == "La Table Solidaire"
    assert table.slug == "la-table-solidaire"
    assert table.legal_form == LegalForm.SCOP and table.category == "ess"
    assert table.website == "https://table-solidaire.example.org"
    assert table.contact_email == "contact@table.example.org"
    assert table.verification_status == VerificationStatus.PENDING  # staff verifies imported structures later
    assert not Membership.objects.filter(structure=table).exists()  # and they have no members yet
    assert set(table.topics.values_list("slug", flat=True)) == {
        "restauration-durable",
        "gestion-et-valorisation-des-dechets",
    }
    assert set(table.areas.values_list("code", flat=True)) == {"93", "75118"}
    insertion = Structure.objects.get(siret=SIRET_C)
    assert insertion.legal_form == LegalForm.EI and insertion.eligible_l2113_13
    existing.refresh_from_db()
    assert existing.description == "Réemploi et tri des déchets."
    assert existing.verification_status == VerificationStatus.VERIFIED  # untouched: not in the file
    assert Membership.objects.filter(pk=member.pk).exists()
    html = unescape(client.get(reverse("structures:import_detail", args=[job.pk])).content.decode())
    assert "Bilan de l'import" in html and "Créée" in html

    # The same file again: every row is unchanged, there is nothing to apply, and nothing is written.
    before = dict(Structure.objects.values_list("siret", "updated_at"))
    again = upload(
        client,
        GOOD_FILE,
        name="registre-bis.csv",
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
    )
    assert (again.created_count, again.updated_count, again.unchanged_count, again.rejected_count) == (0, 0, 3, 0)
    html = unescape(client.get(reverse("structures:import_detail", args=[again.pk])).content.decode())
    assert "Rien à appliquer" in html
    assert "Ce fichier a déjà été envoyé le" in html
    response = client.post(reverse("structures:import_apply", args=[again.pk]), {"action": "apply"}, follow=True)
    assert "Rien à appliquer" in unescape(response.content.decode())
    assert dict(Structure.objects.values_list("siret", "updated_at")) == before
    assert Structure.objects.count() == 3


def test_reapplying_a_job_is_a_no_op(client, staff, django_capture_on_commit_callbacks):
    """The apply task delivered twice (or a chunk re-run after a crash) writes nothing more."""
    job = upload(client, GOOD_FILE, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    job = apply(client, job, django_capture_on_commit_callbacks)
    before = dict(Structure.objects.values_list("siret", "updated_at"))

    assert imports.apply_next_chunk(job_id=job.pk) is False  # done: a late duplicate task stops at once
    # Force a full re-run of the same rows against the database as it is now.
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING, processed_rows=0)
    while imports.apply_next_chunk(job_id=job.pk, chunk_size=1):
        pass

    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 3)
    assert dict(Structure.objects.values_list("siret", "updated_at")) == before


def test_apply_runs_in_chunks_and_can_be_paused_and_resumed(client, staff, django_capture_on_commit_callbacks):
    lines = [f"{make_siret(91000 + n)};Structure {n:02d};association;;;;;;;" for n in range(7)]
    job = upload(client, csv_bytes(*lines), django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.APPLYING)

    assert imports.apply_next_chunk(job_id=job.pk, chunk_size=3) is True
    job.refresh_from_db()
    assert job.processed_rows == 3 and Structure.objects.count() == 3
    html = unescape(client.get(reverse("structures:import_detail", args=[job.pk])).content.decode())
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "3 lignes traitées sur 7" in html
    assert "en attente" in html  # rows not reached yet

    client.post(reverse("structures:import_apply", args=[job.pk]), {"action": "stop"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED
    assert imports.apply_next_chunk(job_id=job.pk, chunk_size=3) is False  # paused: a queued task does nothing
    html = unescape(client.get(reverse("structures:import_detail", args=[job.pk])).content.decode())
    assert "Import en pause après 3 lignes sur 7." in html
    assert "Reprendre l'import" in html

    job = apply(client, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert Structure.objects.count() == 7
    assert (job.created_count, job.rejected_count) == (7, 0)


def test_malformed_rows_are_reported_and_never_block_the_others(client, staff, django_capture_on_commit_callbacks):
    data = (
        csv_bytes(
            f"{SIRET_A};Bonne structure;scop;;;;;;;",
            "12345678901234;SIRET faux;scop;;;;;;;",
            f"{SIRET_B};Forme inconnue;SARL;;;;;;;",
            f"{SIRET_C};;association;;;;;;;",
            f"{make_siret(90005)};Colonnes en trop;scop;;;;;;;;;",
            f"{SIRET_A};Doublon dans le fichier;scop;;;;;;;",
        )
        + f"{make_siret(90006)};Caf".encode()
        + b"\xe9;scop;;;;;;;\r\n"
    )

    job = upload(client, data, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert (job.total_rows, job.created_count, job.rejected_count) == (7, 1, 6)
    errors = {entry["line"]: " ".join(entry["errors"]) for entry in job.report}
    assert errors[2] == ""
    assert "la clé de contrôle ne correspond pas" in errors[3]
    assert "Forme juridique inconnue : « SARL »" in errors[4]
    assert "Le nom de la structure est obligatoire." in errors[5]
    assert "La ligne compte 12 colonnes au lieu de 10" in errors[6]
    assert "Ce SIRET figure déjà ligne 2 du fichier." in errors[7]
    assert "n'est pas en UTF-8" in errors[8]

    html = unescape(
        client.get(reverse("structures:import_detail", args=[job.pk]), {"action": "reject"}).content.decode()
    )
    assert "Forme juridique inconnue" in html and "Bonne structure" not in html

    job = apply(client, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert list(Structure.objects.values_list("name", flat=True)) == ["Bonne structure"]


def test_a_file_without_the_required_columns_fails_with_a_clear_message(
    client, staff, django_capture_on_commit_callbacks
):
    job = upload(
        client, b"nom;ville\nLa Table;Paris\n", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )
    assert job.status == ImportJob.Status.FAILED
    html = unescape(client.get(reverse("structures:import_detail", args=[job.pk])).content.decode())
    assert "Colonnes obligatoires absentes : siret, forme_juridique." in html
    assert 'value="apply"' not in html


def test_upload_is_size_limited_and_must_be_a_csv(client, staff, settings):
    url = reverse("structures:import_list")
    response = client.post(url, {"file": SimpleUploadedFile("gros.csv", b"x" * (imports.MAX_FILE_BYTES + 1))})
    assert response.status_code == 200
    assert "Le fichier fait plus de 5 Mo" in unescape(response.content.decode())
    response = client.post(url, {"file": SimpleUploadedFile("registre.xlsx", b"PK\x03\x04")})
    assert "Choisissez un fichier .csv" in unescape(response.content.decode())
    assert not ImportJob.objects.exists()


def test_slugs_of_imported_structures_are_unique(client, staff, django_capture_on_commit_callbacks):
    StructureFactory(name="Emmaüs", slug="emmaus")
    data = csv_bytes(
        f"{SIRET_A};Emmaüs;association;;;;;;;",
        f"{SIRET_B};EMMAUS;association;;;;;;;",
        f"{SIRET_C};Imports;association;;;;;;;",
    )
    job = apply(
        client,
        upload(client, data, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    assert job.created_count == 3
    assert dict(Structure.objects.filter(siret__in=[SIRET_A, SIRET_B, SIRET_C]).values_list("siret", "slug")) == {
        SIRET_A: "emmaus-2",
        SIRET_B: "emmaus-3",
        SIRET_C: "imports-2",
    }


def test_template_file_lists_every_column(client, staff):
    response = client.get(reverse("structures:import_template"))
    assert response.status_code == 200
    first_line = response.content.decode("utf-8").lstrip("\ufeff").splitlines()[0]
    assert first_line.split(";") == imports.COLUMN_NAMES
    parsed = imports.parse_csv(response.content)
    assert not parsed.errors
    clean, errors = imports.validate_row(parsed.rows[0], imports.load_reference())
    assert errors == [] and clean.fields["legal_form"] == "scop"


@pytest.mark.parametrize(
    "make_user",
    [UserFactory, lambda: BuyerMembershipFactory().user, lambda: MembershipFactory().user],
    ids=["user", "buyer", "member"],
)
def test_import_pages_are_404_for_everyone_but_staff(client, make_user):
    job = ImportJob.objects.create(file="imports/x.csv", file_sha256="0" * 64)
    client.force_login(make_user())
    assert client.get(reverse("structures:import_list")).status_code == 404
    assert (
        client.post(reverse("structures:import_list"), {"file": SimpleUploadedFile("a.csv", GOOD_FILE)}).status_code
        == 404
    )
    assert client.get(reverse("structures:import_detail", args=[job.pk])).status_code == 404
    assert client.post(reverse("structures:import_apply", args=[job.pk]), {"action": "apply"}).status_code == 404
    assert client.get(reverse("structures:import_template")).status_code == 404


def test_import_pages_send_anonymous_visitors_to_log_in(client):
    response = client.get(reverse("structures:import_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_a_check_that_crashes_leaves_the_job_failed_not_checking_forever(staff, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        job = imports.import_create(upload=SimpleUploadedFile("registre.csv", GOOD_FILE), by=staff)
    job.file.delete(save=False)  # the file disappeared before the worker got to it

    with pytest.raises(FileNotFoundError):
        for callback in callbacks:
            callback()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "renvoyez le fichier" in job.error


def test_a_nul_byte_in_a_cell_is_a_row_error_not_a_failed_job(client, staff, django_capture_on_commit_callbacks):
    """Issue 8: a cell holding a NUL byte ended the whole job as "erreur inattendue"."""
    data = csv_bytes(
        f"{SIRET_A};Bonne structure;scop;;;;;;;",
        f"{SIRET_B};Nom\x00piégé;scop;;;;;;;",
        f"{SIRET_C};Description piégée;scop;;;;;Texte\x00;;",
    )
    job = upload(client, data, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert job.status == ImportJob.Status.CHECKED
    assert (job.total_rows, job.created_count, job.rejected_count) == (3, 1, 2)
    errors = {entry["line"]: " ".join(entry["errors"]) for entry in job.report}
    assert "caractère nul" in errors[3] and "caractère nul" in errors[4]
    assert all("\x00" not in str(entry) for entry in job.report)

    job = apply(client, job, django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.DONE
    assert list(Structure.objects.values_list("name", flat=True)) == ["Bonne structure"]


def test_a_nul_byte_in_a_header_is_ignored_like_any_unknown_column(client, staff, django_capture_on_commit_callbacks):
    data = csv_bytes(f"{SIRET_A};Bonne structure;scop;;;;;;;;x", header=HEADER + ";col\x00onne")
    job = upload(client, data, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert job.status == ImportJob.Status.CHECKED
    assert job.created_count == 1
    assert "\x00" not in job.error


def test_a_description_longer_than_the_model_allows_is_a_row_error(client, staff, django_capture_on_commit_callbacks):
    data = csv_bytes(f"{SIRET_A};Trop bavarde;scop;;;;;{'mot ' * 2000};;")
    job = upload(client, data, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert job.rejected_count == 1
    assert "5000 caractères au plus" in " ".join(job.report[0]["errors"])
