"""The delivery ledger in the service's database: the :class:`fhir_werk.delivery.LedgerStore` the
worker's adapters use, one for every process and machine that shares the outbox.

A ledger in a file of each data folder let a second machine judge an amended response without
the rows of its first delivery (made by another machine): it then created again what it should
have updated. In the database, whichever machine delivers a version of a response sees what
every other machine wrote before.

``record`` is one transaction of upserts (``INSERT … ON CONFLICT DO UPDATE``, SQLite and
PostgreSQL alike): two processes recording the same key at once both succeed, the later commit
wins, as with the file's ``INSERT OR REPLACE``. The rows are written in key order, so two
transactions over overlapping keys take their row locks in the same order and never deadlock.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from fhir_werk.delivery import Written
from fhir_werk.service.storage._database import writing
from fhir_werk.service.storage._schema import ledger

_CHUNK: Final = 500
"""Keys per ``IN (…)``: below SQLite's limit of bound parameters, one round trip for a push."""
_COLUMNS: Final = (
    ledger.c.key,
    ledger.c.response,
    ledger.c.patient,
    ledger.c.resource_type,
    ledger.c.resource_id,
    ledger.c.version,
    ledger.c.digest,
    ledger.c.resource,
)


class SqlLedger:
    """The ``ledger`` table of ``engine`` (SQLite or PostgreSQL) as a ledger."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        # Built once: building the statement again on every push cost more than running it.
        self._upsert = _upsert(engine)

    def for_response(self, target: str, response: str) -> list[Written]:
        """Everything written to ``target`` from the response with key ``response``, by key."""
        with self.engine.connect() as db:
            return _for_response(db, target, response)

    def lookup(self, target: str, keys: Iterable[str]) -> dict[str, Written]:
        """The rows of ``target`` for ``keys`` that exist."""
        with self.engine.connect() as db:
            return _lookup(db, target, keys)

    def seen(
        self, target: str, response: str | None, keys: Iterable[str]
    ) -> tuple[list[Written], dict[str, Written]]:
        """:meth:`for_response` (none when ``response`` is None) and :meth:`lookup` in one connection."""
        with self.engine.connect() as db:
            earlier = _for_response(db, target, response) if response is not None else []
            return earlier, _lookup(db, target, keys)

    def record(self, target: str, rows: Sequence[Written]) -> None:
        """Store ``rows`` for ``target`` (replacing earlier rows of the same keys) in one transaction."""
        # One row per key (the last, as INSERT OR REPLACE would leave it): an upsert statement may
        # not touch one row twice. Key order: the same lock order in every process.
        latest = {row.key: row for row in rows}
        values = [_values(target, latest[key]) for key in sorted(latest)]
        if not values:
            return
        with writing(self.engine) as db:
            db.execute(self._upsert, values)


def _upsert(engine: sa.Engine) -> Any:
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    statement = insert(ledger)
    replaced = {c.name: statement.excluded[c.name] for c in ledger.columns if not c.primary_key}
    return statement.on_conflict_do_update(index_elements=[ledger.c.target, ledger.c.key], set_=replaced)


def _values(target: str, row: Written) -> dict[str, Any]:
    return {
        "target": target,
        "key": row.key,
        "response": row.response,
        "patient": row.patient,
        "resource_type": row.resource_type,
        "resource_id": row.resource_id,
        "version": row.version,
        "digest": row.digest,
        "resource": json.dumps(row.resource, ensure_ascii=False, sort_keys=True),
    }


_BY_RESPONSE: Final = sa.select(*_COLUMNS).where(
    ledger.c.target == sa.bindparam("target"), ledger.c.response == sa.bindparam("response")
)
_BY_KEYS: Final = sa.select(*_COLUMNS).where(
    ledger.c.target == sa.bindparam("target"), ledger.c.key.in_(sa.bindparam("keys", expanding=True))
)


def _for_response(db: sa.Connection, target: str, response: str) -> list[Written]:
    found = db.execute(_BY_RESPONSE, {"target": target, "response": response})
    return sorted((_written(r) for r in found), key=lambda w: w.key)


def _lookup(db: sa.Connection, target: str, keys: Iterable[str]) -> dict[str, Written]:
    wanted = list(dict.fromkeys(keys))
    found: dict[str, Written] = {}
    for start in range(0, len(wanted), _CHUNK):
        rows = db.execute(_BY_KEYS, {"target": target, "keys": wanted[start : start + _CHUNK]})
        found.update((w.key, w) for w in (_written(r) for r in rows))
    return found


def _written(row: Sequence[Any]) -> Written:
    key, response, patient, resource_type, resource_id, version, digest, resource = row
    return Written(key, response, patient, resource_type, resource_id, version, digest, json.loads(resource))
