"""The variables of an item or the Questionnaire (``http://hl7.org/fhir/StructureDefinition/variable``,
FHIRPath only) and ``extractAllocateId``: both in scope for the item and its descendants."""

from __future__ import annotations

import uuid
from typing import Any, Final

from fhir_werk.extraction.sdc._urls import ALLOCATE_ID, VARIABLE
from fhir_werk.shared import Resource

_NAMESPACE: Final = uuid.UUID("3b0f3f0e-8f5e-5b7a-9a59-7d3c2f1e0a11")


def variables(element: Resource) -> list[tuple[str, str, str]]:
    """(name, language, expression) of the element's variables, in their order."""
    found = []
    for extension in element.get("extension", ()):
        if extension.get("url") == VARIABLE:
            value = extension.get("valueExpression") or {}
            found.append(
                (str(value.get("name", "")), str(value.get("language", "")), str(value.get("expression", "")))
            )
    return found


def allocated_names(element: Resource) -> list[str]:
    return [str(e.get("valueString")) for e in element.get("extension", ()) if e.get("url") == ALLOCATE_ID]


def allocate(seed: str, name: str) -> str:
    """A new id for ``name`` at ``seed`` (the response and the item's place in it): a UUID, the
    same for the same response, so extracting twice gives the same bundle."""
    return str(uuid.uuid5(_NAMESPACE, f"{seed}#{name}"))


def as_reference_url(value: Any) -> str:
    """A fullUrl from an allocated id: a bare UUID becomes ``urn:uuid:...``."""
    text = str(value)
    if ":" in text:
        return text  # a URL already (uuid.UUID would take "urn:uuid:..." as a UUID too)
    try:
        uuid.UUID(text)
    except ValueError:
        return text
    return f"urn:uuid:{text}"
