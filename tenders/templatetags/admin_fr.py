"""Correct French for the admin's generated titles: "Ajouter un appel d'offres", "Modifier l'appel d'offres",
"Sélectionnez l'appel d'offres à modifier" instead of Django's "Ajout de appel d'offres", "Modification de appel
d'offres", "Sélectionnez l'objet appel d'offres à changer".

Django builds these from one pattern for every model (`_("Add %s") % verbose_name`), which cannot know the article
(un/une, le/la/l'). templates/admin/change_form.html and change_list.html pass the title Django computed to
`admin_fr_title`: when it is one of Django's stock patterns and the page is in French, the phrase is rebuilt with
the right article; any other title (a custom page's) and any other language are left untouched.
"""

from __future__ import annotations

from django import template
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext

register = template.Library()

# First words of French verbose names that are feminine (the rest are masculine).
FEMININE_HEADS = frozenset(
    {
        "adresse",
        "application",
        "arrivée",
        "attribution",
        "catégorie",
        "confirmation",
        "demande",
        "diffusion",
        "entrée",
        "indisponibilité",
        "inscription",
        "invitation",
        "liste",
        "modification",
        "notification",
        "offre",
        "organisation",
        "page",
        "permission",
        "personne",
        "photo",
        "pièce",
        "préférence",
        "preuve",
        "question",
        "recherche",
        "redirection",
        "référence",
        "rencontre",
        "réponse",
        "session",
        "structure",
        "thématique",
        "zone",
    }
)
VOWELS = "aeiouyàâäéèêëîïôöûüh"


def is_feminine(name: str) -> bool:
    head = name.strip().lower().split(" ")[0].split("'")[-1]
    return head in FEMININE_HEADS


def definite(name: str) -> str:
    """ "l'appel d'offres", "la structure", "le lot"."""
    if name[:1].lower() in VOWELS:
        return f"l'{name}"
    return f"{'la' if is_feminine(name) else 'le'} {name}"


def indefinite(name: str) -> str:
    return f"{'une' if is_feminine(name) else 'un'} {name}"


def french_phrase(action: str, name: str) -> str:
    phrases = {
        "add": lambda: f"Ajouter {indefinite(name)}",
        "change": lambda: f"Modifier {definite(name)}",
        "view": lambda: f"Afficher {definite(name)}",
        "select": lambda: f"Sélectionnez {indefinite(name)}",
        "select_change": lambda: f"Sélectionnez {definite(name)} à modifier",
        "select_view": lambda: f"Sélectionnez {definite(name)} à afficher",
    }
    return phrases[action]()


STOCK = {
    "add": "Add %s",
    "change": "Change %s",
    "view": "View %s",
    "select": "Select %s",
    "select_change": "Select %s to change",
    "select_view": "Select %s to view",
}


def _is_french() -> bool:
    return (translation.get_language() or "").startswith("fr")


@register.simple_tag
def admin_fr_title(title, opts):
    """The page title in correct French when `title` is one of Django's stock patterns for `opts`'s model."""
    if not _is_french() or opts is None or not title:
        return title
    name = str(opts.verbose_name)
    for action, pattern in STOCK.items():
        if str(title) == gettext(pattern) % name:
            return french_phrase(action, name)
    return title


@register.simple_tag
def admin_fr_add(opts):
    """The changelist's "add" button: "Ajouter un appel d'offres" (English: Django's own "Add appel d'offres")."""
    name = str(opts.verbose_name)
    if not _is_french():
        return gettext("Add %s") % name
    return capfirst(french_phrase("add", name))
