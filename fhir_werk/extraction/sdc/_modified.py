"""Modifications only (SDC ``$extract`` with a comparison source, as CSIRO's engine does it):
the entries of the earlier response's extraction are matched to the new ones, and only what
changed is kept.

Entries are matched by their request (method and URL: the same PUT or PATCH target) and, among
entries with the same request, by their order. An entry whose resource is the same is left out;
a FHIRPatch (``PATCH`` of a ``Parameters``) keeps only the operations that are new or changed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fhir_werk.shared import Resource


def _key(entry: Resource) -> tuple[str, str]:
    request = entry.get("request") or {}
    return str(request.get("method", "")), str(request.get("url", ""))


def modifications_only(bundle: Resource, earlier: Resource) -> Resource:
    """``bundle`` with only the entries (and patch operations) that differ from ``earlier``'s."""
    before: dict[tuple[str, str], list[Resource]] = defaultdict(list)
    for entry in earlier.get("entry", []):
        before[_key(entry)].append(entry)
    seen: dict[tuple[str, str], int] = defaultdict(int)
    kept: list[Resource] = []
    for entry in bundle.get("entry", []):
        key = _key(entry)
        position = seen[key]
        seen[key] += 1
        old = before[key][position] if position < len(before[key]) else None
        changed = _changed(entry, old)
        if changed is not None:
            kept.append(changed)
    result = {k: v for k, v in bundle.items() if k != "entry"}
    if kept:
        result["entry"] = kept
    return result


def _changed(entry: Resource, old: Resource | None) -> Resource | None:
    if old is None:
        return entry
    resource, previous = entry.get("resource"), old.get("resource")
    if resource == previous:
        return None
    if _is_patch(entry) and isinstance(resource, dict) and isinstance(previous, dict):
        operations = [p for p in resource.get("parameter", []) if p not in previous.get("parameter", [])]
        if not operations:
            return None
        return {**entry, "resource": {**resource, "parameter": operations}}
    return entry


def _is_patch(entry: Any) -> bool:
    return _key(entry)[0] == "PATCH" and (entry.get("resource") or {}).get("resourceType") == "Parameters"
