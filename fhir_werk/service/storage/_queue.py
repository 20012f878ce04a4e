"""The outbox: one delivery job per response version and target, claimed by one worker at a time.

States: ``queued`` → ``delivered``; a failed try → ``retrying`` (exponential backoff) → after
``max_attempts`` failures ``dead`` with the reason; a final failure (no consent, a conflict, a
rejected bundle) is ``dead`` at once. A newer version of the same response *supersedes* the
jobs of older versions that no worker holds (the newer bundle carries everything). ``dropped``
by hand (``fhir-werk outbox drop``).

Order. The extraction's CarePlan, Goals and scores are the patient's, shared by every response
about that patient: a job waits while an earlier job of the same patient and target is still
queued, claimed or retrying, so a late retry (a killed worker's job whose lease ran out) can
never write an older response over a newer one. A dead job stops blocking.

Claims. A worker holds a job for ``lease_seconds`` (``claimed_until``); a killed worker's job is
free again once the lease ends, so delivery is at least once and the adapters' idempotent
writes (conditional creates, the ledger) make it effectively once. On PostgreSQL the candidate
row is locked ``FOR UPDATE SKIP LOCKED`` so concurrent workers on many machines pass each other
without waiting; SQLite has one writer at a time, so there the claim is a compare-and-set
``UPDATE ... WHERE job = :job AND state IN ('queued', 'retrying') AND claimed_until is free``
that only one worker can win. The lease value is the claim's token: a worker whose lease ran out
and was taken over cannot write its (late) result over the new holder's.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

import sqlalchemy as sa

from fhir_werk.service.core._time import instant, now
from fhir_werk.service.storage._audit import SqlAuditLog
from fhir_werk.service.storage._database import writing
from fhir_werk.service.storage._schema import deliveries

ACTIVE: Final = ("queued", "retrying")
STATES: Final = ("queued", "retrying", "delivered", "dead", "superseded", "dropped")


@dataclass(frozen=True)
class Job:
    """One delivery job as stored."""

    job: int
    response_id: str
    version: int
    target: str
    state: str
    attempts: int
    next_try: float
    claimed_until: float | None
    last_error: str | None
    result: Any


def _job(row: Any) -> Job:
    return Job(
        int(row.job),
        str(row.response_id),
        int(row.version),
        str(row.target),
        str(row.state),
        int(row.attempts),
        float(row.next_try),
        row.claimed_until,
        row.last_error,
        json.loads(row.result) if row.result else None,
    )


def _free(moment: float) -> sa.ColumnElement[bool]:
    return sa.or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < moment)


# Built once (a create runs them every time; building a statement costs more than running it).
_SUPERSEDE: Final = (
    deliveries.update()
    .where(
        deliveries.c.response_id == sa.bindparam("b_response"),
        deliveries.c.version < sa.bindparam("b_version"),
        deliveries.c.state.in_(ACTIVE),
        sa.or_(deliveries.c.claimed_until.is_(None), deliveries.c.claimed_until < sa.bindparam("b_moment")),
    )
    .values(state="superseded", updated=sa.bindparam("b_moment"))
)
_QUEUE: Final = deliveries.insert()


def enqueue(
    db: sa.Connection, response_id: str, version: int, targets: Sequence[str], patient: str | None = None
) -> None:
    """Queue ``version`` of the response about ``patient`` for every target, in the caller's
    transaction."""
    moment = now()
    if version > 1:  # a first version has no older jobs to supersede
        db.execute(_SUPERSEDE, {"b_response": response_id, "b_version": version, "b_moment": moment})
    if targets:
        db.execute(
            _QUEUE,
            [
                {
                    "response_id": response_id,
                    "version": version,
                    "target": target,
                    "patient": patient or f"QuestionnaireResponse/{response_id}",
                    "state": "queued",
                    "attempts": 0,
                    "next_try": moment,
                    "created": moment,
                    "updated": moment,
                }
                for target in targets
            ],
        )


def claim(engine: sa.Engine, lease_seconds: float) -> Job | None:
    """Claim the job due first, for ``lease_seconds``; None when nothing is due."""
    for _ in range(5):  # lost a compare-and-set race: look again
        moment = now()
        earlier = deliveries.alias("earlier")
        waits_for_earlier = (
            sa.select(earlier.c.job)
            .where(
                earlier.c.patient == deliveries.c.patient,
                earlier.c.target == deliveries.c.target,
                earlier.c.job < deliveries.c.job,
                earlier.c.state.in_(ACTIVE),
            )
            .exists()
        )
        due = (
            sa.select(deliveries)
            .where(deliveries.c.state.in_(ACTIVE), deliveries.c.next_try <= moment, _free(moment))
            .where(~waits_for_earlier)
            .order_by(deliveries.c.next_try, deliveries.c.job)
            .limit(1)
        )
        lease = moment + lease_seconds
        if engine.dialect.name == "postgresql":
            with engine.begin() as db:
                row = db.execute(due.with_for_update(skip_locked=True, of=deliveries)).first()
                if row is None:
                    return None
                if _take(db, row.job, moment, lease):
                    return _claimed(row, lease)
            continue
        # SQLite: look without the write lock (readers do not wait in WAL), then compare-and-set.
        with engine.connect() as db:
            row = db.execute(due).first()
        if row is None:
            return None
        with writing(engine) as db:
            if _take(db, row.job, moment, lease):
                return _claimed(row, lease)
    return None


def _take(db: sa.Connection, job: int, moment: float, lease: float) -> bool:
    won = db.execute(
        deliveries.update()
        .where(deliveries.c.job == job, deliveries.c.state.in_(ACTIVE), _free(moment))
        .values(claimed_until=lease, updated=moment)
    )
    return bool(won.rowcount == 1)


def _claimed(row: Any, lease: float) -> Job:
    return replace(_job(row), claimed_until=lease)


def _finish(engine: sa.Engine, job: Job, **values: Any) -> bool:
    with writing(engine) as db:
        done = db.execute(
            deliveries.update()
            .where(deliveries.c.job == job.job, deliveries.c.claimed_until == job.claimed_until)
            .values(claimed_until=None, updated=now(), **values)
        )
    return bool(done.rowcount == 1)


def succeed(engine: sa.Engine, job: Job, result: Any) -> bool:
    """Mark a claimed job delivered with ``result``; False when the claim was lost meanwhile."""
    return _finish(
        engine, job, state="delivered", attempts=job.attempts + 1, last_error=None, result=json.dumps(result)
    )


def fail(
    engine: sa.Engine,
    job: Job,
    reason: str,
    *,
    final: bool,
    max_attempts: int,
    backoff: float,
    backoff_max: float,
) -> str:
    """Record a failed try: retry after ``backoff * 2**(attempts-1)`` (at most ``backoff_max``)
    seconds, or dead when ``final`` or at ``max_attempts``. Returns the state it was given."""
    attempts = job.attempts + 1
    if final or attempts >= max_attempts:
        _finish(engine, job, state="dead", attempts=attempts, last_error=reason)
        return "dead"
    wait = min(backoff * 2 ** (attempts - 1), backoff_max)
    _finish(engine, job, state="retrying", attempts=attempts, last_error=reason, next_try=now() + wait)
    return "retrying"


def jobs(
    engine: sa.Engine, *, response_id: str | None = None, states: Sequence[str] | None = None
) -> list[Job]:
    """The jobs (of one response, in some states), oldest first."""
    query = sa.select(deliveries).order_by(deliveries.c.job)
    if response_id is not None:
        query = query.where(deliveries.c.response_id == response_id)
    if states is not None:
        query = query.where(deliveries.c.state.in_(states))
    with engine.connect() as db:
        return [_job(row) for row in db.execute(query)]


def retry(engine: sa.Engine, job: int) -> bool:
    """Queue a dead, retrying or dropped job again at once, its attempts reset."""
    with writing(engine) as db:
        done = db.execute(
            deliveries.update()
            .where(deliveries.c.job == job, deliveries.c.state.in_(("dead", "retrying", "dropped")))
            .values(state="queued", attempts=0, next_try=now(), claimed_until=None, updated=now())
        )
    return bool(done.rowcount == 1)


def drop(engine: sa.Engine, job: int) -> bool:
    """Give up a job that is not delivered (kept as ``dropped``, for the record)."""
    with writing(engine) as db:
        done = db.execute(
            deliveries.update()
            .where(deliveries.c.job == job, deliveries.c.state.in_(("queued", "retrying", "dead")))
            .values(state="dropped", claimed_until=None, updated=now())
        )
    return bool(done.rowcount == 1)


def depth(engine: sa.Engine) -> int:
    """How many jobs wait for delivery."""
    with engine.connect() as db:
        found = db.execute(
            sa.select(sa.func.count()).select_from(deliveries).where(deliveries.c.state.in_(ACTIVE))
        ).scalar_one()
    return int(found)


def retry_dead(engine: sa.Engine, *, by: str = "fhir-werk outbox retry --dead") -> list[int]:
    """Queue every dead job again at once, attempts reset (after an outage the dead are many;
    one call each took minutes), and audit it as one event. The jobs queued again."""
    with writing(engine) as db:
        dead = [
            int(job)
            for job in db.execute(sa.select(deliveries.c.job).where(deliveries.c.state == "dead")).scalars()
        ]
        if dead:
            db.execute(
                deliveries.update()
                .where(deliveries.c.job.in_(dead), deliveries.c.state == "dead")
                .values(state="queued", attempts=0, next_try=now(), claimed_until=None, updated=now())
            )
    SqlAuditLog(engine).write(_retry_event(dead, by))
    return dead


def _retry_event(jobs: list[int], by: str) -> dict[str, Any]:
    numbers = ", ".join(map(str, jobs))
    return {
        "resourceType": "AuditEvent",
        "id": str(uuid.uuid4()),
        "type": {"system": "http://dicom.nema.org/resources/ontology/DCM", "code": "110100"},
        "subtype": [{"system": "http://hl7.org/fhir/restful-interaction", "code": "update"}],
        "action": "U",
        "recorded": instant(now()),
        "outcome": "0",
        "outcomeDesc": f"{len(jobs)} mislukte aflevering(en) opnieuw klaargezet: {numbers}."[:1000],
        "agent": [{"who": {"display": by}, "requestor": True}],
        "source": {"observer": {"display": "fhir-werk"}},
    }
