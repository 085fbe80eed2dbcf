"""Awards made outside the platform, imported from the buyer's essential procurement data (issue 12).

The file is a CSV (`;` or `,`, UTF-8 or Windows-1252) or an XLSX workbook (first sheet) in the shape of the French
*données essentielles de la commande publique* (DECP): one row per contract, with at least `id`, `objet`,
`montant`, `dateNotification` and the holders (`titulaire_id_1` — a SIRET — and
`titulaire_denominationSociale_1`, then `titulaire_id_2`, `titulaire_denominationSociale_2`… for the co-holders of
a groupement); `acheteur.id` (the buyer's SIRET), `codeCPV` and `lieuExecution.nom` are read
when present. Column names are matched without case, accents or punctuation ("dateNotification",
"date_notification" and "Date de notification" are the same column). Two optional columns that DECP lacks:
`heuresTravaillees` and `heuresInsertion` (the social clause's hours).

Three steps:
1. `import_check` (synchronous, no award written) parses and checks every row and stores an `AwardImport` with the
   dry-run report: each row is **create** (a new award, the holder not on the platform), **match** (the holder's
   SIRET is a structure of the platform: the award is linked to it and its category frozen), **duplicate** (its
   `id` was already imported for this buyer, or appears twice in the file) or **refuse** (and why, in French).
2. `import_start_apply` marks it applying and queues `charter.tasks.apply_award_import` on commit.
3. `apply_next_chunk` writes the next CHUNK_SIZE awards in one transaction, advances `processed_rows` (the page
   shows the progress) and the task queues itself again until done. Re-running a chunk writes nothing twice:
   an award is unique per (buyer, id) in the database, and rows already there are skipped. A beat task
   (`resume_stalled_award_imports`, every 5 minutes) re-queues an import whose task was lost.

**Groupements.** Every holder is read (`titulaire_*_1`, `titulaire_*_2`, … as many as the file has). Co-holders make
a groupement: the contract is still **one** award, counted once, whose winner is the first holder (the mandataire)
and whose category is the mandataire's — the rule the charter applies to every groupement (charter.selectors). The
co-holders found on the platform (same SIRET) become the award's `co_contractors`; a row is **match** when any
holder is found. Every holder's SIRET is checked; the same SIRET twice in one row counts once.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum.fr import siret as siret_number

from charter.models import AwardImport
from structures.categories import classify_structure
from structures.models import Category, Structure
from tenders.models import Award, AwardSource, BuyerOrganisation

CHUNK_SIZE = 1000
MAX_ROWS = 20_000
MAX_FILE_BYTES = 10 * 1024 * 1024

CREATE, MATCH, DUPLICATE, REFUSE = "create", "match", "duplicate", "refuse"
OUTCOME_LABELS = {
    CREATE: gettext_lazy("Nouvelle attribution (titulaire hors plateforme)"),
    MATCH: gettext_lazy("Nouvelle attribution, titulaire trouvé sur la plateforme"),
    DUPLICATE: gettext_lazy("Doublon, ignoré"),
    REFUSE: gettext_lazy("Refusée"),
}


def normalize_header(name: str) -> str:
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


# Our field → the normalized column names that feed it (DECP's first).
COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "identifiant", "idmarche"),
    "buyer_siret": ("acheteurid", "siretacheteur", "acheteursiret"),
    "title": ("objet", "objetdumarche"),
    "amount": ("montant", "montantht"),
    "awarded_on": ("datenotification", "datedenotification"),
    # The lead holder (the mandataire of a groupement); co-holders are read from `titulaire_*_<n>`, see `_holders`.
    "winner_siret": ("titulaireid1", "titulairesiret", "siretdutitulaire", "titulairesid", "siret"),
    "winner_name": ("titulairedenominationsociale1", "titulairedenominationsociale", "titulaire", "titulaires"),
    "cpv_code": ("codecpv", "cpv"),
    "place": ("lieuexecutionnom", "lieudexecution", "lieu"),
    "total_hours": ("heurestravaillees",),
    "insertion_hours": ("heuresinsertion", "heuresdinsertion"),
}
REQUIRED = ("id", "title", "amount", "awarded_on")
# The n-th holder of a DECP row ("titulaire_id_2", "titulaire_denominationSociale_2", normalized).
HOLDER_COLUMN = re.compile(r"^titulaire(id|denominationsociale)([0-9]+)$")


class ImportFileError(ValueError):
    """The file cannot be read at all (French message)."""


class ImportStateError(Exception):
    """A step that the import's status does not allow (French message)."""


@dataclass
class CheckedRow:
    line: int
    outcome: str
    reasons: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)


# --- Reading ------------------------------------------------------------------------------------------------------


