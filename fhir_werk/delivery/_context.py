"""What a push is about, shared by consent, audit and the push itself.

The recipients and purposes a push may name (CodeSystems ``deelontvanger`` and ``deeldoel``),
who pushes to whom and why (:class:`PushContext`) and what happened to one entry
(:class:`PushEntry`). They live here, below :mod:`._consent`, :mod:`._audit` and :mod:`._push`,
so those three import this module and never each other in a circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from fhir_werk.shared import InvalidInputError, bad_request, code_system

RECIPIENT_SYSTEM: Final = code_system("deelontvanger")
PURPOSE_SYSTEM: Final = code_system("deeldoel")
OWN_EPD: Final = "eigen-epd"
RECIPIENTS: Final = (
    OWN_EPD,
    "werkgever",
    "bedrijfsarts",
    "arbeidsarts",
    "huisarts",
    "uwv",
    "gemeente",
    "vdab",
    "mutualiteit",
    "re-integratiebureau",
    "anders",
)
PURPOSES: Final = ("re-integratie", "behandeling")
EntryStatus = Literal["created", "updated", "unchanged", "retired", "conflict", "refused"]


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
    force: bool = False
    """Write even where the target's copy changed since fhir-werk wrote it (a person decided so;
    audited). Never overrides consent or the one-patient-per-identifier rule."""

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
    """created, updated (in place), unchanged (the target already held this content), retired
    (an earlier version of the response yielded it, this one does not: its status was ended),
    conflict (changed on the target since fhir-werk wrote it) or refused (withheld for want of
    consent)."""
    id: str | None = None
    """The resource id on the target."""
    version: str | None = None
    """The target's versionId after the push, where it has versions."""
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
