"""What fhir-werk last wrote to each target: the memory that makes updates safe.

Per target (its address) and per extracted resource (its stable ``ifNoneExist`` query, or the
``Type/id`` of a PUT) the ledger keeps the id and version the target gave, a digest and a copy
of what was written, the response it came from and that response's patient. The life cycle
(:mod:`._lifecycle`) reads it to tell an amended response from a new one, to see that someone
else changed a resource since fhir-werk wrote it (the version moved on), to retire what a new
version of the response no longer yields, and to refuse a response identifier that arrives for
another patient. Updated only after a target confirmed a write, in one SQLite transaction
(WAL mode, every commit synced; one connection per thread).

The copy holds patient data, as the target does: the file lives beside the audit log, under the
institution's control (``FHIR_WERK_LEDGER_PATH``), never in logs.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Protocol, runtime_checkable

from pydantic_settings import BaseSettings, SettingsConfigDict

from fhir_werk.delivery._sqlite import ThreadConnections, write_ahead
from fhir_werk.shared import Resource

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS written (
    target TEXT NOT NULL,
    key TEXT NOT NULL,
    response TEXT NOT NULL,
    patient TEXT,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    version TEXT,
    digest TEXT NOT NULL,
    resource TEXT NOT NULL,
    PRIMARY KEY (target, key)
);
CREATE INDEX IF NOT EXISTS written_by_response ON written (target, response);
"""
_SELECT: Final = (
    "SELECT key, response, patient, resource_type, resource_id, version, digest, resource FROM written"
)


class LedgerSettings(BaseSettings):
    """Where the ledger lives, from ``FHIR_WERK_LEDGER_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="FHIR_WERK_LEDGER_")

    path: Path = Path("fhir-werk-ledger.sqlite3")


@dataclass(frozen=True)
class Written:
    """One resource as fhir-werk last wrote it to one target."""

    key: str
    """The entry's stable query (``identifier=system|value``, ``_tag=...``) or ``Type/id``."""
    response: str
    """The key of the response it was extracted from."""
    patient: str | None
    resource_type: str
    resource_id: str | None
    """The id the target gave; None where the target has no ids (a file folder)."""
    version: str | None
    """The target's versionId after the write; None where the target has no versions."""
    digest: str
    resource: Resource


@runtime_checkable
class LedgerStore(Protocol):
    """What the life cycle needs of a ledger: :class:`Ledger` (a SQLite file, the CLI's ``push``)
    or the service's ledger in its own database (shared by every machine of one outbox).

    ``record`` is called only after the target confirmed the write, and stores all rows or none.
    """

    def for_response(self, target: str, response: str) -> list[Written]:
        """Everything written to ``target`` from the response with key ``response``, by key."""
        ...

    def lookup(self, target: str, keys: Iterable[str]) -> dict[str, Written]:
        """The rows of ``target`` for ``keys`` that exist."""
        ...

    def seen(
        self, target: str, response: str | None, keys: Iterable[str]
    ) -> tuple[list[Written], dict[str, Written]]:
        """:meth:`for_response` (none when ``response`` is None) and :meth:`lookup` at once."""
        ...

    def record(self, target: str, rows: Sequence[Written]) -> None:
        """Store ``rows`` for ``target``, replacing earlier rows of the same keys, in one transaction."""
        ...


class Ledger:
    """The SQLite ledger; ``":memory:"`` keeps it for the life of this object only."""

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        # An in-memory database lives as long as its connection: keep that one open.
        self._memory = sqlite3.connect(":memory:") if self.path == ":memory:" else None
        self._connections = ThreadConnections(self.path)
        with self._db() as db, db:
            if self._memory is None:
                write_ahead(db)
            db.executescript(_SCHEMA)

    @classmethod
    def from_settings(cls, settings: LedgerSettings) -> Ledger:
        """The ledger that ``settings`` (default: the environment) describe."""
        return cls(settings.path)

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        if self._memory is not None:
            yield self._memory
            return
        yield self._connections.get()

    def for_response(self, target: str, response: str) -> list[Written]:
        """Everything written to ``target`` from the response with key ``response``."""
        with self._db() as db:
            return _for_response(db, target, response)

    def lookup(self, target: str, keys: Iterable[str]) -> dict[str, Written]:
        """The rows of ``target`` for ``keys`` that exist."""
        with self._db() as db:
            return _lookup(db, target, keys)

    def seen(
        self, target: str, response: str | None, keys: Iterable[str]
    ) -> tuple[list[Written], dict[str, Written]]:
        """:meth:`for_response` (none when ``response`` is None) and :meth:`lookup` in one connection."""
        with self._db() as db:
            earlier = _for_response(db, target, response) if response is not None else []
            return earlier, _lookup(db, target, keys)

    def record(self, target: str, rows: Sequence[Written]) -> None:
        """Store ``rows`` for ``target`` (replacing earlier rows of the same keys) in one transaction."""
        values = [
            (
                target,
                w.key,
                w.response,
                w.patient,
                w.resource_type,
                w.resource_id,
                w.version,
                w.digest,
                json.dumps(w.resource, ensure_ascii=False, sort_keys=True),
            )
            for w in rows
        ]
        with self._db() as db, db:
            db.executemany("INSERT OR REPLACE INTO written VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)


def _for_response(db: sqlite3.Connection, target: str, response: str) -> list[Written]:
    # Sorted here, not by ORDER BY: with it SQLite walks the primary key (target, key) over every
    # row of the target instead of the response's index, a cost that grew with every push.
    query = f"{_SELECT} WHERE target = ? AND response = ?"
    rows = sorted(db.execute(query, (target, response)).fetchall(), key=lambda r: r[0])
    return [_row(r) for r in rows]


def _lookup(db: sqlite3.Connection, target: str, keys: Iterable[str]) -> dict[str, Written]:
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Written] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        query = f"{_SELECT} WHERE target = ? AND key IN ({marks})"
        found.update((row[0], _row(row)) for row in db.execute(query, (target, *chunk)).fetchall())
    return found


def _row(row: tuple[str, str, str | None, str, str | None, str | None, str, str]) -> Written:
    key, response, patient, resource_type, resource_id, version, digest, resource = row
    return Written(key, response, patient, resource_type, resource_id, version, digest, json.loads(resource))
