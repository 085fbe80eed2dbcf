"""Bulk import of structures from a CSV file (Les Canaux staff onboarding the existing registry).

Three steps, each re-runnable:
1. `import_create` stores the upload as an ImportJob and queues the check (`structures.tasks.check_import`).
2. `check_import` parses the file and checks every row (SIRET, legal form, topics, areas, required fields, …)
   against the database without writing a structure: the dry-run report says, row by row, what would be created,
   updated (and which fields), left unchanged or rejected (and why).
3. `import_start_apply` then `apply_next_chunk` (one Celery task per chunk) write the rows in bounded chunks, each
   in its own transaction, and advance `processed_rows`. Rows are keyed on SIRET and only fields that differ are
   written, so applying the same file twice — or resuming after a crash — changes nothing the second time.

The parsing and checking are pure functions over rows (`parse_csv`, `validate_row`, `plan_row`) so that they can
be tested without a file or a database. Empty cells never erase what a structure already says; topics, sectors
and areas from the file are added to the structure's own, never removed.

The package holds one concern per module: `columns` (the file's columns, labels and the template file), `parsing`
(bytes → rows), `checking` (row → clean row or French errors, and the dry-run report), `writing` (clean rows →
structures) and `services` (the jobs' lifecycle, which the Celery tasks call). Callers use this package's names:
`from structures import imports; imports.import_create(...)`.
"""

from structures.imports.checking import (
    CleanRow,
    Existing,
    Reference,
    check_rows,
    counts,
    load_existing,
    load_reference,
    plan_row,
    validate_row,
)
from structures.imports.columns import (
    ACTION_LABELS,
    APPLIED_LABELS,
    CHUNK_SIZE,
    COLUMN_ALIASES,
    COLUMN_NAMES,
    COLUMNS,
    CREATE,
    FIELD_LABELS,
    LIST_SEPARATOR,
    M2M_FIELDS,
    MAX_FILE_BYTES,
    MAX_LENGTHS,
    MAX_ROWS,
    REJECT,
    REQUIRED_COLUMNS,
    SCALAR_FIELDS,
    UNCHANGED,
    UPDATE,
    Column,
    normalize,
    normalize_header,
    template_csv,
)
from structures.imports.parsing import ParsedFile, RawRow, parse_csv
from structures.imports.services import (
    ImportStateError,
    apply_next_chunk,
    check_import,
    display_name,
    import_create,
    import_fail,
    import_start_apply,
    import_stop,
)

__all__ = [
    "ACTION_LABELS",
    "APPLIED_LABELS",
    "CHUNK_SIZE",
    "COLUMNS",
    "COLUMN_ALIASES",
    "COLUMN_NAMES",
    "CREATE",
    "FIELD_LABELS",
    "LIST_SEPARATOR",
    "M2M_FIELDS",
    "MAX_FILE_BYTES",
    "MAX_LENGTHS",
    "MAX_ROWS",
    "REJECT",
    "REQUIRED_COLUMNS",
    "SCALAR_FIELDS",
    "UNCHANGED",
    "UPDATE",
    "CleanRow",
    "Column",
    "Existing",
    "ImportStateError",
    "ParsedFile",
    "RawRow",
    "Reference",
    "apply_next_chunk",
    "check_import",
    "check_rows",
    "counts",
    "display_name",
    "import_create",
    "import_fail",
    "import_start_apply",
    "import_stop",
    "load_existing",
    "load_reference",
    "normalize",
    "normalize_header",
    "parse_csv",
    "plan_row",
    "template_csv",
    "validate_row",
]
