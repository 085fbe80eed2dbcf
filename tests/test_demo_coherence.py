"""Demo data that makes sense (issue 15, item 5), checked on the seeded demo.

- a tender's topics match its title, and a lot's title and topic match its tender's (a table of keywords → topic);
- a tender's second topic is a neighbouring trade, never an unrelated one;
- a tender is performed where its site is (Le Bourget is in Seine-Saint-Denis), within its buyer's places;
- the dates agree with each other and with today (publication < questions deadline < bid deadline; an open
  tender's deadline is ahead; only work due before the Games speaks of "avant les épreuves");
- meet-ups: upcoming ones are ahead, the past one is past, each starts before it ends;
- no structure name keeps an article after "de" ("La Ferme urbaine de Les Mureaux").
"""

import datetime
import re

import pytest
from django.utils import timezone

from tenders.demo import reference

# Words of a title → the topic (slug) a tender or lot with that title must carry.
KEYWORDS = {
    "photovoltaïque": "energies-renouvelables",
    "électricité renouvelable": "energies-renouvelables",
    "biodéchets": "gestion-et-valorisation-des-dechets",
    "déchets": "gestion-et-valorisation-des-dechets",
    "repas": "restauration-durable",
    "restauration": "restauration-durable",
    "buvettes": "restauration-durable",
    "hébergement": "hebergement",
    "logements temporaires": "hebergement",
    "fan zones": "evenementiel-et-animation",
    "fêtes populaires": "evenementiel-et-animation",
    "recyclerie": "economie-circulaire-et-reemploi",
    "réemploi": "economie-circulaire-et-reemploi",
    "seconde main": "economie-circulaire-et-reemploi",
    "vélo-cargo": "logistique-et-transport",
    "entrepôt": "logistique-et-transport",
    "nettoyage": "nettoyage-et-proprete",
    "propreté": "nettoyage-et-proprete",
    "végétalisation": "agriculture-urbaine-et-espaces-verts",
    "espaces verts": "agriculture-urbaine-et-espaces-verts",
    "jardins partagés": "agriculture-urbaine-et-espaces-verts",
    "gardiennage": "securite-et-accueil",
    "accessibilité": "accessibilite",
    "podotactiles": "accessibilite",
    "tenues": "textile-et-goodies",
    "uniformes": "textile-et-goodies",
    "vidéos": "communication-et-audiovisuel",
    "sous-titrage": "communication-et-audiovisuel",
    "menuiseries": "batiment-et-construction-durable",
    "réhabilitation thermique": "batiment-et-construction-durable",
    "friche": "urbanisme-transitoire",
    "formation aux métiers": "conseil-et-formation",
    "mise à disposition de personnel": "insertion-et-mise-a-disposition-de-personnel",
    "blanchisserie": "services-aux-sites-maintenance-blanchisserie-conciergerie",
    "maintenance des équipements": "services-aux-sites-maintenance-blanchisserie-conciergerie",
}

# Places named in a site → the area (code) it is in.
PLACES = {
    "Saint-Denis": "93",
    "Dugny": "93",
    "La Courneuve": "93",
    "Bourget": "93",
    "Paris 7e": "75107",
    "Paris 13e": "75113",
    "Paris 16e": "75116",
    "Paris 18e": "75118",
    "Paris 19e": "75119",
    "Paris 20e": "75120",
    "Colombes": "92",
    "Nanterre": "92",
    "Champigny-sur-Marne": "94",
}


def expected_topics(title: str) -> set[str]:
    lowered = title.lower()
    return {slug for word, slug in KEYWORDS.items() if word.lower() in lowered}


def test_every_site_and_title_is_known_to_the_tables():
    """The tables above cover the demo's sites and at least one title per topic (else they prove nothing)."""
    for site, code in reference.SITES:
        named = {area for place, area in PLACES.items() if place in site}
        assert named == {code}, site
    covered = {
        slug for titles, _subject, _cpv in reference.TOPIC_TENDERS for t in titles for slug in expected_topics(t)
    }
    assert len(covered) >= 16


@pytest.fixture
def demo(db):
    from django.core.management import call_command

    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_the_demo_makes_sense(demo):
    from meetups.models import Meetup
    from structures.models import Area, Structure, Topic
    from tenders.models import Tender, TenderStatus

    now = timezone.now()
    related = {
        topics[index]: topics[reference.RELATED_TOPIC[index]]
        for topics in [list(Topic.objects.order_by("position", "pk").values_list("slug", flat=True))]
        for index in range(len(reference.RELATED_TOPIC))
    }
    buyer_places = {slug: places for slug, _name, _kind, _prefix, places, _signed, _user in reference.BUYERS}
    areas = {area.pk: area for area in Area.objects.select_related("parent")}
    problems = []
    tenders = Tender.objects.select_related("buyer").prefetch_related("topics", "places", "lots__topic")
    for tender in tenders:
        ref, topics = tender.reference, {topic.slug for topic in tender.topics.all()}
        wanted = expected_topics(tender.title.split(" — ")[0])
        if not wanted <= topics:
            problems.append(f"{ref} « {tender.title} »: thématiques {topics}, attendu {wanted}")
        main = [slug for slug in topics if not topics - {slug, related.get(slug)}]
        if not main:
            problems.append(f"{ref}: thématiques sans rapport entre elles {topics}")
        for lot in tender.lots.all():
            if lot.topic.slug not in topics:
                problems.append(f"{ref} lot {lot.number} « {lot.title} »: thématique {lot.topic.slug} hors {topics}")
            if not expected_topics(lot.title) <= topics:
                problems.append(f"{ref} lot {lot.number} « {lot.title} » ne correspond pas à {topics}")
        site = tender.title.split(" — ")[-1]
        site_area = {area for place, area in PLACES.items() if place in site}
        places = {areas[area.pk].code for area in tender.places.all()}
        if not places or places != site_area:
            problems.append(f"{ref} « {site} »: lieux {places}, attendu {site_area}")
        if not all(any(code.startswith(p) for p in buyer_places[tender.buyer.slug]) for code in places):
            problems.append(f"{ref}: lieux {places} hors des lieux de l'acheteur")
        if tender.published_at and not tender.published_at < tender.questions_deadline < tender.bid_deadline:
            problems.append(f"{ref}: publication, questions et date limite dans le désordre")
        if tender.status in (TenderStatus.PUBLISHED, TenderStatus.DRAFT) and tender.bid_deadline <= now:
            problems.append(f"{ref}: ouvert mais date limite passée")
        before_games = timezone.localdate(tender.bid_deadline) < datetime.date(2024, 4, 27)
        if "avant les épreuves" in tender.description and not before_games:
            problems.append(f"{ref}: « avant les épreuves » pour une date limite en {tender.bid_deadline:%Y}")

    for meetup in Meetup.objects.all():
        if not meetup.starts_at < meetup.ends_at:
            problems.append(f"{meetup.slug}: finit avant de commencer")
    assert Meetup.objects.filter(starts_at__gt=now).exists() and Meetup.objects.filter(ends_at__lt=now).exists()

    bad_names = Structure.objects.filter(name__regex=r"\m(de|à) (Les|Le|les|le) ").values_list("name", flat=True)
    problems += [f"nom de structure : {name}" for name in bad_names]
    elided = [name for name in Structure.objects.values_list("name", flat=True) if re.search(r"\bde [AEIOUÉÎ]", name)]
    problems += [f"nom de structure sans élision : {name}" for name in elided]
    assert not problems, "\n".join(problems)
