"""The first push of a response: one round trip instead of two, with the same outcome.

Before it writes, a push asks the target what it holds (a batch of searches) so that it can
update in place with ``If-Match`` and see a change made on the target. For a response the
ledger has never seen on this target (no row of the response, none of the bundle's keys) that
question can only have one useful answer, "nothing": so the extraction's conditional creates go
out as they are. They are safe on their own: ``ifNoneExist`` creates nothing when a match exists.

The transaction-response then says what the question would have: an entry answered 201 did not
exist and is created; an entry answered 200 found a match (written by someone else, or by a
ledger that was lost). Only for those the target is asked what it holds, the push is planned
again exactly as :func:`~._lifecycle.plan_push` plans it, and the outcome is the slow path's:

- every match holds our content → ``unchanged`` (no new version), the rest ``created``;
- a match differs (or the response belongs to another patient) → the push is refused with the
  same :class:`~fhir_werk.shared.ConflictError`; what this push just created is withdrawn
  (deleted by id, newest first) so that, as on the slow path, nothing of a refused push stays;
- ``force`` (or a concurrent push of the same response by this ledger) → the updates the plan
  asks for follow in a second transaction, ``PUT Type/id`` with ``If-Match`` as always.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from fhir_werk.delivery._consent import bundle_patient
from fhir_werk.delivery._context import PushContext, PushEntry, PushProgress, rewrite_references
from fhir_werk.delivery._ledger import LedgerStore, Written
from fhir_werk.delivery._lifecycle import Plan, Planned, entry_key, plan_push, response_entry_of
from fhir_werk.delivery._written import Report, ledger_rows, outcomes, with_versions
from fhir_werk.shared import ConflictError, FhirWerkError, Resource

logger = logging.getLogger("fhir_werk.push")

Send = Callable[[Resource, PushProgress], None]
Withdraw = Callable[[Sequence[PushEntry]], None]
"""A target's ``withdraw``: delete what this push created (newest first)."""


def is_first_push(entries: Sequence[Resource], earlier: Sequence[Written], known: object) -> bool:
    """True when the ledger knows nothing of this push and every entry is a conditional create."""
    return (
        not earlier
        and not known
        and bool(entries)
        and all(
            str(e.get("request", {}).get("method", "")).upper() == "POST" and e["request"].get("ifNoneExist")
            for e in entries
        )
    )


def unseen_plan(bundle: Resource, response_entry: Resource) -> Plan:
    """What :func:`plan_push` decides on a target that holds nothing of ``bundle``: every entry
    created as it is (no reference to rewrite, so no copy)."""
    planned = tuple(
        Planned(
            entry_key(e), str(e["resource"]["resourceType"]), "created", e.get("fullUrl"), e, e["resource"]
        )
        for e in bundle.get("entry", [])
    )
    response = entry_key(response_entry or response_entry_of(bundle))
    return Plan(response, bundle_patient(bundle), planned)


def first_push(
    permitted: Resource,
    response_entry: Resource,
    context: PushContext,
    *,
    address: str,
    send: Send,
    report: Report,
    withdraw: Withdraw,
    ledger: LedgerStore,
    progress: PushProgress,
) -> tuple[Plan, list[PushEntry]]:
    """Send the conditional creates, then settle what the target already held (module docstring)."""
    plan = unseen_plan(permitted, response_entry)
    send(plan.bundle(), progress)
    results = {e.full_url: e for e in progress.entries if e.full_url}
    created = {
        p.key: results[p.full_url]
        for p in plan.planned
        if p.full_url in results and results[p.full_url].status == "created"
    }
    if len(created) == len(plan.planned):
        written = with_versions(outcomes(plan.planned, results, on_server=True), report)
        ledger.record(address, ledger_rows(plan, written))
        return plan, written
    return _settle(
        permitted, response_entry, context, plan, created, address, send, report, withdraw, ledger, progress
    )


def _settle(
    permitted: Resource,
    response_entry: Resource,
    context: PushContext,
    first: Plan,
    created: dict[str, PushEntry],
    address: str,
    send: Send,
    report: Report,
    withdraw: Withdraw,
    ledger: LedgerStore,
    progress: PushProgress,
) -> tuple[Plan, list[PushEntry]]:
    """Plan again as the slow path would have, knowing what existed before the transaction."""
    keys = [p.key for p in first.planned]
    # Read again: a concurrent push of the same response through this ledger may have written.
    earlier, known = ledger.seen(address, first.response if response_entry else None, keys)
    earlier = [w for w in earlier if w.key not in created]
    known = {k: w for k, w in known.items() if k not in created}
    in_bundle = set(keys)
    wanted = [(p.resource_type, p.key) for p in first.planned if p.key not in created]
    wanted += [(w.resource_type, w.key) for w in earlier if w.key not in in_bundle]
    # The matches are what the target held before: a conditional create leaves its match as it was.
    current = dict(report(wanted))
    try:
        again = plan_push(
            permitted,
            earlier=earlier,
            known=known,
            current=current,
            force=context.force,
            response_entry=response_entry or None,
        )
    except ConflictError:
        _withdraw_created(first, created, address, withdraw, ledger, progress)
        raise
    ours = {p.key: p for p in first.planned}
    planned = tuple(ours[p.key] if p.key in created else p for p in again.planned)
    plan = Plan(again.response, again.patient, planned, again.forced)
    # What follows refers to what the first transaction created by the ids the server gave.
    ids = {
        p.full_url: f"{p.resource_type}/{created[p.key].id}"
        for p in first.planned
        if p.key in created and p.full_url and created[p.key].id
    }
    follow = [
        {**p.entry, "resource": rewrite_references(p.entry["resource"], ids)}
        for p in planned
        if p.entry is not None and p.key not in created
    ]
    progress.entries[:] = list(created.values())
    if follow:
        send({"resourceType": "Bundle", "type": "transaction", "entry": follow}, progress)
    results = {e.full_url: e for e in progress.entries if e.full_url}
    written = with_versions(outcomes(planned, results, on_server=True), report)
    ledger.record(address, ledger_rows(plan, written))
    return plan, written


def _withdraw_created(
    first: Plan,
    created: dict[str, PushEntry],
    address: str,
    withdraw: Withdraw,
    ledger: LedgerStore,
    progress: PushProgress,
) -> None:
    """Take back what the refused push created; if the target refuses that, keep it as ours."""
    progress.entries[:] = list(created.values())
    if not created:
        return
    try:
        withdraw(list(created.values()))
    except FhirWerkError as exc:
        # They stay on the target: the ledger knows them as fhir-werk's, the audit lists them.
        logger.warning("Nieuw geschreven resources niet teruggenomen na een conflict: %s", type(exc).__name__)
        kept = [p for p in first.planned if p.key in created]
        entries = outcomes(kept, {e.full_url: e for e in created.values() if e.full_url}, on_server=True)
        ledger.record(address, ledger_rows(Plan(first.response, first.patient, tuple(kept)), entries))
        return
    progress.entries[:] = []