def read_rows(content: bytes, filename: str) -> list[dict[str, str]]:
    """The file's rows as {normalized header: text}. Raises ImportFileError (French) when it cannot be read."""
    if len(content) > MAX_FILE_BYTES:
        raise ImportFileError(_("Le fichier dépasse 10 Mo : découpez-le en plusieurs fichiers."))
    if filename.lower().endswith(".xlsx"):
        table = _xlsx_table(content)
    elif filename.lower().endswith(".csv"):
        table = _csv_table(content)
    else:
        raise ImportFileError(_("Choisissez un fichier CSV ou Excel (.xlsx)."))
    if not table:
        raise ImportFileError(_("Le fichier est vide."))
    headers = [normalize_header(h) for h in table[0]]
    known = {alias for aliases in COLUMNS.values() for alias in aliases}
    missing = [name for name in REQUIRED if not any(alias in headers for alias in COLUMNS[name])]
    if missing or not set(headers) & known:
        raise ImportFileError(
            _("Colonnes obligatoires absentes : %(columns)s. Attendu : id, objet, montant, dateNotification.")
            % {"columns": ", ".join(COLUMNS[name][0] for name in missing) or "—"}
        )
    rows = [
        dict(zip(headers, ("" if v is None else str(v).strip() for v in values), strict=False)) for values in table[1:]
    ]
    rows = [row for row in rows if any(row.values())]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            _("Le fichier dépasse %(max)s lignes : découpez-le.") % {"max": f"{MAX_ROWS:,}".replace(",", " ")}
        )
    return rows


