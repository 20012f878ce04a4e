"""The stored QuestionnaireResponses: every version kept, the current one searchable.

A write (create or update) is one database transaction holding the response version, the
Bundle extracted from it, the local copies of the plan resources in it
(:mod:`._plan_store`) and the delivery jobs queued for it (:func:`._queue.enqueue`): either
all of it is stored or none, so an acknowledged response always has its delivery queued.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa

from fhir_werk.service.core._deleted import DELETED_STATUS, is_deleted
from fhir_werk.service.core._references import reference_of
from fhir_werk.service.core._search import Criteria
from fhir_werk.service.core._time import instant, now, parse_fhir_datetime, sortable
from fhir_werk.service.storage import _plan_store, _queue
from fhir_werk.service.storage._database import writing
from fhir_werk.service.storage._schema import response_versions, responses
from fhir_werk.shared import ConflictError, Resource, conflict


class VersionMovedError(ConflictError):
    """Another write stored a newer version first (two updates at once): 409, nothing stored."""

    def __init__(self, resource_id: str) -> None:
        super().__init__(
            conflict(
                "Deze QuestionnaireResponse is intussen door een ander verzoek gewijzigd; lees haar "
                "opnieuw en probeer het nog eens.",
                "This QuestionnaireResponse was changed by another request meanwhile; read it again "
                "and retry.",
            ),
            409,
        )
        self.resource_id = resource_id


@dataclass(frozen=True)
class Stored:
    """One stored version of a response."""

    id: str
    version: int
    resource: Resource
    bundle: Resource | None = None


def _identifier(resource: Resource) -> str | None:
    found = resource.get("identifier")
    if isinstance(found, dict) and isinstance(found.get("value"), str):
        return f"{found.get('system', '')}|{found['value']}"
    return None


def _columns(resource: Resource) -> dict[str, Any]:
    subject = resource.get("subject")
    found = reference_of(subject)
    # The patient as every search and access check names it (Patient/x): an absolute URL or a
    # _history suffix in the response must not hide its plan and Tasks from Patient/x.
    reference = f"{found[0]}/{found[1]}" if found is not None else None
    authored = resource.get("authored")
    moment = parse_fhir_datetime(authored) if isinstance(authored, str) else None
    return {
        # A deleted version is found by no search: its column holds no FHIR status.
        "status": DELETED_STATUS if is_deleted(resource) else str(resource.get("status", "")),
        "subject": reference if isinstance(reference, str) else None,
        "authored": sortable(moment) if moment is not None else None,
        "identifier": _identifier(resource),
    }


def _with_meta(resource: Resource, resource_id: str, version: int, updated: str) -> Resource:
    meta = dict(resource.get("meta") or {}) if isinstance(resource.get("meta"), dict) else {}
    meta.update({"versionId": str(version), "lastUpdated": updated})
    return {"resourceType": resource["resourceType"], "id": resource_id, "meta": meta} | {
        k: v for k, v in resource.items() if k not in ("resourceType", "id", "meta")
    }


# Built once: a write runs them every time, and building a statement costs more than running it.
_INSERT: Final = responses.insert()
_MOVE: Final = responses.update().where(
    responses.c.id == sa.bindparam("b_id"), responses.c.version == sa.bindparam("b_expected")
)
_INSERT_VERSION: Final = response_versions.insert()


def _dumps(resource: Resource) -> str:
    return json.dumps(resource, ensure_ascii=False)


def new_id() -> str:
    """A fresh server-assigned id."""
    return str(uuid.uuid4())


class Store:
    """Responses in the database behind ``engine``, delivered to ``targets``."""

    def __init__(self, engine: sa.Engine, targets: Sequence[str]) -> None:
        self.engine = engine
        self.targets = tuple(targets)

    def prepared(self, resource: Resource, resource_id: str, version: int) -> Resource:
        """``resource`` as it will be stored: id, versionId and lastUpdated set."""
        return _with_meta(resource, resource_id, version, instant(now()))

    def write(self, stored: Stored, *, expected: int | None) -> Stored:
        """Store ``stored`` (version 1: new; later: on top of version ``expected``) and queue its
        delivery when it has a bundle, in one transaction. Returns it; raises
        :class:`VersionMovedError` when the current version is no longer ``expected``."""
        updated = str(stored.resource["meta"]["lastUpdated"])
        columns = _columns(stored.resource)
        row = {"id": stored.id, "version": stored.version, "last_updated": updated} | columns
        version_row = {
            "id": stored.id,
            "version": stored.version,
            "resource": _dumps(stored.resource),
            "bundle": _dumps(stored.bundle) if stored.bundle else None,
            "last_updated": updated,
        }
        # Everything but the statements is done before the transaction: on SQLite it holds the
        # one write lock, and every other writer waits for it.
        plan = (
            _plan_store.rows(stored.bundle, stored.id, columns["subject"], updated)
            if stored.bundle is not None
            else []
        )
        with writing(self.engine) as db:
            if expected is None:
                db.execute(_INSERT, row)
            elif db.execute(_MOVE, row | {"b_id": stored.id, "b_expected": expected}).rowcount != 1:
                raise VersionMovedError(stored.id)
            db.execute(_INSERT_VERSION, version_row)
            if stored.bundle is not None:
                _plan_store.save(db, plan)
                _queue.enqueue(db, stored.id, stored.version, self.targets, columns["subject"])
        return stored

    def read(self, resource_id: str, version: int | None = None) -> Stored | None:
        """The current version of ``resource_id`` (or the one named), or None."""
        with self.engine.connect() as db:
            if version is None:
                current = db.execute(
                    sa.select(responses.c.version).where(responses.c.id == resource_id)
                ).scalar()
                if current is None:
                    return None
                version = int(current)
            row = db.execute(
                sa.select(response_versions.c.resource, response_versions.c.bundle).where(
                    response_versions.c.id == resource_id, response_versions.c.version == version
                )
            ).first()
        if row is None:
            return None
        bundle = json.loads(row.bundle) if row.bundle else None
        return Stored(resource_id, version, json.loads(row.resource), bundle)

    def history(self, resource_id: str) -> list[Stored]:
        """Every version of ``resource_id``, newest first (empty when it is unknown)."""
        with self.engine.connect() as db:
            rows = db.execute(
                sa.select(response_versions.c.version, response_versions.c.resource)
                .where(response_versions.c.id == resource_id)
                .order_by(response_versions.c.version.desc())
            ).all()
        return [Stored(resource_id, int(r.version), json.loads(r.resource)) for r in rows]

    def _where(self, criteria: Criteria) -> list[sa.ColumnElement[bool]]:
        clauses: list[sa.ColumnElement[bool]] = []
        if criteria.subjects is not None:
            clauses.append(responses.c.subject.in_(criteria.subjects))
        if criteria.statuses is not None:
            clauses.append(responses.c.status.in_(criteria.statuses))
        if criteria.identifiers is not None:
            clauses.append(responses.c.identifier.in_(criteria.identifiers))
        for operator, moment in criteria.authored:
            column = responses.c.authored
            clauses.append(
                {
                    "ge": column >= moment,
                    "gt": column > moment,
                    "lt": column < moment,
                    "le": column <= moment,
                }[operator]
            )
        return clauses

    def search(self, criteria: Criteria, count: int, offset: int) -> tuple[int, list[Stored]]:
        """The total number of current responses matching ``criteria`` and one page of them
        (newest authored first, then by id)."""
        where = self._where(criteria)
        with self.engine.connect() as db:
            total = db.execute(sa.select(sa.func.count()).select_from(responses).where(*where)).scalar_one()
            page = db.execute(
                sa.select(responses.c.id, response_versions.c.version, response_versions.c.resource)
                .join(
                    response_versions,
                    sa.and_(
                        response_versions.c.id == responses.c.id,
                        response_versions.c.version == responses.c.version,
                    ),
                )
                .where(*where)
                .order_by(responses.c.authored.desc(), responses.c.id)
                .limit(count)
                .offset(offset)
            ).all()
        return int(total), [Stored(r.id, int(r.version), json.loads(r.resource)) for r in page]
