"""English that is English (issue 15, item 3): reference data in English on `/en/…` pages and in the English feed.

Topics, sectors and areas carry an English name (`name_en`, filled by structures migration 0011 and editable in the
admin); `str()` gives it when the active language is English, so every `{{ topic }}`, filter label and chip follows.
Legal forms, categories and reserved markets are gettext-wrapped choices.
"""

import re
import xml.etree.ElementTree as ET

import pytest
from django.utils import translation

from structures.models import Area, LegalForm, ReservedMarket, Sector, Topic
from tests.structures.factories import StructureFactory
from tests.tenders.public import open_tender

WASTE = "gestion-et-valorisation-des-dechets"
CATERING = "restauration-durable"
ATOM = "{http://www.w3.org/2005/Atom}"


def french_only_names() -> set[str]:
    """The French names of the reference data whose English name differs (proper names such as "Paris (75)" do
    not count)."""
    names = set()
    for model in (Topic, Sector, Area):
        names |= {name for name, name_en in model.objects.values_list("name", "name_en") if name != name_en}
    return names


def visible_text(content: bytes) -> str:
    text = content.decode()
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.DOTALL)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text))


@pytest.mark.django_db
def test_the_migration_gives_every_reference_row_an_english_name():
    for model in (Topic, Sector, Area):
        assert not model.objects.filter(name_en="").exists(), model
    assert Area.objects.get(code="FR").name_en == "All of France"
    assert Area.objects.get(code="93").name_en == "Seine-Saint-Denis (93)"
    assert Area.objects.get(code="75101").name_en == "Paris 1st arrondissement"
    assert Topic.objects.get(slug=WASTE).name_en == "Waste management and recovery"
    assert Topic.objects.count() == 18 and Sector.objects.count() == 12 and Area.objects.count() == 29


@pytest.mark.django_db
def test_str_follows_the_active_language_and_falls_back_to_french():
    topic = Topic.objects.get(slug=CATERING)
    with translation.override("en"):
        assert str(topic) == "Sustainable catering"
    with translation.override("fr"):
        assert str(topic) == "Restauration durable"
    topic.name_en = ""
    with translation.override("en"):
        assert str(topic) == "Restauration durable"  # no English name yet: the French one, never empty


@pytest.mark.django_db
def test_choices_are_translated():
    with translation.override("en"):
        assert str(LegalForm.SCIC.label) == "SCIC (multi-stakeholder cooperative)"
        assert "Réservé" not in str(ReservedMarket.L2113_13.label)


@pytest.fixture
def listed(db):
    waste = Topic.objects.get(slug=WASTE)
    open_tender(
        title="Collecte des biodéchets",
        topics=[WASTE, CATERING],
        places=["93", "FR"],
        lots=[{"title": "Collecte", "topic": waste}],
    )
    StructureFactory(name="Recyclerie du Canal", topics=[WASTE], areas=["93", "FR"], verified=True)


def test_english_tender_list_tender_page_and_directory_show_english_reference_data(client, listed):
    french = french_only_names()
    for path in ("/en/appels-d-offres/", "/en/appels-d-offres/?topic=" + WASTE, "/en/structures/"):
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response.content)
        assert "Waste management and recovery" in text, path
        assert "All of France" in text, path
        leaks = sorted(name for name in french if name in text)
        assert leaks == [], f"{path}: {leaks}"
    content = client.get("/en/appels-d-offres/").content.decode()
    assert "Venue" not in content
    # The card's label of the place (the filter panel's "Place of performance" is another string).
    assert "<dt>Place of performance:</dt>" in content

    from tenders.models import Tender

    tender = Tender.objects.get(title="Collecte des biodéchets")
    text = visible_text(client.get(f"/en/appels-d-offres/{tender.slug}/").content)
    assert "Sustainable catering" in text and "Seine-Saint-Denis (93)" in text
    assert not [name for name in french if name in text]

    # The same pages in French keep the French names.
    text = visible_text(client.get("/appels-d-offres/").content)
    assert "Gestion et valorisation des déchets" in text and "Toute la France" in text


def test_the_english_feed_has_english_topics_and_places(client, listed):
    response = client.get("/en/appels-d-offres/flux.atom")
    assert response.status_code == 200
    root = ET.fromstring(response.content)  # noqa: S314 (our own response)
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    entry = root.find(f"{ATOM}entry")
    categories = {category.get("term") for category in entry.findall(f"{ATOM}category")}
    assert categories == {"Waste management and recovery", "Sustainable catering"}
    summary = entry.find(f"{ATOM}summary").text
    assert "All of France" in summary and "Toute la France" not in summary
    french = ET.fromstring(client.get("/appels-d-offres/flux.atom").content)  # noqa: S314 (our own response)
    french_categories = {c.get("term") for c in french.find(f"{ATOM}entry").findall(f"{ATOM}category")}
    assert french_categories == {"Gestion et valorisation des déchets", "Restauration durable"}


def test_an_english_alert_email_names_topics_and_places_in_english(listed):
    """The alert's facts are written in the email's language (matching.delivery.tender_facts), then rendered in
    it (outbox.services.render_email): an English email carries the English reference data."""
    from django.utils import timezone

    from matching.delivery import tender_facts
    from outbox.services import render_email
    from tenders.models import Tender

    tender = Tender.objects.get(title="Collecte des biodéchets")
    french = french_only_names()
    emails = {}
    for language in ("en", "fr"):
        with translation.override(language):
            facts = tender_facts(tender, now=timezone.now())
        item = {**facts, "score": 80, "reasons": [], "structure": "Recyclerie du Canal", "from_search": False}
        context = {
            "tender": item,
            "first_name": "Ada",
            "unsubscribe_url": "https://x/u",
            "preferences_url": "https://x/p",
        }
        emails[language] = render_email(template="matching/emails/tender", context=context, language=language)
    for part in ("body_text", "body_html"):
        english = emails["en"][part]
        assert "Waste management and recovery" in english and "All of France" in english, part
        assert not [name for name in french if name in english], part
        assert "Gestion et valorisation des déchets" in emails["fr"][part] and "Toute la France" in emails["fr"][part]


def test_staff_edit_the_english_name_in_the_admin(admin_client):
    topic = Topic.objects.get(slug=CATERING)
    changelist = admin_client.get("/admin/structures/topic/").content.decode()
    assert 'name="form-0-name_en"' in changelist  # editable in the list too
    response = admin_client.post(
        f"/admin/structures/topic/{topic.pk}/change/",
        {
            "name": topic.name,
            "name_en": "Sustainable food",
            "slug": topic.slug,
            "position": topic.position,
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    topic.refresh_from_db()
    assert topic.name_en == "Sustainable food"
    with translation.override("en"):
        assert str(topic) == "Sustainable food"
