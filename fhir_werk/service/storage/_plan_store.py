"""The local copies of the treatment plan: each resource an extraction made, kept as the newest
response that yielded it left it, under the id its stable identity gives (its extraction
identifier, else the ``urn:uuid`` of its fullUrl), with the response's patient for search.

Written in the same transaction as the response (:meth:`._store.Store.write`); a resource whose
content did not change keeps its version. The upsert is the database's own (``INSERT … ON
CONFLICT DO UPDATE``), so two responses of one patient written at once cannot both insert the
shared CarePlan.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from fhir_werk.delivery import rewrite_references
from fhir_werk.service.storage._schema import plan_resources
from fhir_werk.shared import BASE, Resource

PLAN_TYPES: Final = ("CarePlan", "Goal", "Observation", "ServiceRequest", "Consent", "Provenance", "Task")
"""The resource types an extraction makes besides the response itself (Task: the re-integratie
milestones)."""


EXTRACTION_SYSTEM: Final = f"{BASE}/NamingSystem/extractie"
_NAMESPACE: Final = uuid.UUID("0b7c5e52-3f0a-5d51-9a3e-8c1f6d2b4a70")


def _local_id(entry: Resource) -> str | None:
    """The local copy's id: the stable id an extraction PUTs by, else from the extraction
    identifier when the resource has one, else from the ``urn:uuid`` fullUrl. The identifier is
    the resource's identity across conversations (a goal a follow-up reviews keeps the identifier
    it was made with, under a fullUrl of the follow-up's own), so the reviewed goal updates the
    first conversation's copy instead of standing beside it as a second goal."""
    full_url = entry.get("fullUrl")
    if not (isinstance(full_url, str) and full_url.startswith("urn:uuid:")):
        return None
    resource, request = entry.get("resource") or {}, entry.get("request") or {}
    if (
        request.get("method") == "PUT"
        and request.get("url") == f"{resource.get('resourceType')}/{resource.get('id')}"
    ):
        # An extraction that PUTs by a stable id (the re-integratie Tasks and plan) names the
        # resource by it in the EPD: the local copy keeps that id, so references between them hold.
        return str(resource["id"])
    for identifier in resource.get("identifier", []):
        if (
            isinstance(identifier, dict)
            and identifier.get("system") == EXTRACTION_SYSTEM
            and identifier.get("value")
        ):
            return str(uuid.uuid5(_NAMESPACE, f"{EXTRACTION_SYSTEM}|{identifier['value']}"))
    return full_url.removeprefix("urn:uuid:")


def local_copies(bundle: Resource, response_id: str) -> list[tuple[str, str, Resource]]:
    """``(type, id, resource)`` of the bundle's plan resources, references resolved to local ids
    (the response's own entry to the stored response)."""
    mapping: dict[str, str] = {}
    for entry in bundle.get("entry", []):
        kind, local = entry["resource"]["resourceType"], _local_id(entry)
        if local is not None:
            mapping[entry["fullUrl"]] = (
                f"QuestionnaireResponse/{response_id}"
                if kind == "QuestionnaireResponse"
                else f"{kind}/{local}"
            )
    copies = []
    for entry in bundle.get("entry", []):
        kind, local = entry["resource"]["resourceType"], _local_id(entry)
        if kind in PLAN_TYPES and local is not None:
            resource = rewrite_references(entry["resource"], mapping) | {"id": local}
            copies.append((kind, local, {"resourceType": kind, "id": local} | resource))
    return copies


def _upsert(dialect: Any) -> sa.Insert:
    statement = dialect.insert(plan_resources)
    upsert: sa.Insert = statement.on_conflict_do_update(
        index_elements=[plan_resources.c.resource_type, plan_resources.c.id],
        set_={
            "resource": statement.excluded.resource,
            "response_id": statement.excluded.response_id,
            "last_updated": statement.excluded.last_updated,
            "version": plan_resources.c.version + 1,
        },
        where=plan_resources.c.resource != statement.excluded.resource,
    )
    return upsert


