"""Where a patient's Werk resources come from for the follow-up: a folder of bundles (what
``extract -o`` or the *file* adapter wrote) or a FHIR server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from fhir_werk.client import FhirClient
from fhir_werk.shared import Resource, UnreadableInputError, bad_request

_TYPES = ("Observation", "Goal", "CarePlan", "QuestionnaireResponse")


def _patient_of(resource: Resource) -> str | None:
    reference = (resource.get("subject") or {}).get("reference")
    return str(reference).rsplit("/", 1)[-1] if reference else None


def _unreadable(path: Path) -> UnreadableInputError:
    return UnreadableInputError(
        bad_request(
            f"Bestand '{path.name}' in de map is geen leesbare FHIR-bundel.",
            f"File '{path.name}' in the folder is not a readable FHIR bundle.",
            str(path),
        )
    )


def resources_in_folder(folder: Path, patient: str | None = None) -> Iterator[Resource]:
    """Every resource in the ``*.json`` bundles and ``*.ndjson`` files below ``folder``, of
    ``patient`` when given (by the id in ``subject``)."""
    if not folder.is_dir():
        raise UnreadableInputError(
            bad_request(f"Map '{folder}' bestaat niet.", f"Folder '{folder}' does not exist.", str(folder))
        )
    for path in sorted(folder.rglob("*.json")) + sorted(folder.rglob("*.ndjson")):
        if any(part.startswith(".tmp-") or part == "audit" for part in path.relative_to(folder).parts):
            continue
        try:
            text = path.read_text(encoding="utf-8")
            found = (
                [json.loads(line) for line in text.splitlines() if line.strip()]
                if path.suffix == ".ndjson"
                else [e.get("resource", {}) for e in json.loads(text).get("entry", [])]
            )
        except (OSError, UnicodeDecodeError, ValueError, AttributeError) as exc:
            raise _unreadable(path) from exc
        for resource in found:
            if isinstance(resource, dict) and (patient is None or _patient_of(resource) == patient):
                yield resource


def resources_on_server(client: FhirClient, patient: str) -> Iterator[Resource]:
    """The patient's Observations, Goals, CarePlans and QuestionnaireResponses on a FHIR server."""
    for resource_type in _TYPES:
        found = client.search(
            resource_type, {"subject": f"Patient/{patient}", "_count": "200"}, follow_next=True
        )
        for entry in found.get("entry", []):
            resource = entry.get("resource")
            if isinstance(resource, dict) and resource.get("resourceType") == resource_type:
                yield resource
