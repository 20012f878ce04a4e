"""What a later conversation took over is not written back by an earlier one.

The Werk CarePlan and a goal reviewed in a follow-up are shared by the conversations of one
patient (see docs/vervolggesprek.md): the ledger row of such a resource names the response that
wrote it last. When an *earlier* conversation is pushed again (amended after the follow-up),
writing its copy would put the plan back as it was before the follow-up. So the entries whose
ledger row belongs to a response authored later than this one are left out of this push, and
references to them point at the resource on the target (a conditional reference on its stable
key, which a transaction resolves), so nothing dangles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from fhir_werk.delivery._context import rewrite_references
from fhir_werk.delivery._ledger import Written
from fhir_werk.shared import Resource

Lookup = Callable[[Iterable[str]], Mapping[str, Written]]
"""The ledger's rows for some keys (the responses' own entries)."""


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def superseded(
    response_key: str, response: Resource, known: Mapping[str, Written], lookup: Lookup
) -> set[str]:
    """The keys of ``known`` last written from a response authored after ``response``."""
    others = {w.response for w in known.values() if w.response != response_key}
    if not others:
        return set()
    authored = _moment(response.get("authored"))
    if authored is None:
        return set()
    later = set()
    for key, row in lookup(others).items():
        moment = _moment(row.resource.get("authored"))
        if moment is not None and moment > authored:
            later.add(key)
    return {key for key, row in known.items() if row.response in later}


def without(bundle: Resource, keys: set[str], key_of: Callable[[Resource], str]) -> Resource:
    """``bundle`` without the entries of ``keys``; references to them made conditional."""
    if not keys:
        return bundle
    kept, references = [], {}
    for entry in bundle.get("entry", []):
        key = key_of(entry)
        if key in keys:
            if entry.get("fullUrl"):
                references[str(entry["fullUrl"])] = f"{entry['resource']['resourceType']}?{key}"
            continue
        kept.append(entry)
    return {**bundle, "entry": [rewrite_references(e, references) for e in kept]}
