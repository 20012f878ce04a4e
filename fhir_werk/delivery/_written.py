"""What a push wrote, per planned resource: the target's word on it, its version, its ledger row.

Shared by the push that asks the target first (:func:`._push.run_push`) and the first push of a
response the ledger never saw (:mod:`._first_push`), so both end in the same entries and rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from fhir_werk.delivery._context import PushEntry
from fhir_werk.delivery._ledger import Written
from fhir_werk.delivery._lifecycle import Current, Plan, Planned, digest

Report = Callable[[Sequence[tuple[str, str]]], Mapping[str, Current]]
"""A target's ``current``: what it holds now for each ``(type, key)``."""


def outcomes(
    planned: Sequence[Planned], results: Mapping[str, PushEntry], *, on_server: bool
) -> list[PushEntry]:
    """One entry per planned resource: the plan's status, with the target's result where it sent one."""
    written: list[PushEntry] = []
    for p in planned:
        result = results.get(p.full_url) if p.entry is not None and p.full_url else None
        # A server's own word on created/updated wins (a race may have made it 'unchanged').
        trust_target = result is not None and on_server and p.status in ("created", "updated")
        status = result.status if result is not None and trust_target else p.status
        resource_id = (result.id if result else None) or (p.current.resource_id if p.current else None)
        version = result.version if result else (p.current.version if p.current else None)
        location = result.location if result else None
        written.append(PushEntry(p.resource_type, status, resource_id, version, location, p.full_url, p.key))
    return written


def with_versions(written: list[PushEntry], report: Report | None) -> list[PushEntry]:
    """``written`` with the versions the target did not report asked for, so the next push can
    tell its own write from someone else's."""
    if report is None or not any(e.version is None and e.status != "conflict" for e in written):
        return written
    again = report([(e.resource_type, str(e.identifier)) for e in written if e.version is None])
    return [
        _with_current(e, again[str(e.identifier)]) if e.version is None and str(e.identifier) in again else e
        for e in written
    ]


def ledger_rows(plan: Plan, written: Sequence[PushEntry]) -> list[Written]:
    """The ledger's rows for what ``plan`` wrote (a conflict writes nothing)."""
    return [
        Written(
            p.key,
            plan.response,
            plan.patient,
            p.resource_type,
            e.id,
            e.version,
            digest(p.resource),
            p.resource,
        )
        for p, e in zip(plan.planned, written, strict=True)
        if p.resource is not None and e.status != "conflict"
    ]


def _with_current(entry: PushEntry, now: Current) -> PushEntry:
    return PushEntry(
        entry.resource_type,
        entry.status,
        now.resource_id,
        now.version,
        entry.location,
        entry.full_url,
        entry.identifier,
    )
