"""The guard around every push: consent before anything is sent, an AuditEvent whatever happens.

Every adapter pushes through :func:`run_push`, the one place that enforces consent
(:mod:`fhir_werk.delivery._consent`) and writes the AuditEvent (:mod:`fhir_werk.delivery._audit`) for a push,
a refusal or a failure. The adapter only supplies a :class:`PushTarget`: how to find Consents
already on the target, how to send a bundle and how to send an AuditEvent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from fhir_werk.delivery._adapter import PushResult, PushTarget
from fhir_werk.delivery._audit import AuditLog, AuditOutcome, audit_event
from fhir_werk.delivery._consent import (
    bundle_patient,
    check_consent,
    permitted_bundle,
    withheld_entries,
)
from fhir_werk.delivery._context import OWN_EPD, PushContext, PushEntry, PushProgress
from fhir_werk.shared import FhirWerkError, InvalidInputError, Resource, bad_request

logger = logging.getLogger("fhir_werk.push")


def rewrite_references(value: Any, mapping: Mapping[str, str]) -> Any:
    """A copy of ``value`` with every ``reference`` found in ``mapping`` replaced by its target."""
    if isinstance(value, dict):
        reference = value.get("reference")
        rewritten = {k: rewrite_references(v, mapping) for k, v in value.items()}
        if isinstance(reference, str) and reference in mapping:
            rewritten["reference"] = mapping[reference]
        return rewritten
    if isinstance(value, list):
        return [rewrite_references(v, mapping) for v in value]
    return value


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
    audit: AuditLog,
    send_audit: bool = False,
) -> PushResult:
    """Check consent, send the permitted part of ``bundle`` to ``target`` and audit the result.

    Raises ConsentRefusedError (nothing sent) or the target's FhirWerkError; either way an
    AuditEvent is written first.
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
        target.send(permitted_bundle(bundle, decision), progress)
    sent = len(progress.entries)
    event = record(
        "0",
        f"Verzonden naar '{context.recipient}': {sent} resource(s).",
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
