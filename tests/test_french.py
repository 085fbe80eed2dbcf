"""French that reads right (issue 15, item 4): the pages of the demo scanned for the slips a reader notices.

The demo is seeded once (`seed_demo`), then every page a newcomer, a structure, a buyer and the Les Canaux staff
see is rendered in French — home, lists, every tender and structure page, meet-ups, the charter, each role's
`/espace/`, the admin's changelists and add pages — and its text is searched for: a name after "de"/"à" that keeps
its article ("de Les Jardins", "à Le Bourget"), "de" not elided ("de appel", "de un"), the admin's "Ajout de",
the delete action that does not agree ("les rencontres sélectionnés"), a time written "12h00" or "12:00", and a
number of four digits or more without its thousands separator beside "heures" or "€".

The rules themselves (ess2024/templatetags/french.py) are tested directly first.
"""

import html
import re

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from ess2024.templatetags.french import a, de

SLIPS = [
    (re.compile(r"\b(de|à) (Les|Le|les|le) [A-ZÉÈÎÂa-zéè]"), "article kept after de/à"),
    (re.compile(r"\bde (appel|un|une|a|e|é|i|o|u|A|E|É|I|O|U)\w*", re.UNICODE), "de not elided"),
    (re.compile(r"\b(Ajout|Modification|Affichage) de "), "Django's stock admin title"),
    (re.compile(r"\bune (atelier|appel|lot|rendez-vous|document)\b"), "wrong gender"),
    (
        re.compile(
            r"\bles (rencontres|structures|attributions|questions|demandes|inscriptions|invitations|"
            r"thématiques|zones|notifications|listes|offres) sélectionnés\b"
        ),
        "agreement of the delete action",
    ),
    (re.compile(r"\b\d{1,2}h\d{2}\b"), "time written 12h00"),
    # (an input's format hint, "au format HH:MM (par exemple 10:30)", is not a time shown to the reader)
    (re.compile(r"(?<![\d:])(?<!exemple )\d{1,2}:\d{2}(?![\d:])"), "time written 12:00"),
    (re.compile(r"(?<![\d\u00a0\u202f ,.])\d{4,}(?:\s|\u00a0|\u202f)?(heures?|€)"), "number without separator"),
]


def test_de_contracts_elides_or_keeps_the_name():
    with translation.override("fr"):
        assert de("Les Jardins de Belleville") == "des Jardins de Belleville"
        assert de("Le Bourget") == "du Bourget"
        assert de("La Courneuve") == "de La Courneuve"
        assert de("Aubervilliers") == "d'Aubervilliers"
        assert de("Île-de-France Mobilités") == "d'Île-de-France Mobilités"
        assert de("SOLIDEO") == "de SOLIDEO"
        assert de("Lesbos Coop") == "de Lesbos Coop"  # "Les" only as a word
        assert a("Les Jardins de Belleville") == "aux Jardins de Belleville"
        assert a("Le Bourget") == "au Bourget"
        assert a("Paris Habitat") == "à Paris Habitat"
    with translation.override("en"):
        assert de("Les Jardins de Belleville") == "Les Jardins de Belleville"
        assert a("Le Bourget") == "Le Bourget"
        assert de("Les Mureaux", always=True) == "des Mureaux"


def text_of(content: bytes) -> str:
    text = content.decode()
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.DOTALL)
    text = re.sub(r'<input[^>]*type="hidden"[^>]*>', " ", text)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"[ \t\r\n]+", " ", html.unescape(text))


def slips_in(text: str) -> list[str]:
    found = []
    for pattern, why in SLIPS:
        for match in pattern.finditer(text):
            start = max(0, match.start() - 40)
            found.append(f"{why}: …{text[start : match.end() + 40]}…")
    return found


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115


def scan(client, urls, problems, *, statuses=(200,)):
    for url in urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="fr")
        if response.status_code not in statuses:
            problems.append(f"{url}: HTTP {response.status_code}")
            continue
        if "html" not in response.get("Content-Type", ""):
            continue
        problems.extend(f"{url}: {slip}" for slip in slips_in(text_of(response.content)))


def admin_urls():
    urls = []
    for model in admin.site._registry:
        opts = model._meta
        for name in ("changelist", "add"):
            try:
                urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_{name}"))
            except NoReverseMatch:
                continue
    return urls


def test_the_demo_reads_right_in_french(client, demo):
    from accounts.models import User
    from meetups.models import Meetup
    from structures.models import Structure
    from tenders.models import BuyerOrganisation, Tender

    problems: list[str] = []
    public = ["/", "/appels-d-offres/?status=all", "/structures/", "/rencontres/", "/charte/"]
    public += [f"/appels-d-offres/?status=all&page={page}" for page in (2, 3)]
    public += [
        reverse("tenders:detail", kwargs={"slug": slug})
        for slug in Tender.objects.published().values_list("slug", flat=True)
    ]
    public += [f"/structures/{slug}/" for slug in Structure.objects.listed().values_list("slug", flat=True)]
    public += [f"/rencontres/{slug}/" for slug in Meetup.objects.values_list("slug", flat=True)]
    public += [f"/charte/{slug}/" for slug in BuyerOrganisation.objects.values_list("slug", flat=True)[:8]]
    scan(client, public, problems, statuses=(200, 404))

    for email in ("structure@demo.ess2024.fr", "acheteur@demo.ess2024.fr", "equipe@demo.ess2024.fr"):
        client.force_login(User.objects.get(email=email))
        scan(client, ["/espace/"], problems)
        if email == "structure@demo.ess2024.fr":
            scan(client, [f"/rencontres/{slug}/" for slug in Meetup.objects.values_list("slug", flat=True)], problems)
            own = Structure.objects.for_member(User.objects.get(email=email)).values_list("slug", flat=True)
            scan(client, [f"/espace/structure/{slug}/" for slug in own], problems)
            scan(client, [f"/espace/structure/{slug}/equipe/" for slug in own], problems, statuses=(200, 404))
        if email == "acheteur@demo.ess2024.fr":
            scan(client, ["/admin/", "/admin/tenders/tender/", "/admin/tenders/tender/add/"], problems)

    client.force_login(User.objects.get(email="admin@demo.ess2024.fr"))
    scan(client, ["/admin/", *admin_urls()], problems, statuses=(200, 403))
    assert not problems, "\n".join(problems)
