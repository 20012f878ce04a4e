"""The ledger and audit log files of an older data folder, taken over into the database once.

Before migration 0004 the service kept both as SQLite files in its data folder
(``ledger.sqlite3``, ``audit.sqlite3``). Left behind, the ledger's rows would be missed at the
next amended response (a folder target writes it again as new, a FHIR server answers with a
conflict), and the audit log, which must stay readable (NEN 7513), would vanish from
``GET /fhir/AuditEvent``. So on start each file is read and its rows inserted where the database
has none of that key yet (the database's row is at least as new); a marker file beside it
(``….overgenomen``) says it was done, and the file itself stays, untouched, as the institution's
copy. Processes starting at once may both import: the inserts skip what is there, so the result
is the same.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from fhir_werk.service.core._settings import ServiceSettings
from fhir_werk.service.storage._database import writing
from fhir_werk.service.storage._schema import audit_events, ledger
from fhir_werk.shared import InvalidInputError, issue, outcome

logger = logging.getLogger("fhir_werk.service")

MARKER: Final = ".overgenomen"
_BATCH: Final = 1000
_LEDGER_COLUMNS: Final = (
    "target",
    "key",
    "response",
    "patient",
    "resource_type",
    "resource_id",
    "version",
    "digest",
    "resource",
)
_AUDIT_COLUMNS: Final = ("id", "recorded", "patient", "recipient", "outcome", "json")


def import_folder_files(settings: ServiceSettings, engine: sa.Engine) -> None:
    """Take over the data folder's ledger and audit files into ``engine``'s tables (once)."""
    folder = settings.data_dir
    _take_over(engine, folder / "ledger.sqlite3", "written", _LEDGER_COLUMNS, ledger, "rowid")
    _take_over(engine, settings.audit_path, "audit_event", _AUDIT_COLUMNS, audit_events, "seq")


def _take_over(
    engine: sa.Engine, path: Path, table: str, columns: tuple[str, ...], into: sa.Table, order: str
) -> None:
    marker = path.with_name(path.name + MARKER)
    if not path.is_file() or marker.exists():
        return
    copied = 0
    try:
        with writing(engine) as db:
            for batch in _rows(path, table, columns, order):
                db.execute(_insert_new(engine, into), batch)
                copied += len(batch)
    except sqlite3.Error as exc:
        # Not skipped silently: an audit log that is not taken over is an audit log lost.
        raise InvalidInputError(
            outcome(
                [
                    issue(
                        "error",
                        "invalid",
                        f"Het bestand '{path.name}' in de datamap is niet te lezen ({type(exc).__name__}); "
                        f"herstel het of zet het opzij, dan start de dienst zonder het over te nemen.",
                        f"The file '{path.name}' in the data folder cannot be read ({type(exc).__name__}); "
                        f"repair it or move it aside, then the service starts without taking it over.",
                        "FHIR_WERK_DATA_DIR",
                    )
                ]
            ),
            400,
        ) from exc
    marker.write_text(
        f"{copied} rijen overgenomen in de database van de dienst op "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}; dit bestand wordt niet meer gebruikt.\n",
        "utf-8",
    )
    logger.warning("%s: %d rijen overgenomen in de database", path.name, copied)


def _rows(path: Path, table: str, columns: tuple[str, ...], order: str) -> Iterator[list[dict[str, Any]]]:
    with closing(sqlite3.connect(path, timeout=30)) as db:
        known = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if table not in known:
            return
        cursor = db.execute(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")  # noqa: S608
        while batch := cursor.fetchmany(_BATCH):
            # The audit file's JSON column is the table's ``resource``.
            yield [
                {("resource" if c == "json" else c): v for c, v in zip(columns, r, strict=True)}
                for r in batch
            ]


def _insert_new(engine: sa.Engine, into: sa.Table) -> Any:
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    keys = [c for c in into.primary_key.columns] if into is ledger else [into.c.id]
    return insert(into).on_conflict_do_nothing(index_elements=keys)
