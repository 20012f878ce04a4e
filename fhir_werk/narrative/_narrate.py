"""Give a resource its narrative (``text``), generated from its data, in Dutch.

FHIR's dom-6 asks every resource for a human-readable narrative: an EPD that shows ``text``
shows nothing without one. The narrative is generated (``text.status = generated``) and so is
made again whenever the resource changes; a narrative a person wrote (``additional``,
``extensions``) is kept. Contained resources get none (FHIR forbids it, dom-1).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from fhir_werk.narrative import _clinical, _definitions
from fhir_werk.narrative._xhtml import div
from fhir_werk.shared import Resource

_Parts = Callable[[Mapping[str, Any]], list[str]]
_BY_TYPE: Final[Mapping[str, _Parts]] = {
    "Goal": _clinical.goal,
    "CarePlan": _clinical.careplan,
    "Observation": _clinical.observation,
    "ServiceRequest": _clinical.service_request,
    "Consent": _clinical.consent,
    "Task": _clinical.task,
    "Provenance": _clinical.provenance,
    "QuestionnaireResponse": _clinical.response,
    "Questionnaire": _definitions.questionnaire,
    "CodeSystem": _definitions.code_system,
    "ValueSet": _definitions.value_set,
    "StructureDefinition": _definitions.structure_definition,
}
AS_IT_CAME: Final = frozenset({"QuestionnaireResponse"})
# Elements that stand before ``text`` in FHIR's own order (for readable JSON).
_BEFORE_TEXT: Final = ("resourceType", "id", "meta", "implicitRules", "language")


def narrative(resource: Mapping[str, Any]) -> str:
    """The XHTML ``div`` that says what ``resource`` holds, in Dutch."""
    parts = _BY_TYPE.get(str(resource.get("resourceType")), _definitions.other)(resource)
    return div(p for p in parts if p)


def narrated(resource: Resource) -> Resource:
    """A copy of ``resource`` with a generated Dutch narrative; the input is not changed.

    A narrative a person wrote (status ``additional`` or ``extensions``) is kept as it is.
    """
    if resource.get("text", {}).get("status") in ("additional", "extensions"):
        return dict(resource)
    head: Resource = {k: resource[k] for k in _BEFORE_TEXT if k in resource}
    rest = {k: v for k, v in resource.items() if k not in head and k != "text"}
    return {**head, "text": {"status": "generated", "div": narrative(resource)}, **rest}


def narrated_bundle(bundle: Resource, *, as_it_came: frozenset[str] = AS_IT_CAME) -> Resource:
    """A copy of ``bundle`` in which every entry's resource has its narrative, except the types
    in ``as_it_came`` (the Bundle itself has no narrative in FHIR).

    By default the QuestionnaireResponse is left as it came: it is the patient's own document,
    written by the form that was filled in, and the Provenance's digest is made of it.
    """
    entries = [
        {**entry, "resource": narrated(entry["resource"])}
        if "resource" in entry and entry["resource"].get("resourceType") not in as_it_came
        else entry
        for entry in bundle.get("entry", [])
    ]
    return {**bundle, "entry": entries}
