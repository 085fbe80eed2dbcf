"""What staff check before verifying a structure: SIRET/SIREN keys, duplicates, legal form against the claimed
category and reserved-market statuses (with what would justify each), and the members' email domains."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from structures.models import LegalForm, Membership, Structure

# Addresses anyone can open: not a proof that the person works for the structure.
WEBMAIL_DOMAINS = {
    "gmail.com",
    "yahoo.fr",
    "yahoo.com",
    "hotmail.fr",
    "hotmail.com",
    "outlook.fr",
    "outlook.com",
    "live.fr",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "laposte.net",
    "icloud.com",
    "protonmail.com",
    "proton.me",
}

RESERVED_STATUSES = [
    {
        "key": "esus",
        "label": gettext_lazy("ESS (marchés réservés de l'article L2113-15)"),
        "field": "eligible_l2113_15",
        "justification": gettext_lazy(
            "Des statuts d'association, de coopérative, de mutuelle ou de fondation (ESS de droit), ou, pour une "
            "société commerciale, l'agrément ESUS (entreprise solidaire d'utilité sociale) délivré par la DREETS."
        ),
    },
    {
        "key": "siae",
        "label": gettext_lazy("Insertion, SIAE (marchés réservés de l'article L2113-13)"),
        "field": "eligible_l2113_13",
        "justification": gettext_lazy(
            "Un conventionnement IAE en cours avec la DREETS (EI, ETTI, ACI, AI ou EITI) : annexe financière de "
            "l'année ou présence sur la liste des SIAE conventionnées."
        ),
    },
    {
        "key": "ea_esat",
        "label": gettext_lazy("Handicap, EA ou ESAT (marchés réservés de l'article L2113-12)"),
        "field": "eligible_l2113_12",
        "justification": gettext_lazy(
            "Pour une EA, le contrat pluriannuel d'objectifs et de moyens (CPOM) signé avec l'État ; pour un ESAT, "
            "l'autorisation de l'agence régionale de santé (ARS)."
        ),
    },
]


def identity_checks(structure: Structure) -> list[dict]:
    """[{"label", "ok": True | False | None (to look at), "detail"}] in reading order."""
    checks = [
        {
            "label": _("Clé de contrôle du SIRET"),
            "ok": stdnum_siret.is_valid(structure.siret),
            "detail": _("correcte") if stdnum_siret.is_valid(structure.siret) else _("incorrecte : numéro inexistant"),
        },
        {
            "label": _("Clé de contrôle du SIREN"),
            "ok": stdnum_siren.is_valid(structure.siren),
            "detail": _("correcte") if stdnum_siren.is_valid(structure.siren) else _("incorrecte : numéro inexistant"),
        },
    ]
    if structure.legal_form == LegalForm.ESUS and not structure.esus_accredited:
        checks.append(
            {
                "label": _("Agrément ESUS"),
                "ok": False,
                "detail": _("la forme « Entreprise agréée ESUS » est déclarée mais l'agrément n'est pas coché"),
            }
        )
    if structure.category == "siae" and not (
        structure.insertion_people_per_year or structure.insertion_hours_per_year
    ):
        checks.append(
            {
                "label": _("Capacité d'insertion"),
                "ok": None,
                "detail": _("une SIAE sans personnes ni heures d'insertion déclarées : à demander"),
            }
        )
    if structure.legal_form == LegalForm.OTHER:
        checks.append(
            {
                "label": _("Forme juridique"),
                "ok": None,
                "detail": _("« Autre » : demandez la forme exacte (elle décide des marchés réservés)"),
            }
        )
    return checks


def same_identifier(structure: Structure) -> dict:
    """Other structures with the same SIREN (another establishment of the same company) or the same SIRET."""
    others = list(
        Structure.objects.filter(siren=structure.siren)
        .exclude(pk=structure.pk)
        .only("pk", "name", "siret", "verification_status", "archived_at")
        .order_by("siret")
    )
    return {
        "same_siret": [other for other in others if other.siret == structure.siret],
        "same_siren": [other for other in others if other.siret != structure.siret],
    }


def reserved_statuses(structure: Structure) -> list[dict]:
    return [
        {
            "label": status["label"],
            "claimed": bool(getattr(structure, status["field"])),
            "justification": status["justification"],
        }
        for status in RESERVED_STATUSES
    ]


def website_domain(structure: Structure) -> str:
    host = urlsplit(structure.website).hostname or "" if structure.website else ""
    return host.removeprefix("www.").lower()


def members(structure: Structure) -> list[dict]:
    site = website_domain(structure)
    rows = []
    for membership in (
        Membership.objects.filter(structure=structure).select_related("user").order_by("-role", "created_at")
    ):
        email = membership.user.email
        domain = email.rpartition("@")[2].lower()
        if site and (domain == site or domain.endswith("." + site)):
            note = _("même domaine que le site web")
        elif domain in WEBMAIL_DOMAINS:
            note = _("messagerie personnelle : ne prouve pas le lien avec la structure")
        else:
            note = ""
        rows.append({"membership": membership, "email": email, "domain": domain, "note": note})
    return rows
