"""The patient's record as ``$populate`` queries it: a FHIR server, or earlier bundles in memory.

The Questionnaire declares its queries as x-fhir-query (``CarePlan?patient=…&status=active``). On a
server they run as they are. For ``populate --from`` (no server) the same queries run over the
resources of earlier bundles: a small matcher for the search parameters the leidraad's queries
use, written here because no Python library evaluates FHIR search on resources in memory. A
parameter it does not know is refused, never silently ignored (the pre-fill would be wrong).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, Protocol
from urllib.parse import parse_qsl, urlsplit

from fhir_werk.client import FhirClient
from fhir_werk.shared import InvalidInputError, Resource, issue, outcome

_STATUS: Final = {"Goal": "lifecycleStatus"}
_SORT_KEYS: Final[dict[str, Callable[[Resource], str]]] = {
    "date": lambda r: str(r.get("effectiveDateTime") or r.get("date") or ""),
    "authored": lambda r: str(r.get("authored") or ""),
}


def _unsupported(parameter: str) -> InvalidInputError:
    return InvalidInputError(
        outcome(
            [
                issue(
                    "error",
                    "not-supported",
                    f"Zoekparameter '{parameter}' van de vragenlijst werkt niet zonder server.",
                    f"Search parameter '{parameter}' of the Questionnaire cannot be run without a server.",
                    "Questionnaire.extension:variable",
                )
            ]
        ),
        status=400,
    )


class Record(Protocol):
    """Runs one FHIR search (``Type?param=value&...``) and gives the searchset Bundle."""

    def search(self, query: str) -> Resource: ...


def _split(query: str) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(query)
    return parts.path.strip("/"), parse_qsl(parts.query, keep_blank_values=True)


class ServerRecord:
    """The queries run on a FHIR server, every page followed."""

    def __init__(self, client: FhirClient) -> None:
        self.client = client

    def search(self, query: str) -> Resource:
        resource_type, params = _split(query)
        merged: dict[str, str] = {}
        for name, value in params:
            merged[name] = f"{merged[name]},{value}" if name in merged else value
        return self.client.search(resource_type, merged, follow_next=True)


def _patient_id(resource: Resource) -> str | None:
    subject = resource.get("subject") or resource.get("patient") or {}
    reference = subject.get("reference") if isinstance(subject, dict) else None
    return str(reference).rsplit("/", 1)[-1] if reference else None


def _codings(value: Any) -> Iterable[Resource]:
    for concept in value if isinstance(value, list) else [value]:
        if isinstance(concept, dict):
            yield from (c for c in concept.get("coding", []) if isinstance(c, dict))


def _token_matches(resource: Resource, element: str, wanted: str) -> bool:
    system, _, code = wanted.rpartition("|") if "|" in wanted else ("", "", wanted)
    return any(
        (not system or c.get("system") == system) and (not code or c.get("code") == code)
        for c in _codings(resource.get(element))
    )


def _matches(resource: Resource, name: str, value: str) -> bool:
    kind = str(resource.get("resourceType"))
    if name in ("patient", "subject"):
        return _patient_id(resource) == value.rsplit("/", 1)[-1]
    if name in ("status", "lifecycle-status"):
        return str(resource.get(_STATUS.get(kind, "status"))) in value.split(",")
    if name in ("category", "code"):
        return any(_token_matches(resource, name, v) for v in value.split(","))
    raise _unsupported(name)


class BundleRecord:
    """Earlier bundles in memory, searched as a server would (ids given, references resolved)."""

    def __init__(self, bundles: Sequence[Resource]) -> None:
        self.resources = _stored(bundles)

    def search(self, query: str) -> Resource:
        resource_type, params = _split(query)
        found = [r for r in self.resources if r.get("resourceType") == resource_type]
        count: int | None = None
        for name, value in params:
            if name == "_sort":
                key = _SORT_KEYS.get(value.lstrip("-"))
                if key is None:
                    raise _unsupported(f"_sort={value}")
                found.sort(key=key, reverse=value.startswith("-"))
            elif name == "_count":
                count = int(value) if value.isdigit() else None
            else:
                found = [r for r in found if _matches(r, name, value)]
        if count is not None:
            found = found[:count]
        return {"resourceType": "Bundle", "type": "searchset", "entry": [{"resource": r} for r in found]}


def _stored(bundles: Sequence[Resource]) -> list[Resource]:
    """The bundles' resources as a server stores them: an id each, ``urn:uuid`` references
    rewritten to ``Type/id``; a later bundle's copy of the same resource replaces the earlier."""
    by_url: dict[str, str] = {}
    kept: dict[str, Resource] = {}
    entries = [e for b in bundles for e in b.get("entry", []) if isinstance(e.get("resource"), dict)]
    for entry in entries:
        resource = entry["resource"]
        full_url = str(entry.get("fullUrl") or "")
        given = resource.get("id") or (full_url.rsplit(":", 1)[-1] if full_url else str(uuid.uuid4()))
        by_url[full_url] = f"{resource['resourceType']}/{given}"
    for entry in entries:
        resource = _rewrite(entry["resource"], by_url)
        resource["id"] = by_url[str(entry.get("fullUrl") or "")].split("/", 1)[1]
        kept[f"{resource['resourceType']}/{_identity(resource)}"] = resource
    return list(kept.values())


def _identity(resource: Resource) -> str:
    identifier = resource.get("identifier")
    first = identifier[0] if isinstance(identifier, list) and identifier else identifier
    if isinstance(first, dict) and first.get("value"):
        return f"{first.get('system')}|{first['value']}"
    return str(resource.get("id"))


def _rewrite(value: Any, by_url: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {
            k: (by_url.get(v, v) if k == "reference" and isinstance(v, str) else _rewrite(v, by_url))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_rewrite(v, by_url) for v in value]
    return value
