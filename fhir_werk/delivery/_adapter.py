"""The adapter interface and registry: what an EPD adapter is, and how one is found by name.

An adapter is a class registered under the entry-point group ``fhir_werk.adapters`` (so an EPD
vendor ships one in its own package), with a ``name``, a pydantic-settings class
``settings_type`` and a ``push(bundle, context) -> PushResult`` method. Built-in: ``fhir`` (any
FHIR R4 server) and ``file`` (a folder of JSON or NDJSON). An adapter supplies a
:class:`PushTarget` and pushes through :func:`fhir_werk.delivery.run_push`, which enforces
consent and writes the AuditEvent, so no adapter can skip them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any, ClassVar, Final, Protocol, runtime_checkable

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from fhir_werk.delivery._audit import AuditLog, AuditSettings, AuditStore
from fhir_werk.delivery._consent import ConsentDecision
from fhir_werk.delivery._context import PushContext, PushEntry, PushProgress
from fhir_werk.delivery._ledger import Ledger, LedgerSettings, LedgerStore
from fhir_werk.shared import InvalidInputError, NotFoundError, Resource, issue, not_found, outcome

ENTRY_POINT_GROUP: Final = "fhir_werk.adapters"


@dataclass(frozen=True)
class PushResult:
    """The outcome of a push: each entry's fate, the consent decision and the AuditEvent written."""

    entries: tuple[PushEntry, ...]
    audit_event: Resource
    decision: ConsentDecision
    audit_sent: bool = False


class PushTarget(Protocol):
    """The target-specific half of a push; :func:`run_push` does consent and audit around it.

    A target that can report what it holds also has ``current(wanted: Sequence[tuple[str, str]])
    -> dict[str, Current]``: the resources it holds now for each ``(type, key)``, with id and
    version. With it, updates are ``PUT Type/id`` guarded by ``If-Match`` and a change made on the
    target is seen; without it (a folder), the ledger alone decides and updates are conditional.
    """

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
    audit: AuditStore | None = None,
    ledger: LedgerStore | None = None,
    **dependencies: Any,
) -> EpdAdapter:
    """Build the adapter ``name`` with ``settings`` (a settings object, a mapping, or None to read
    the environment), ``audit`` (default: the log :class:`AuditSettings` describes) and
    ``ledger`` (default: the one :class:`LedgerSettings` describes).

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
    book = ledger or Ledger.from_settings(LedgerSettings())
    adapter: EpdAdapter = adapter_type(settings, audit=log, ledger=book, **dependencies)  # type: ignore[call-arg]
    return adapter
