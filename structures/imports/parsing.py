"""Reading the uploaded bytes into rows keyed by our column names. Never raises on bad content: it reports it."""

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from structures.imports.columns import COLUMN_NAMES, MAX_FILE_BYTES, MAX_ROWS, REQUIRED_COLUMNS, normalize_header


@dataclass
class RawRow:
    line: int  # line number in the file (the header is line 1)
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)


@dataclass
class ParsedFile:
    rows: list[RawRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # problems with the whole file: nothing can be imported
    ignored_columns: list[str] = field(default_factory=list)


def _has_bad_bytes(text: str) -> bool:
    # Bytes that are not UTF-8 were decoded as lone surrogates (errors="surrogateescape").
    return any("\udc80" <= char <= "\udcff" for char in text)


def parse_csv(data: bytes) -> ParsedFile:
    """Split the file into rows keyed by our column names. Never raises on bad content: it reports it.

    The separator is `;` or `,` (whichever the header uses most). A row with the wrong number of cells or with bytes
    that are not UTF-8 is kept with an error, so that it is reported and the other rows still go through.
    """
    parsed = ParsedFile()
    if len(data) > MAX_FILE_BYTES:
        parsed.errors.append(
            _("Le fichier dépasse %(size)s Mo : découpez-le en plusieurs fichiers.")
            % {"size": MAX_FILE_BYTES // 2**20}
        )
        return parsed
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    text = data.decode("utf-8", errors="surrogateescape")
    if not text.strip():
        parsed.errors.append(_("Le fichier est vide."))
        return parsed
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        # A NUL byte in a header names no column of ours: the column is ignored (and reported without the byte).
        header = [name.replace("\x00", "") for name in next(reader)]
        columns = [normalize_header(name) for name in header]
        missing = [name for name in REQUIRED_COLUMNS if name not in columns]
        if missing:
            parsed.errors.append(
                _(
                    "Colonnes obligatoires absentes : %(columns)s. "
                    "La première ligne doit nommer les colonnes (%(all)s)."
                )
                % {"columns": ", ".join(missing), "all": ", ".join(REQUIRED_COLUMNS)}
            )
            return parsed
        parsed.ignored_columns = [header[i] for i, name in enumerate(columns) if name not in COLUMN_NAMES]
        previous_end = reader.line_num
        for cells in reader:
            line = previous_end + 1
            previous_end = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # blank line
            if len(parsed.rows) >= MAX_ROWS:
                parsed.errors.append(
                    _("Le fichier compte plus de %(max)s lignes : découpez-le en plusieurs fichiers.")
                    % {"max": f"{MAX_ROWS:,}".replace(",", "\u202f")}
                )
                return parsed
            row = RawRow(line=line, values={})
            if len(cells) != len(columns):
                row.errors.append(
                    _(
                        "La ligne compte %(found)s colonnes au lieu de %(expected)s : un « %(sep)s » dans un texte "
                        "doit être entre guillemets."
                    )
                    % {"found": len(cells), "expected": len(columns), "sep": delimiter}
                )
            if any("\x00" in cell for cell in cells):
                row.errors.append(
                    _(
                        "Un caractère nul (invisible) se trouve dans une cellule : ré-enregistrez le fichier depuis "
                        "le tableur, en « CSV UTF-8 »."
                    )
                )
            if any(_has_bad_bytes(cell) for cell in cells):
                row.errors.append(
                    _(
                        "Caractères illisibles : le fichier n'est pas en UTF-8 (dans Excel, enregistrez-le en "
                        "« CSV UTF-8 »)."
                    )
                )
            if not row.errors:
                row.values = {
                    name: cell.strip() for name, cell in zip(columns, cells, strict=True) if name in COLUMN_NAMES
                }
            else:
                # Keep what identifies the row in the report, made readable.
                for name in ("siret", "nom"):
                    if name in columns and columns.index(name) < len(cells):
                        raw = cells[columns.index(name)]
                        raw = raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
                        row.values[name] = raw.replace("\x00", "").strip()
            parsed.rows.append(row)
    except csv.Error as error:
        parsed.errors.append(
            _("Le fichier n'a pas pu être lu comme un CSV (ligne %(line)s : %(error)s).")
            % {"line": reader.line_num, "error": error}
        )
    return parsed