def _csv_table(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(_("Le fichier n'est ni en UTF-8 ni en Windows-1252 : enregistrez-le en CSV UTF-8."))
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _xlsx_table(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 — openpyxl raises many kinds for a damaged file
        raise ImportFileError(_("Ce fichier Excel ne peut pas être lu.")) from error
    sheet = workbook.worksheets[0]
    table = []
    for values in sheet.iter_rows(values_only=True):
        table.append(
            [
                v.date().isoformat()
                if isinstance(v, datetime.datetime)
                else v.isoformat()
                if isinstance(v, datetime.date)
                else v
                for v in values
            ]
        )
    workbook.close()
    return table


def _get(row: dict, name: str) -> str:
    for alias in COLUMNS[name]:
        if row.get(alias):
            return row[alias]
    return ""


def _holders(row: dict) -> list[tuple[str, str]]:
    """Every holder of the row as (SIRET, name), the lead first, each SIRET once; empty holders left out."""
    numbered: dict[int, dict[str, str]] = {}
    for column, value in row.items():
        found = HOLDER_COLUMN.match(column)
        if found and value:
            numbered.setdefault(int(found.group(2)), {})[found.group(1)] = value
    lead = ("".join(_get(row, "winner_siret").split()), _get(row, "winner_name"))
    holders = [lead] if any(lead) else []
    for number in sorted(numbered):
        if number == 1 and holders:
            continue  # the lead, read above (also under the other names of its columns)
        holder = ("".join(numbered[number].get("id", "").split()), numbered[number].get("denominationsociale", ""))
        holders.append(holder)
    unique, seen = [], set()
    for siret, name in holders:
        if siret and siret in seen:
            continue
        seen.add(siret)
        unique.append((siret, name))
    return unique


def _amount(text: str) -> Decimal | None:
    cleaned = text.replace("\u202f", "").replace("\xa0", "").replace(" ", "").replace("€", "")
    if "," in cleaned and "." in cleaned:
        cleaned = cleaned.replace(".", "")
    try:
        value = Decimal(cleaned.replace(",", "."))
    except InvalidOperation:
        return None
    return value.quantize(Decimal("0.01")) if value.is_finite() else None


def _date(text: str) -> datetime.date | None:
    text = text.strip()[:10]
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 — a calendar date
        except ValueError:
            continue
    return None


def _hours(text: str) -> int | None:
    if not text:
        return None
    try:
        value = int(Decimal(text.replace(",", ".").replace(" ", "")))
    except InvalidOperation:
        return -1
    return value


# --- Checking -----------------------------------------------------------------------------------------------------


def check_rows(rows: list[dict[str, str]], *, buyer: BuyerOrganisation) -> list[CheckedRow]:
    """Every row checked against the rules and the database (three queries), nothing written."""
    today = timezone.localdate()
    ids = [_get(row, "id") for row in rows]
    already = set(
        Award.objects.filter(buyer=buyer, source=AwardSource.IMPORT, external_id__in=ids).values_list(
            "external_id", flat=True
        )
    )
    holders_by_row = [_holders(row) for row in rows]
    sirets = {siret for holders in holders_by_row for siret, _name in holders} - {""}
    structures = {s.siret: s for s in Structure.objects.filter(siret__in=sirets).only("pk", "siret", "name")}
    seen: set[str] = set()
    checked = []
    for line, (row, holders) in enumerate(zip(rows, holders_by_row, strict=True), start=2):
        reasons = []
        external_id = _get(row, "id")
        title = _get(row, "title")
        amount = _amount(_get(row, "amount")) if _get(row, "amount") else None
        awarded_on = _date(_get(row, "awarded_on"))
        winner_siret, winner_name = holders[0] if holders else ("", "")
        co_holders = holders[1:]
        buyer_siret = "".join(_get(row, "buyer_siret").split())
        total_hours, insertion_hours = _hours(_get(row, "total_hours")), _hours(_get(row, "insertion_hours"))
        if not external_id:
            reasons.append(_("L'identifiant du marché (colonne id) manque."))
        elif len(external_id) > 100:
            reasons.append(_("L'identifiant du marché dépasse 100 caractères."))
        if not title:
            reasons.append(_("L'objet du marché manque."))
        if amount is None:
            reasons.append(_("Le montant manque ou n'est pas un nombre (exemple : 125000,50)."))
        elif amount <= 0:
            reasons.append(_("Le montant doit être supérieur à zéro."))
        elif amount >= Decimal("1e12"):
            reasons.append(_("Le montant est trop grand."))
        if awarded_on is None:
            reasons.append(_("La date de notification manque ou n'est pas une date (AAAA-MM-JJ ou JJ/MM/AAAA)."))
        elif awarded_on > today:
            reasons.append(_("La date de notification est dans le futur."))
        if buyer.siret and buyer_siret and buyer_siret != buyer.siret:
            reasons.append(
                _("Ce marché est celui d'un autre acheteur (SIRET %(siret)s) : importez seulement les vôtres.")
                % {"siret": buyer_siret}
            )
        for siret, _name in holders:
            if siret and not siret_number.is_valid(siret):
                reasons.append(
                    _("Le SIRET du titulaire n'est pas valide (14 chiffres) : %(siret)s.") % {"siret": siret}
                )
        if not holders:
            reasons.append(_("Le titulaire manque (SIRET ou dénomination sociale)."))
        if -1 in (total_hours, insertion_hours):
            reasons.append(_("Les heures doivent être des nombres entiers."))
        elif insertion_hours and (total_hours is None or insertion_hours > total_hours):
            reasons.append(_("Les heures d'insertion ne peuvent pas dépasser les heures travaillées."))
        data = {
            "external_id": external_id[:100],
            "title": title[:500],
            "amount": str(amount) if amount is not None else "",
            "awarded_on": awarded_on.isoformat() if awarded_on else "",
            "winner_siret": winner_siret,
            "winner_name": (winner_name or winner_siret)[:200],
            "cpv_code": _get(row, "cpv_code")[:12],
            "place": _get(row, "place")[:200],
            "total_hours": max(total_hours or 0, 0),
            "insertion_hours": max(insertion_hours or 0, 0),
            # The co-holders of a groupement: their names for the report, the platform's ones linked on apply.
            "co_holders": [(name or siret)[:200] for siret, name in co_holders],
        }
        if reasons:
            checked.append(CheckedRow(line, REFUSE, reasons, data))
        elif external_id in already:
            checked.append(CheckedRow(line, DUPLICATE, [_("Ce marché a déjà été importé.")], data))
        elif external_id in seen:
            checked.append(CheckedRow(line, DUPLICATE, [_("Ce marché figure deux fois dans le fichier.")], data))
        else:
            structure = structures.get(winner_siret)
            if structure is not None:
                data["winner_id"] = structure.pk
                data["winner_name"] = structure.name
            members = [structures[siret] for siret, _name in co_holders if siret in structures]
            if members:
                data["co_ids"] = [member.pk for member in members]
                found = {member.siret: member.name for member in members}
                data["co_holders"] = [found.get(siret, (name or siret)[:200]) for siret, name in co_holders]
            checked.append(CheckedRow(line, MATCH if structure or members else CREATE, [], data))
        if external_id:
            seen.add(external_id)
    return checked


# --- The import's lifecycle ---------------------------------------------------------------------------------------


@transaction.atomic
def import_check(*, buyer: BuyerOrganisation, content: bytes, filename: str, by) -> AwardImport:
    """Dry run: parse and check the file, store the report and the rows to write. Writes no award."""
    checked = check_rows(read_rows(content, filename), buyer=buyer)
    to_write = [row.data for row in checked if row.outcome in (CREATE, MATCH)]
    count = {outcome: sum(1 for row in checked if row.outcome == outcome) for outcome in OUTCOME_LABELS}
    return AwardImport.objects.create(
        buyer=buyer,
        uploaded_by=by if getattr(by, "is_authenticated", False) else None,
        filename=filename[:255],
        total_rows=len(checked),
        to_write=len(to_write),
        created_count=count[CREATE],
        matched_count=count[MATCH],
        duplicate_count=count[DUPLICATE],
        refused_count=count[REFUSE],
        rows=to_write,
        report=[
            {
                "line": row.line,
                "outcome": row.outcome,
                "id": row.data.get("external_id", ""),
                "title": row.data.get("title", ""),
                "winner": row.data.get("winner_name", ""),
                "co_holders": row.data.get("co_holders", []),
                "amount": row.data.get("amount", ""),
                "reasons": row.reasons,
            }
            for row in checked
        ],
    )


@transaction.atomic
def import_start_apply(*, award_import: AwardImport, by) -> AwardImport:
    """Checked → applying; the Celery task is queued when the transaction commits."""
    from charter.tasks import apply_award_import

    locked = AwardImport.objects.select_for_update().get(pk=award_import.pk)
    if locked.status != AwardImport.Status.CHECKED:
        raise ImportStateError(_("Cet import a déjà été appliqué ou est en cours."))
    locked.status = AwardImport.Status.APPLYING if locked.to_write else AwardImport.Status.DONE
    locked.save(update_fields=["status", "updated_at"])
    if locked.to_write:
        transaction.on_commit(lambda: apply_award_import.delay(locked.pk))
    return locked


def _award(data: dict, buyer: BuyerOrganisation, winners: dict[int, Structure]) -> Award:
    winner = winners.get(data.get("winner_id"))
    if winner is not None:
        classification = classify_structure(winner)
        category, reason = classification.category, classification.reason
    else:
        category = Category.OTHER
        reason = _("Titulaire absent de la plateforme : catégorie inconnue (données essentielles).")
    if data.get("co_holders"):
        # A groupement counts once, in its mandataire's category (charter.selectors).
        reason = _("Mandataire d'un groupement de %(count)s titulaires. %(reason)s") % {
            "count": len(data["co_holders"]) + 1,
            "reason": reason,
        }
    return Award(
        buyer=buyer,
        source=AwardSource.IMPORT,
        external_id=data["external_id"],
        title=data["title"],
        cpv_code=data["cpv_code"],
        place=data["place"],
        winner=winner,
        winner_name="" if winner else data["winner_name"],
        winner_category=category,
        winner_category_reason=reason[:200],
        amount=Decimal(data["amount"]),
        total_hours_planned=data["total_hours"],
        insertion_hours_planned=data["insertion_hours"],
        awarded_on=datetime.date.fromisoformat(data["awarded_on"]),
    )


@transaction.atomic
def apply_next_chunk(*, import_id: int) -> bool:
    """Write the next chunk of awards; True when more remain. Safe to run twice (unique per buyer and id)."""
    award_import = AwardImport.objects.select_for_update().select_related("buyer").get(pk=import_id)
    if award_import.status != AwardImport.Status.APPLYING:
        return False
    start = award_import.processed_rows
    chunk = award_import.rows[start : start + CHUNK_SIZE]
    winners = Structure.objects.in_bulk([d["winner_id"] for d in chunk if d.get("winner_id")])
    Award.objects.bulk_create(
        [_award(data, award_import.buyer, winners) for data in chunk],
        batch_size=CHUNK_SIZE,
        ignore_conflicts=True,  # a row imported meanwhile (same buyer and id) is skipped, never doubled
    )
    _link_co_contractors(award_import.buyer, chunk)
    award_import.processed_rows = start + len(chunk)
    if award_import.processed_rows >= award_import.to_write:
        award_import.status = AwardImport.Status.DONE
        award_import.rows = []  # written: no need to keep them
    award_import.save(update_fields=["processed_rows", "status", "rows", "updated_at"])
    return award_import.status == AwardImport.Status.APPLYING


def _link_co_contractors(buyer: BuyerOrganisation, chunk: list[dict]) -> None:
    """The platform's co-holders of each groupement of the chunk, as `co_contractors` (once, even on a rerun)."""
    members = {data["external_id"]: data["co_ids"] for data in chunk if data.get("co_ids")}
    if not members:
        return
    awards = Award.objects.filter(buyer=buyer, source=AwardSource.IMPORT, external_id__in=members).values_list(
        "external_id", "pk"
    )
    link = Award.co_contractors.through
    link.objects.bulk_create(
        [link(award_id=pk, structure_id=member) for external_id, pk in awards for member in members[external_id]],
        ignore_conflicts=True,
    )


STALLED_AFTER = datetime.timedelta(minutes=5)


def stalled_imports() -> list[int]:
    """Imports applying whose last chunk is older than STALLED_AFTER (their task was lost): the beat re-queues them."""
    limit = timezone.now() - STALLED_AFTER
    return list(
        AwardImport.objects.filter(status=AwardImport.Status.APPLYING, updated_at__lt=limit).values_list(
            "pk", flat=True
        )
    )
