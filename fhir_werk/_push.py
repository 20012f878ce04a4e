"""Pushing the extracted 'Werk' section into an EPD: the adapter interface, registry and guard.

An adapter is a class registered under the entry-point group ``fhir_werk.adapters`` (so an EPD
vendor ships one in its own package), with a ``name``, a pydantic-settings class
``settings_type`` and a ``push(bundle, context) -> PushResult`` method. Built-in: ``fhir`` (any
FHIR R4 server) and ``file`` (a folder of JSON or NDJSON).

Every adapter pushes through :func:`run_push`, the one place that enforces consent
(:mod:`fhir_werk._consent`) and writes the AuditEvent (:mod:`fhir_werk._audit`) for a push,
a refusal or a failure. The adapter only supplies a :class:`PushTarget`: how to find Consents
already on the target, how to send a bundle and how to send an AuditEvent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib.metadata import entry_points
from typing import Any, ClassVar, Final, Literal, Protocol, runtime_checkable

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from fhir_werk._audit import AuditLog, AuditOutcome, AuditSettings, audit_event
from fhir_werk._consent import (
    OWN_EPD,
    PURPOSES,
    RECIPIENTS,
    ConsentDecision,
    bundle_patient,
    check_consent,
    permitted_bundle,
    withheld_entries,
)
from fhir_werk._outcomes import (
    FhirWerkError,
    InvalidInputError,
    NotFoundError,
    Resource,
    bad_request,
    issue,
    not_found,
    outcome,
)

ENTRY_POINT_GROUP: Final = "fhir_werk.adapters"
EntryStatus = Literal["created", "updated", "unchanged", "refused"]

logger = logging.getLogger("fhir_werk.push")


@dataclass(frozen=True)
class PushContext:
    """Who pushes, to whom and why; used for the consent check and the AuditEvent."""

    recipient: str = OWN_EPD
    """A code of CodeSystem ``deelontvanger``; ``eigen-epd`` is the institution's own EPD."""
    purpose: str = "re-integratie"
    """A code of CodeSystem ``deeldoel``."""
    actor: str = "fhir-werk"
    """The acting user or system id (AuditEvent agent)."""
    address: str | None = None
    """The network address the request came from, when known."""
    now: datetime | None = None
    """The push time for the consent check and the AuditEvent; None means the current time."""

    def __post_init__(self) -> None:
        if self.recipient not in RECIPIENTS:
            raise InvalidInputError(
                bad_request(
                    f"Onbekende ontvanger '{self.recipient}'; kies uit: {', '.join(RECIPIENTS)}.",
                    f"Unknown recipient '{self.recipient}'; choose from: {', '.join(RECIPIENTS)}.",
                    "recipient",
                )
            )
        if self.purpose not in PURPOSES:
            raise InvalidInputError(
                bad_request(
                    f"Onbekend doel '{self.purpose}'; kies uit: {', '.join(PURPOSES)}.",
                    f"Unknown purpose '{self.purpose}'; choose from: {', '.join(PURPOSES)}.",
                    "purpose",
                )
            )


@dataclass(frozen=True)
class PushEntry:
    """What happened to one bundle entry on the target."""

    resource_type: str
    status: EntryStatus
    """created, updated, unchanged (an existing one matched ``ifNoneExist``) or refused (withheld
    for want of consent)."""
    id: str | None = None
    """The resource id on the target."""
    location: str | None = None
    full_url: str | None = None
    """The entry's fullUrl in the pushed bundle (``urn:uuid:...``)."""
    identifier: str | None = None
    """The entry's ``ifNoneExist`` query: its stable extraction identifier."""


@dataclass
class PushProgress:
    """Filled in by a target while it sends, so a failure halfway still reports what was written."""

    interaction: str = "transaction"
    entries: list[PushEntry] = field(default_factory=list)


@dataclass(frozen=True)
class PushResult:
    """The outcome of a push: each entry's fate, the consent decision and the AuditEvent written."""

    entries: tuple[PushEntry, ...]
    audit_event: Resource
    decision: ConsentDecision
    audit_sent: bool = False


class PushTarget(Protocol):
    """The target-specific half of a push; :func:`run_push` does consent and audit around it."""

    @property
    def address(self) -> str:
        """The target as a URI (a FHIR base URL, a ``file:`` URL) for the AuditEvent."""
        ...

    def existing_consents(self, patient: str) -> Sequence[Resource]:
        """Consents of ``patient`` already on the target (may be empty)."""
        ...

    def send(self, bundle: Resource, progress: PushProgress) -> None:
        """Write ``bundle``, appending a :class:`PushEntry` to ``progress`` per entry written."""
        ...

    def send_audit(self, event: Resource) -> None:
        """Deliver an AuditEvent to the target as well."""
        ...


@runtime_checkable
class EpdAdapter(Protocol):
    """A pushable EPD: what an entry point in ``fhir_werk.adapters`` builds."""

    name: ClassVar[str]
    settings_type: ClassVar[type[BaseSettings]]

    def push(self, bundle: Resource, context: PushContext) -> PushResult:
        """Push ``bundle`` (a transaction Bundle from the extraction) as ``context`` says."""
        ...

    def close(self) -> None:
        """Release what the adapter opened itself (connections); injected clients stay open."""
        ...


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


def adapter_names() -> list[str]:
    """The names of all installed adapters, sorted."""
    return sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})


def load_adapter(name: str) -> type[EpdAdapter]:
    """The adapter class registered as ``name``; NotFoundError (listing the known names) if none."""
    found = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not found:
        known = ", ".join(adapter_names()) or "-"
        raise NotFoundError(
            not_found(
                f"Onbekende adapter '{name}'; bekend zijn: {known}.",
                f"Unknown adapter '{name}'; known adapters: {known}.",
                "target",
            )
        )
    loaded: type[EpdAdapter] = found[0].load()
    return loaded


def _settings_error(settings_type: type[BaseSettings], exc: ValidationError) -> InvalidInputError:
    prefix = str(settings_type.model_config.get("env_prefix", ""))
    issues = []
    for error in exc.errors():
        name = ".".join(str(part) for part in error["loc"])
        env = f"{prefix}{name}".upper()
        issues.append(
            issue(
                "error",
                "required" if error["type"] == "missing" else "value",
                f"Instelling '{name}' ontbreekt of is ongeldig (omgevingsvariabele {env}).",
                f"Setting '{name}' is missing or invalid (environment variable {env}).",
                name,
            )
        )
    return InvalidInputError(outcome(issues))


def get_adapter(
    name: str,
    settings: BaseSettings | Mapping[str, Any] | None = None,
    *,
    audit: AuditLog | None = None,
    **dependencies: Any,
) -> EpdAdapter:
    """Build the adapter ``name`` with ``settings`` (a settings object, a mapping, or None to read
    the environment) and ``audit`` (default: the log :class:`AuditSettings` describes).

    ``dependencies`` go to the adapter as keywords, e.g. ``http=`` an injected ``httpx.Client``.
    """
    adapter_type = load_adapter(name)
    settings_type = adapter_type.settings_type
    if not isinstance(settings, BaseSettings):
        try:
            settings = settings_type(**dict(settings or {}))
        except ValidationError as exc:
            raise _settings_error(settings_type, exc) from exc
    log = audit or AuditLog.from_settings(AuditSettings())
    adapter: EpdAdapter = adapter_type(settings, audit=log, **dependencies)  # type: ignore[call-arg]
    return adapter
