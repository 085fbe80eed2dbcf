"""French that reads right after "de" and "à" (issue 15, item 4): one rule for every proper name.

French contracts the articles "le" and "les" with these prepositions and elides "de" before a vowel:

    de + Les Jardins de Belleville → des Jardins de Belleville      à + Les Jardins → aux Jardins
    de + Le Bourget → du Bourget                                   à + Le Bourget → au Bourget
    de + La Courneuve → de La Courneuve (no contraction)           de + Aubervilliers → d'Aubervilliers

Python code calls `de(name)` / `a(name)`; templates load `french` and write `{{ structure.name|de }}`. The message
then carries the preposition in the name: `_("Annuler l'inscription %(de_name)s")`. In any other language than
French the functions give the name unchanged, and the translation writes its own preposition ("Cancel the
registration of %(de_name)s").
"""

from __future__ import annotations

import re

from django import template
from django.utils.translation import get_language

register = template.Library()

# An article at the start of a name, with what "de" and "à" contract it to (None: no contraction).
_ARTICLE = re.compile(r"^(?P<article>les|le)\s+(?P<rest>\S.*)$", re.IGNORECASE | re.DOTALL)
_CONTRACTED = {"de": {"le": "du", "les": "des"}, "à": {"le": "au", "les": "aux"}}
_VOWELS = "aàâäeéèêëiîïoôöuùûüyœæAÀÂÄEÉÈÊËIÎÏOÔÖUÙÛÜYŒÆ"


def _is_french() -> bool:
    return (get_language() or "fr").startswith("fr")


def _with(preposition: str, name: object) -> str:
    text = str(name).strip()
    if not text:
        return text
    match = _ARTICLE.match(text)
    if match:
        return f"{_CONTRACTED[preposition][match['article'].lower()]} {match['rest']}"
    if preposition == "de" and text[0] in _VOWELS:
        return f"d'{text}"
    return f"{preposition} {text}"


def de(name: object, *, always: bool = False) -> str:
    """ "de" + the name, contracted or elided ("des Jardins de Belleville", "d'Aubervilliers"); the bare name in
    another language than French, unless `always`."""
    return _with("de", name) if always or _is_french() else str(name)


def a(name: object, *, always: bool = False) -> str:
    """ "à" + the name, contracted ("aux Jardins de Belleville", "au Bourget"); the bare name outside French."""
    return _with("à", name) if always or _is_french() else str(name)


@register.filter(name="de")
def de_filter(name: object) -> str:
    return de(name)


@register.filter(name="a")
def a_filter(name: object) -> str:
    return a(name)
