"""The tender page `/appels-d-offres/<slug>/`, its documents, and the draft preview used by the buyers' admin."""

import datetime
from html import unescape

import pytest
from django.core.files.base import ContentFile
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from structures.models import ReservedMarket
from tenders.models import Procedure, TenderDocument, TenderStatus
from tenders.services.documents import document_add
from tenders.views import safe_filename
from tests.accounts.factories import UserFactory
from tests.tenders.factories import BuyerOrganisationFactory, TenderFactory
from tests.tenders.public import PDF_BYTES, member_of, open_tender, pdf, topic

pytestmark = pytest.mark.django_db

WASTE = "gestion-et-valorisation-des-dechets"


def page(client, tender, status=200):
    response = client.get(reverse("tenders:detail", kwargs={"slug": tender.slug}))
    assert response.status_code == status
    return unescape(response.content.decode())


@pytest.fixture
def full_tender():
    buyer = BuyerOrganisationFactory(name="SOLIDEO", charter_signatory=True)
    tender = open_tender(
        title="Collecte et tri des déchets du village",
        reference="SOL-2024-042",
        description="Collecte des biodéchets sur trois sites.",
        buyer=buyer,
        days=9,
        estimated_value=480_000,
        procedure=Procedure.ADAPTED,
        topics=[WASTE],
        places=["93"],
        cpv_codes=["90500000-2"],
        official_url="https://marches.example.org/avis/42",
        contact_name="Service achats",
        contact_email="achats@solideo.example.org",
        questions_deadline=timezone.now() + datetime.timedelta(days=5),
        lots=[
            {"title": "Collecte", "reserved": ReservedMarket.L2113_13, "insertion_hours": 1200, "topic": topic(WASTE)},
            {"title": "Valorisation", "estimated_value": 80_000, "topic": topic(WASTE)},
        ],
    )
    document_add(tender=tender, file=pdf("Règlement de consultation.pdf"), title="Règlement")
    return tender


def test_page_shows_everything(client, full_tender):
    html = page(client, full_tender)
    for text in (
        "Collecte et tri des déchets du village",
        "SOLIDEO",
        "Signataire de la charte sociale",
        "SOL-2024-042",
        "Procédure adaptée (MAPA)",
        "Gestion et valorisation des déchets",
        "Seine-Saint-Denis (93)",
        "90500000-2",
        "480\u00a0000\u00a0€",
        "(dans 9 jours)",
        "https://marches.example.org/avis/42",
        "achats@solideo.example.org",
        "Lot 1 : Collecte",
        "Réservé aux SIAE (art. L2113-13)",
        "structures d'insertion par l'activité économique",
        "1\u00a0200 heures d'insertion exigées",
        "Lot 2 : Valorisation",
        "80\u00a0000\u00a0€",
        "Règlement",
        "Collecte des biodéchets sur trois sites.",
    ):
        assert text in html, text
    document = full_tender.documents.get()
    assert reverse("tenders:document", kwargs={"slug": full_tender.slug, "pk": document.pk}) in html


def test_dates_are_shown_in_paris_time(client):
    # 10:00 UTC in March is 11h00 in Paris (UTC+1).
    deadline = datetime.datetime(2031, 3, 12, 10, 0, tzinfo=datetime.UTC)
    tender = TenderFactory(published=True, bid_deadline=deadline)
    assert "12 mars 2031 à 11\u00a0h\u00a000" in page(client, tender)


def test_dates_read_naturally_on_the_english_page(client):
    deadline = datetime.datetime(2031, 3, 12, 10, 0, tzinfo=datetime.UTC)
    tender = TenderFactory(published=True, bid_deadline=deadline)

    html = unescape(client.get("/en" + reverse("tenders:detail", kwargs={"slug": tender.slug})).content.decode())

    assert "12 March 2031 at 11:00" in html
    assert "11\u00a0h\u00a000" not in html


@pytest.mark.parametrize("status", [TenderStatus.DRAFT, TenderStatus.CANCELLED])
def test_unpublished_tenders_are_not_found(client, status):
    tender = TenderFactory(status=status)  # never published (a cancelled draft has no publication date)
    page(client, tender, status=404)


def test_closed_tender_is_shown_as_closed(client):
    tender = open_tender(status=TenderStatus.CLOSED, days=-1)
    html = page(client, tender)
    assert "Clos" in html
    assert "dans " not in html.split("En bref")[1].split("</aside>")[0]


def test_anonymous_visitor_is_invited_to_sign_in(client, full_tender):
    html = page(client, full_tender)
    assert "Connectez-vous pour dire si cet appel d'offres vous intéresse" in html
    assert "Je suis intéressé" not in html


