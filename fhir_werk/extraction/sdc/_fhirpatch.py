"""FHIRPatch templates (a ``Parameters`` of ``operation`` parameters,
https://hl7.org/fhir/R4/fhirpatch.html): the entry is a PATCH, and an operation whose value came
out empty is left out (a patch operation without its value is invalid, and there is nothing to
change)."""

from __future__ import annotations

from typing import Any

from fhir_werk.shared import Resource

_NEEDS_VALUE = frozenset({"add", "insert", "replace"})


def is_fhirpatch(resource: Resource) -> bool:
    parameters = resource.get("parameter")
    return (
        resource.get("resourceType") == "Parameters"
        and isinstance(parameters, list)
        and bool(parameters)
        and all(isinstance(p, dict) and p.get("name") == "operation" for p in parameters)
    )


def _complete(operation: dict[str, Any]) -> bool:
    parts = [p for p in operation.get("part", []) if isinstance(p, dict)]
    if any("name" not in p for p in parts):
        return False  # a part whose name came from an expression that gave nothing
    kind = next((p.get("valueCode") for p in parts if p.get("name") == "type"), None)
    if kind not in _NEEDS_VALUE:
        return True
    value = next((p for p in parts if p.get("name") == "value"), None)
    return value is not None and any(k.startswith("value") or k == "part" for k in value)


def complete_operations(resource: Resource) -> Resource:
    """The patch without the operations that lack a name or a value."""
    return {**resource, "parameter": [p for p in resource["parameter"] if _complete(p)]}
