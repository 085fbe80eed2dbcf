"""The CSV's columns, the names they may go by, the model fields they fill and the report's actions."""

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from structures.models import Structure

MAX_FILE_BYTES = 5 * 1024 * 1024  # the registry of ~4,500 structures is about 2 MB
MAX_ROWS = 20_000
CHUNK_SIZE = 250  # rows written per transaction (and per Celery task)
LIST_SEPARATOR = "|"

CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
REJECT = "reject"
ACTION_LABELS = {
    CREATE: gettext_lazy("À créer"),
    UPDATE: gettext_lazy("À mettre à jour"),
    UNCHANGED: gettext_lazy("Inchangée"),
    REJECT: gettext_lazy("Rejetée"),
}
APPLIED_LABELS = {
    CREATE: gettext_lazy("Créée"),
    UPDATE: gettext_lazy("Mise à jour"),
    UNCHANGED: gettext_lazy("Inchangée"),
    REJECT: gettext_lazy("Rejetée"),
}


@dataclass(frozen=True)
class Column:
    name: str
    help: str
    required: bool = False
    example: str = ""
    model_field: str = ""


COLUMNS = [
    Column("siret", gettext_lazy("14 chiffres, espaces acceptés."), True, "732 829 320 00074", "siret"),
    Column("nom", gettext_lazy("Nom de la structure."), True, "La Table Solidaire", "name"),
    Column(
        "forme_juridique",
        gettext_lazy(
            "association, scop, scic, cae, mutuelle, fondation, esus, ei, etti, aci, ai, eiti, ea, esat, tpe, pme ou "
            "autre (le libellé complet est aussi accepté, par exemple « Entreprise d'insertion »)."
        ),
        True,
        "scop",
        "legal_form",
    ),
    Column("adresse", gettext_lazy("Numéro et rue."), False, "12 rue des Coopératives", "address"),
    Column("code_postal", gettext_lazy("5 chiffres."), False, "93200", "postcode"),
    Column("ville", gettext_lazy("Commune."), False, "Saint-Denis", "city"),
    Column(
        "thematiques",
        gettext_lazy("Thématiques stratégiques, par identifiant ou par nom, séparées par « | »."),
        False,
        "restauration-durable|Gestion et valorisation des déchets",
    ),
    Column("secteurs", gettext_lazy("Secteurs d'activité, par identifiant ou par nom, séparés par « | »."), False, ""),
    Column(
        "zones",
        gettext_lazy("Zones d'intervention par code, séparées par « | » : FR, 75, 77, 78, 91, 92, 93, 94, 95, 75101…"),
        False,
        "93|75118",
    ),
    Column("effectif", gettext_lazy("0, 1-9, 10-49, 50-249 ou 250+."), False, "10-49", "headcount"),
    Column("agrement_esus", gettext_lazy("oui ou non."), False, "non", "esus_accredited"),
    Column("description", gettext_lazy("Description de l'activité."), False, "", "description"),
    Column("references", gettext_lazy("Références (clients passés)."), False, "", "references"),
    Column("site_web", gettext_lazy("Adresse du site (https:// ajouté s'il manque)."), False, "", "website"),
    Column("nom_contact", gettext_lazy("Nom de la personne à contacter."), False, "", "contact_name"),
    Column("email_contact", gettext_lazy("Adresse e-mail de contact."), False, "", "contact_email"),
    Column("telephone_contact", gettext_lazy("Téléphone de contact."), False, "", "contact_phone"),
]
COLUMN_NAMES = [column.name for column in COLUMNS]
REQUIRED_COLUMNS = [column.name for column in COLUMNS if column.required]
# A few other headers found in registries, mapped to ours.
COLUMN_ALIASES = {
    "raison_sociale": "nom",
    "denomination": "nom",
    "forme": "forme_juridique",
    "cp": "code_postal",
    "commune": "ville",
    "thematique": "thematiques",
    "secteur": "secteurs",
    "zone": "zones",
    "email": "email_contact",
    "e_mail_contact": "email_contact",
    "telephone": "telephone_contact",
    "site": "site_web",
    "site_internet": "site_web",
    "esus": "agrement_esus",
}
# Model fields an import may write, with the French label the report shows when they change.
FIELD_LABELS = {
    "name": gettext_lazy("nom"),
    "legal_form": gettext_lazy("forme juridique"),
    "address": gettext_lazy("adresse"),
    "postcode": gettext_lazy("code postal"),
    "city": gettext_lazy("ville"),
    "headcount": gettext_lazy("effectif"),
    "esus_accredited": gettext_lazy("agrément ESUS"),
    "description": gettext_lazy("description"),
    "references": gettext_lazy("références"),
    "website": gettext_lazy("site web"),
    "contact_name": gettext_lazy("nom du contact"),
    "contact_email": gettext_lazy("e-mail de contact"),
    "contact_phone": gettext_lazy("téléphone de contact"),
    "topics": gettext_lazy("thématiques"),
    "sectors": gettext_lazy("secteurs"),
    "areas": gettext_lazy("zones"),
}
SCALAR_FIELDS = [f for f in FIELD_LABELS if f not in ("topics", "sectors", "areas")]
M2M_FIELDS = ["topics", "sectors", "areas"]
MAX_LENGTHS = {
    name: Structure._meta.get_field(name).max_length
    for name in SCALAR_FIELDS
    if getattr(Structure._meta.get_field(name), "max_length", None)
}
# Paths under /structures/ that a slug must not take.
RESERVED_SLUGS = {"imports", "import", "export", "nouvelle"}

_YES = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
_NO = {"non", "n", "no", "faux", "false", "0", ""}
_POSTCODE = re.compile(r"^[0-9]{5}$")


def normalize(text: str) -> str:
    """Lower case, no accents, single spaces: the key under which names and codes are compared."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join(text.replace("\u2019", "'").lower().split())


def normalize_header(text: str) -> str:
    key = re.sub(r"[^a-z0-9]+", "_", normalize(text)).strip("_")
    return COLUMN_ALIASES.get(key, key)


def template_csv() -> str:
    """An example file with every column and one row, for staff to fill in."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMN_NAMES)
    writer.writerow([column.example for column in COLUMNS])
    return "\ufeff" + buffer.getvalue()