def test_user_without_structure_is_invited_to_register_it(client, full_tender):
    client.force_login(UserFactory())
    html = page(client, full_tender)
    assert "Inscrire ma structure" in html
    assert "Je suis intéressé" not in html


def test_structure_member_sees_the_actions(client, full_tender, django_assert_max_num_queries):
    user, structure = member_of()
    client.force_login(user)
    # Ours: ~15 (tender + 4 prefetches, session, user, structures, Q&A, interest, groupement, lots choices);
    # plus what matching.services.match_for reads for the "why it fits you" block.
    with django_assert_max_num_queries(26):
        html = page(client, full_tender)
    assert f"Vous répondez pour {structure.name}." in html
    assert "Je suis intéressé" in html
    assert "Pas intéressé" in html
    assert "Poser une question à l'acheteur" in html
    assert "Je cherche des partenaires" in html


def test_member_of_several_structures_picks_one(client, full_tender):
    user, first = member_of(name="Alpha")
    _, second = member_of(name="Bêta")
    second.memberships.create(user=user)
    client.force_login(user)
    assert "<select" in page(client, full_tender)
    html = unescape(
        client.get(
            reverse("tenders:detail", kwargs={"slug": full_tender.slug}), {"structure": second.slug}
        ).content.decode()
    )
    assert f'<option value="{second.slug}" selected>' in html


# Documents -------------------------------------------------------------------------------------------------------


def download(client, tender, document):
    return client.get(reverse("tenders:document", kwargs={"slug": tender.slug, "pk": document.pk}))


def test_document_is_served_as_an_attachment_with_a_safe_name(client, full_tender):
    document = full_tender.documents.get()
    response = download(client, full_tender, document)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''R%C3%A8glement%20de%20consultation.pdf" in disposition
    assert b"".join(response.streaming_content) == PDF_BYTES


def test_hostile_stored_names_are_neutralised_when_served(client, full_tender):
    document = TenderDocument.objects.create(
        tender=full_tender, title="Piège", original_name='../../etc/"pass;wd"\r\nX-Evil: 1.pdf', size=3
    )
    document.file.save("piege.pdf", ContentFile(PDF_BYTES))
    response = download(client, full_tender, document)
    disposition = response["Content-Disposition"]
    assert "\n" not in disposition and "\r" not in disposition
    assert "/" not in disposition.split("filename")[1]
    assert 'filename="_pass_wd_X-Evil_ 1.pdf"' in disposition


def test_documents_of_drafts_and_of_other_tenders_are_not_found(client, full_tender):
    draft = TenderFactory()
    draft_document = document_add(tender=draft, file=pdf("a.pdf"))
    assert download(client, draft, draft_document).status_code == 404
    # A published tender's URL with another tender's document id.
    assert download(client, full_tender, draft_document).status_code == 404


def test_missing_file_is_not_found(client, full_tender):
    document = full_tender.documents.get()
    document.file.storage.delete(document.file.name)
    assert download(client, full_tender, document).status_code == 404


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\x\\devis.pdf", "devis.pdf"),
        ('a"b;c.pdf', "a_b_c.pdf"),
        ("\x00\x1f.pdf", "Règlement.pdf"),
        ("", "Règlement"),
        ("x" * 300 + ".docx", "x" * 115 + ".docx"),
        ("Cahier des charges (v2).odt", "Cahier des charges (v2).odt"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name, fallback="Règlement") == expected


# Draft preview (rendered by the buyers' admin) ----------------------------------------------------------------------


def test_template_renders_a_draft_preview_with_only_the_tender():
    tender = TenderFactory(title="Brouillon à relire", topics=[WASTE])
    document_add(tender=tender, file=pdf("dce.pdf"), title="DCE")
    request = RequestFactory().get("/admin/preview/")
    request.user = UserFactory(is_staff=True)
    html = unescape(render_to_string("tenders/detail.html", {"tender": tender, "preview": True}, request=request))
    assert "Brouillon à relire" in html
    assert "Aperçu" in html
    assert "DCE" in html
    assert reverse("tenders:document", kwargs={"slug": tender.slug, "pk": tender.documents.get().pk}) not in html
    assert "Je suis intéressé" not in html
    assert "Questions et réponses" in html


def test_why_it_fits_block_for_a_matching_structure(client, full_tender):
    user, _ = member_of(topics=[WASTE], areas=["93"])
    client.force_login(user)
    assert "Pourquoi cet appel d'offres vous correspond" in page(client, full_tender)


def test_no_why_it_fits_block_when_matching_excludes_the_structure(client, full_tender):
    user, _ = member_of(topics=["restauration-durable"], areas=["93"])
    client.force_login(user)
    assert "Pourquoi cet appel d'offres vous correspond" not in page(client, full_tender)
