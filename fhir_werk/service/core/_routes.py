"""The route table: each FHIR interaction the service answers, declared once.

:func:`~fhir_werk.service._app.create_app` registers every :class:`Route` on FastAPI and
``GET /fhir/metadata`` builds the CapabilityStatement from the very same list, so the statement
cannot promise an interaction that has no route, nor leave one out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fhir_werk.shared import BASE


@dataclass(frozen=True)
class Route:
    """One FHIR interaction or operation at one method and path (below ``/fhir``)."""

    method: str
    path: str
    endpoint: Callable[..., Any]
    summary: str
    resource: str | None = None
    """The resource type; None for a system-level interaction (``capabilities``)."""
    interaction: str | None = None
    """The CapabilityStatement interaction code (read, vread, update, history-instance,
    create, search-type); None for an operation."""
    operation: str | None = None
    """The operation's name without ``$`` (``validate``, ``extract`` ...)."""
    definition: str | None = None
    """The OperationDefinition's canonical URL."""
    search: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    """Search parameters: name → (FHIR type, documentation)."""
    body: bool = False
    """Reads a FHIR resource from the request body (OpenAPI shows it)."""


def own_operation(name: str) -> str:
    """The canonical of an OperationDefinition fhir-werk defines itself."""
    return f"{BASE}/OperationDefinition/{name}"
