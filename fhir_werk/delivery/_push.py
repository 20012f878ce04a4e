"""The guard around every push: consent before anything is sent, an AuditEvent whatever happens.

Every adapter pushes through :func:`run_push`, the one place that enforces consent
(:mod:`fhir_werk.delivery._consent`) and writes the AuditEvent (:mod:`fhir_werk.delivery._audit`) for a push,
a refusal or a failure. The adapter only supplies a :class:`PushTarget`: how to find Consents
already on the target, how to send a bundle and how to send an AuditEvent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Final

from fhir_werk.delivery._adapter import PushResult, PushTarget
from fhir_werk.delivery._audit import AuditOutcome, AuditStore, audit_event
from fhir_werk.delivery._consent import (
    ConsentDecision,
    bundle_patient,
    check_consent,
    permitted_bundle,
    withheld_entries,
)
from fhir_werk.delivery._context import OWN_EPD, PushContext, PushEntry, PushProgress
from fhir_werk.delivery._first_push import first_push, is_first_push
from fhir_werk.delivery._ledger import Ledger, LedgerStore
from fhir_werk.delivery._lifecycle import Plan, entry_key, plan_push, response_entry_of
from fhir_werk.delivery._superseded import superseded, without
from fhir_werk.delivery._written import Report, ledger_rows, outcomes, with_versions
from fhir_werk.shared import FhirWerkError, InvalidInputError, Resource, bad_request

logger = logging.getLogger("fhir_werk.push")
_DUTCH: Final = {
    "created": "nieuw",
    "updated": "bijgewerkt",
    "unchanged": "ongewijzigd",
    "retired": "beëindigd",
    "conflict": "conflict",
}


def _refused(entry: Resource) -> PushEntry:
    return PushEntry(
        resource_type=str(entry.get("resource", {}).get("resourceType")),
        status="refused",
        full_url=entry.get("fullUrl"),
        identifier=entry.get("request", {}).get("ifNoneExist"),
    )


def _check_bundle(bundle: Resource) -> None:
    if bundle.get("resourceType") != "Bundle" or bundle.get("type") not in ("transaction", "batch"):
        raise InvalidInputError(
            bad_request(
                "Alleen een Bundle van het type 'transaction' of 'batch' kan worden verstuurd.",
                "Only a Bundle of type 'transaction' or 'batch' can be pushed.",
                "Bundle.type",
            )
        )


def _summary(error: FhirWerkError) -> str:
    """fhir-werk's own first message (never a server's text, which may quote resource content)."""
    first: Resource = next(iter(error.outcome.get("issue", [])), {})
    return str(first.get("details", {}).get("text", type(error).__name__))


def run_push(
    bundle: Resource,
    context: PushContext,
    *,
    target: PushTarget,
    audit: AuditStore,
    ledger: LedgerStore | None = None,
    send_audit: bool = False,
) -> PushResult:
    """Check consent, plan the life cycle, send what changed of the permitted part of ``bundle``
    to ``target``, remember it in ``ledger`` and audit the result.

    Raises ConsentRefusedError or ConflictError (nothing sent) or the target's FhirWerkError;
    either way an AuditEvent is written first. Without a ``ledger`` an in-memory one is used:
    updates then stay safe within this call only.
    """
    _check_bundle(bundle)
    patient = bundle_patient(bundle)
    interaction = "transaction" if bundle.get("type") == "transaction" else "batch"

    def record(
        outcome_code: AuditOutcome, description: str, entries: Sequence[PushEntry], used: str
    ) -> Resource:
        event = audit_event(
            context=context,
            patient=patient,
            target=target.address,
            interaction=used,
            outcome=outcome_code,
            description=description,
            entries=entries,
            observer=audit.observer,
        )
        audit.write(event)
        return event

    progress = PushProgress(interaction)

    @contextmanager
    def failures_audited() -> Iterator[None]:
        try:
            yield
        except FhirWerkError as exc:
            record("4" if exc.status < 500 else "8", _summary(exc), progress.entries, progress.interaction)
            raise
        except Exception:
            # Any failure must leave a trace in the audit log; the error itself goes on unchanged.
            record("12", "Onverwachte fout in fhir-werk.", progress.entries, progress.interaction)
            raise

    with failures_audited():
        decision = check_consent(bundle, context)
        if not decision.permitted and context.recipient != OWN_EPD and patient is not None:
            decision = check_consent(bundle, context, existing=target.existing_consents(patient))
    if not decision.permitted:
        requested = [_refused(entry) for entry in bundle.get("entry", [])]
        record("4", _summary(decision.error()), requested, interaction)
        raise decision.error()
    refused = [_refused(entry) for entry in withheld_entries(bundle, decision)]
    with failures_audited():
        plan, written = _write_planned(
            _permitted(bundle, decision), response_entry_of(bundle), context, target, ledger, progress
        )
    progress.entries[:] = written
    summary = ", ".join(f"{n} {_DUTCH.get(status, status)}" for status, n in plan.counts().items())
    forced = f" Overschreven met --force: {len(plan.forced)}." if plan.forced else ""
    event = record(
        "0",
        f"Verzonden naar '{context.recipient}': {len(plan.planned)} resource(s) ({summary}).{forced}",
        progress.entries,
        progress.interaction,
    )
    audit_sent = False
    if send_audit:
        try:
            target.send_audit(event)
            audit_sent = True
        except FhirWerkError as exc:
            logger.warning("AuditEvent %s niet bij de ontvanger afgeleverd: %s", event["id"], _summary(exc))
    position = {entry.get("fullUrl"): index for index, entry in enumerate(bundle.get("entry", []))}
    in_bundle_order = sorted(
        [*progress.entries, *refused], key=lambda e: position.get(e.full_url, len(position))
    )
    return PushResult(tuple(in_bundle_order), event, decision, audit_sent)


class PushesThroughRunPush:
    """The ``push`` every adapter has: :func:`run_push` around the adapter as its target.

    An adapter class that inherits this sets ``settings`` (with ``send_audit``), ``_audit`` and
    ``_ledger``, and implements the :class:`PushTarget` methods.
    """

    settings: Any
    _audit: AuditStore
    _ledger: LedgerStore

    def push(self, bundle: Resource, context: PushContext) -> PushResult:
        """Push ``bundle`` with consent check, life cycle and audit (see :func:`run_push`)."""
        target: PushTarget = self  # type: ignore[assignment]
        return run_push(
            bundle,
            context,
            target=target,
            audit=self._audit,
            ledger=self._ledger,
            send_audit=bool(self.settings.send_audit),
        )


def _permitted(bundle: Resource, decision: ConsentDecision) -> Resource:
    """What consent lets through. All of it: the bundle itself, not a deep copy of it (290,000
    copy calls per push): nothing below writes into it, the plan copies what it rewrites."""
    if decision.permitted and decision.classes is None:
        return bundle
    return permitted_bundle(bundle, decision)


def _write_planned(
    permitted: Resource,
    response_entry: Resource,
    context: PushContext,
    target: PushTarget,
    ledger: LedgerStore | None,
    progress: PushProgress,
) -> tuple[Plan, list[PushEntry]]:
    """Plan against the ledger and the target's state, send what changed, record what was written."""
    ledger = ledger or Ledger(":memory:")
    address = target.address
    entries = permitted.get("entry", [])
    keys = [entry_key(e) for e in entries]
    earlier, known = ledger.seen(address, entry_key(response_entry) if response_entry else None, keys)
    if response_entry:
        taken_over = superseded(
            entry_key(response_entry),
            response_entry.get("resource", {}),
            known,
            lambda wanted: ledger.lookup(address, wanted),
        )
        if taken_over:
            permitted = without(permitted, taken_over, entry_key)
            entries = permitted.get("entry", [])
            keys = [entry_key(e) for e in entries]
            known = {k: w for k, w in known.items() if k not in taken_over}
    # A target that cannot report what it holds (a folder) has no ``current``: the ledger decides.
    report: Report | None = getattr(target, "current", None)
    withdraw = getattr(target, "withdraw", None)
    if report is not None and withdraw is not None and is_first_push(entries, earlier, known):
        return first_push(
            permitted,
            response_entry,
            context,
            address=address,
            send=target.send,
            report=report,
            withdraw=withdraw,
            ledger=ledger,
            progress=progress,
        )
    in_bundle = set(keys)
    wanted = [(str(e["resource"]["resourceType"]), key) for e, key in zip(entries, keys, strict=True)]
    wanted += [(w.resource_type, w.key) for w in earlier if w.key not in in_bundle]
    current = dict(report(wanted)) if report is not None else None
    plan = plan_push(
        permitted,
        earlier=earlier,
        known=known,
        current=current,
        force=context.force,
        response_entry=response_entry or None,
    )
    outgoing = plan.bundle()
    if outgoing["entry"]:
        target.send(outgoing, progress)
    results = {e.full_url: e for e in progress.entries if e.full_url}
    written = with_versions(outcomes(plan.planned, results, on_server=current is not None), report)
    ledger.record(address, ledger_rows(plan, written))
    return plan, written