# Built once: building the statement (values, excluded, its cache key) cost more than running it.
_UPSERTS: Final = {"sqlite": _upsert(sqlite), "postgresql": _upsert(postgresql)}


def rows(bundle: Resource, response_id: str, patient: str | None, updated: str) -> list[dict[str, Any]]:
    """The rows :func:`save` writes for ``bundle``'s plan resources (made before the
    transaction, so that it holds the write lock no longer than the statements take)."""
    return [
        {
            "resource_type": kind,
            "id": local,
            "patient": patient,
            "response_id": response_id,
            "version": 1,
            "resource": json.dumps(resource, ensure_ascii=False, sort_keys=True),
            "last_updated": updated,
        }
        for kind, local, resource in local_copies(bundle, response_id)
    ]


def save(db: sa.Connection, plan_rows: Sequence[dict[str, Any]]) -> None:
    """Upsert ``plan_rows`` (from :func:`rows`) in the caller's transaction, as one
    ``executemany``."""
    if plan_rows:
        db.execute(_UPSERTS[db.dialect.name], list(plan_rows))


def _with_meta(row: Any) -> Resource:
    resource: Resource = json.loads(row.resource)
    meta: Resource = resource["meta"] if isinstance(resource.get("meta"), dict) else {}
    resource["meta"] = {**meta, "versionId": str(row.version), "lastUpdated": row.last_updated}
    return resource


def read(engine: sa.Engine, kind: str, local: str) -> Resource | None:
    """The local copy ``kind/local``, with its versionId, or None."""
    with engine.connect() as db:
        row = db.execute(
            sa.select(
                plan_resources.c.resource, plan_resources.c.version, plan_resources.c.last_updated
            ).where(plan_resources.c.resource_type == kind, plan_resources.c.id == local)
        ).first()
    return _with_meta(row) if row is not None else None


def search(
    engine: sa.Engine, kind: str, patients: Sequence[str] | None, count: int, offset: int
) -> tuple[int, list[Resource]]:
    """The total of ``kind`` copies (of ``patients``, when given) and one page of them."""
    where = [plan_resources.c.resource_type == kind]
    if patients is not None:
        where.append(plan_resources.c.patient.in_(patients))
    with engine.connect() as db:
        total = db.execute(sa.select(sa.func.count()).select_from(plan_resources).where(*where)).scalar_one()
        rows = db.execute(
            sa.select(plan_resources.c.resource, plan_resources.c.version, plan_resources.c.last_updated)
            .where(*where)
            .order_by(plan_resources.c.last_updated.desc(), plan_resources.c.id)
            .limit(count)
            .offset(offset)
        ).all()
    return int(total), [_with_meta(row) for row in rows]


def all_of(engine: sa.Engine, kind: str, patients: Sequence[str] | None) -> list[Resource]:
    """Every ``kind`` copy (of ``patients``, when given), for a search that filters and sorts
    what only the resource holds (the Tasks' state as of today)."""
    where = [plan_resources.c.resource_type == kind]
    if patients is not None:
        where.append(plan_resources.c.patient.in_(patients))
    with engine.connect() as db:
        rows = db.execute(
            sa.select(plan_resources.c.resource, plan_resources.c.version, plan_resources.c.last_updated)
            .where(*where)
            .order_by(plan_resources.c.id)
        ).all()
    return [_with_meta(row) for row in rows]


def goal_identifiers(engine: sa.Engine, patient: str, system: str) -> set[str]:
    """The ``system`` identifier values of ``patient``'s stored Goals: the goals a follow-up of
    that patient may name."""
    with engine.connect() as db:
        stored = db.execute(
            sa.select(plan_resources.c.resource).where(
                plan_resources.c.resource_type == "Goal", plan_resources.c.patient == patient
            )
        ).scalars()
        values: set[str] = set()
        for text in stored:
            for identifier in json.loads(text).get("identifier", []):
                if isinstance(identifier, dict) and identifier.get("system") == system:
                    values.add(str(identifier.get("value")))
    return values
