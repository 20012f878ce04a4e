"""What SDC leaves to the extracting system, done the same way every time.

- **Stable identity.** Every extracted resource gets an identifier (system
  ``https://fhir-werk.nl/fhir/NamingSystem/extractie``) and a ``urn:uuid`` fullUrl derived from
  the response's own identity (its identifier, else its id, else a hash of its content) and the
  *slot* the resource came from: the template (or ``observation``) and the linkId path of the item,
  each step numbered among siblings with the same linkId, e.g. ``doel@stap-4/behandeldoel#2``.
  Identity follows meaning, not position: reordering items changes no identity; amending an
  answer changes none either (what delivery needs to update in place). The same response gives
  the same bundle, byte for byte; re-posting it creates nothing new because every entry is a
  conditional create (``ifNoneExist``).
- **Provenance per version.** Provenance has no identifier element in R4: it carries a
  ``meta.tag`` made of the response identity and a digest of the response's content (without
  ``meta``), so each distinct version of a response gets its own Provenance, with activity
  CREATE, UPDATE or NULLIFY by the response's status, and the same version always the same one.
- **One Werk plan per patient.** The CarePlan's identity comes from the response's *subject*,
  not from the response: a follow-up conversation yields the same CarePlan, which delivery then
  updates in place (its version history keeps every earlier state). An earlier goal reviewed in
  the follow-up keeps the identifier it was created with (carried in the response by
  ``$populate``), so it is the same Goal resource too.
- **Links.** CarePlan.goal lists the Goals, CarePlan.supportingInfo the response and the scores,
  a referral becomes a CarePlan activity; Observations are ``derivedFrom`` the response and the
  Consent's ``sourceReference`` is the response. SDC 4.0.0 offers no way for the root template to
  refer to resources allocated inside repeating items, so this step links them.
- **Provenance** records that every created resource was derived from the response.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any, Final

from fhir_werk.extraction._status import DATA_OPERATION, provenance_activity
from fhir_werk.extraction.sdc._json import json_copy
from fhir_werk.shared import BASE, InvalidInputError, Resource, issue, outcome

IDENTIFIER_SYSTEM: Final = f"{BASE}/NamingSystem/extractie"
TAG_SYSTEM: Final = f"{BASE}/CodeSystem/extractie"
_NAMESPACE: Final = uuid.UUID("4f5c1a7e-6b43-5d0c-9a51-0f1e2d3c4b5a")
_IDENTIFIER_VALUE: Final = re.compile(r"[0-9a-f]{32}")
_ORDER: Final = ("Observation", "Goal", "ServiceRequest", "CarePlan", "Consent")
"""The leidraad's types in bundle order; any other type (a vendor's adapted template) after them."""
_NO_IDENTIFIER: Final = frozenset(
    {
        "AuditEvent",
        "Binary",
        "Bundle",
        "CapabilityStatement",
        "CompartmentDefinition",
        "GraphDefinition",
        "ImplementationGuide",
        "Linkage",
        "OperationDefinition",
        "OperationOutcome",
        "Parameters",
        "Provenance",
        "SearchParameter",
        "Subscription",
        "TerminologyCapabilities",
    }
)
"""R4 types without a list of identifiers: no identifier is added, the entry is a plain create."""


def _type_rank(resource: Resource) -> int:
    kind = resource.get("resourceType")
    return _ORDER.index(kind) if kind in _ORDER else len(_ORDER)


@dataclass(frozen=True)
class Extracted:
    """A resource the mapping produced, the slot it came from (template and linkId path), and
    ``rank``, where that slot stands in the Questionnaire (for a readable entry order)."""

    resource: Resource
    slot: str
    rank: tuple[tuple[int, int], ...] = ()


def response_key(response: Resource) -> str:
    """The response's stable identity: identifier, else id, else a hash of its content."""
    identifier = response.get("identifier")
    if isinstance(identifier, dict) and identifier.get("value"):
        return f"{identifier.get('system', '')}|{identifier['value']}"
    if response.get("id"):
        return f"QuestionnaireResponse/{response['id']}"
    canonical = json.dumps(response, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def content_digest(response: Resource) -> str:
    """SHA-256 of the response's content in canonical JSON; ``meta`` (server bookkeeping such as
    versionId and lastUpdated) does not count."""
    content = {k: v for k, v in response.items() if k != "meta"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def subject_key(response: Resource) -> str:
    """The patient the response is about, as a stable key: the reference, else the identifier."""
    subject = response.get("subject") or {}
    if subject.get("reference"):
        return str(subject["reference"])
    identifier = subject.get("identifier") or {}
    return f"{identifier.get('system', '')}|{identifier.get('value', '')}"


def plan_identity(response: Resource) -> tuple[str, str]:
    """The (key, slot) the patient's one Werk CarePlan is derived from."""
    return f"werkplan:{subject_key(response)}", "careplan"


def carried_identifier(resource: Resource) -> str | None:
    """The extraction identifier a template carried over from an earlier conversation, if any."""
    for identifier in resource.get("identifier", []):
        if isinstance(identifier, dict) and identifier.get("system") == IDENTIFIER_SYSTEM:
            value = identifier.get("value")
            return str(value) if value else None
    return None


def _ours_without_value(identifier: Any) -> bool:
    return (
        isinstance(identifier, dict)
        and identifier.get("system") == IDENTIFIER_SYSTEM
        and not identifier.get("value")
    )


def _check_carried(value: str, slot: str) -> None:
    # The value goes into a conditional-create query: only what extraction itself makes passes.
    if _IDENTIFIER_VALUE.fullmatch(value):
        return
    path = slot.split("@", 1)[-1]
    raise InvalidInputError(
        outcome(
            [
                issue(
                    "error",
                    "value",
                    "Het kenmerk van een eerder doel is geen kenmerk dat fhir-werk maakte "
                    "(32 tekens 0-9, a-f); vul het vervolggesprek opnieuw vooraf in (fhir-werk populate).",
                    "The identifier of an earlier goal is not one fhir-werk made "
                    "(32 characters 0-9, a-f); pre-fill the follow-up again (fhir-werk populate).",
                    f"{path}/terugblik-doel-id",
                )
            ]
        ),
        status=422,
    )


def _uuid(key: str, slot: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{key}#{slot}"))


def _identifier_value(key: str, slot: str) -> str:
    return hashlib.sha256(f"{key}#{slot}".encode()).hexdigest()[:32]


def _response_entry(response: Resource, key: str) -> Resource:
    resource = json_copy(response)
    full_url = f"urn:uuid:{_uuid(key, 'response')}"
    identifier = resource.get("identifier")
    if isinstance(identifier, dict) and identifier.get("value"):
        request = {
            "method": "POST",
            "url": "QuestionnaireResponse",
            "ifNoneExist": f"identifier={identifier.get('system', '')}|{identifier['value']}",
        }
    elif resource.get("id"):
        # A response with an id but no identifier is stored under that id: PUT is idempotent too.
        request = {"method": "PUT", "url": f"QuestionnaireResponse/{resource['id']}"}
    else:
        value = _identifier_value(key, "response")
        resource["identifier"] = {"system": IDENTIFIER_SYSTEM, "value": value}
        request = {
            "method": "POST",
            "url": "QuestionnaireResponse",
            "ifNoneExist": f"identifier={IDENTIFIER_SYSTEM}|{value}",
        }
    return {"fullUrl": full_url, "resource": resource, "request": request}


def _entry(item: Extracted, key: str, response: Resource) -> Resource:
    # The mapping's resources share nothing with the response or the Questionnaire (they copy
    # what they take from them); only their own top-level elements are replaced below, so a
    # shallow copy leaves ``item`` as it was.
    resource = dict(item.resource)
    if resource["resourceType"] in _NO_IDENTIFIER:
        return {
            "fullUrl": f"urn:uuid:{_uuid(key, item.slot)}",
            "resource": resource,
            "request": {"method": "POST", "url": resource["resourceType"]},
        }
    carried = carried_identifier(resource)
    if "identifier" in resource:
        resource["identifier"] = [i for i in resource["identifier"] if not _ours_without_value(i)]
    if carried is not None:
        _check_carried(carried, item.slot)
        value, full_url = carried, f"urn:uuid:{_uuid('carried', carried)}"
    else:
        if resource["resourceType"] == "CarePlan":
            key, slot = plan_identity(response)
        else:
            slot = item.slot
        value, full_url = _identifier_value(key, slot), f"urn:uuid:{_uuid(key, slot)}"
        resource["identifier"] = [
            {"system": IDENTIFIER_SYSTEM, "value": value},
            *resource.get("identifier", []),
        ]
    return {
        "fullUrl": full_url,
        "resource": _ordered(resource),
        "request": {
            "method": "POST",
            "url": resource["resourceType"],
            "ifNoneExist": f"identifier={IDENTIFIER_SYSTEM}|{value}",
        },
    }


def _ordered(resource: Resource) -> Resource:
    """resourceType first, identifier second: easier to read in a diff."""
    head = {"resourceType": resource["resourceType"], "identifier": resource["identifier"]}
    return head | {k: v for k, v in resource.items() if k not in head}


def _ref(entry: Resource) -> dict[str, str]:
    return {"reference": entry["fullUrl"]}


def _link(entries: list[Resource], response_ref: dict[str, str]) -> None:
    by_type: dict[str, list[Resource]] = {}
    for entry in entries:
        by_type.setdefault(entry["resource"]["resourceType"], []).append(entry)
    for entry in by_type.get("Observation", []):
        # Only where the template says nothing of its own (a vendor's template may name more).
        entry["resource"].setdefault("derivedFrom", [response_ref])
    for entry in by_type.get("Consent", []):
        entry["resource"]["sourceReference"] = response_ref
    for entry in by_type.get("CarePlan", []):
        plan = entry["resource"]
        # This conversation first, then the earlier ones ($populate carried them), then the scores.
        earlier = [r for r in plan.get("supportingInfo", []) if r != response_ref]
        plan["supportingInfo"] = [response_ref, *earlier] + [_ref(e) for e in by_type.get("Observation", [])]
        if by_type.get("Goal"):
            plan["goal"] = [_ref(e) for e in by_type["Goal"]]
        referrals = [{"reference": _ref(e)} for e in by_type.get("ServiceRequest", [])]
        if referrals:
            plan["activity"] = plan.get("activity", []) + referrals


def _provenance(
    response: Resource, key: str, response_ref: dict[str, str], targets: list[Resource]
) -> Resource:
    digest = content_digest(response)
    tag = f"{_identifier_value(key, 'provenance')}-{digest[:32]}"
    who = json_copy(response.get("author") or response["subject"])
    resource: Resource = {
        "resourceType": "Provenance",
        "meta": {"tag": [{"system": TAG_SYSTEM, "code": tag}]},
        "target": [_ref(e) for e in targets],
        "recorded": response["authored"],
        "activity": {"coding": [{"system": DATA_OPERATION, "code": provenance_activity(response)}]},
        "agent": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/provenance-participant-type",
                            "code": "author",
                        }
                    ]
                },
                "who": who,
            }
        ],
        "entity": [{"role": "source", "what": response_ref}],
    }
    return {
        "fullUrl": f"urn:uuid:{_uuid(key, f'provenance#{digest}')}",
        "resource": resource,
        "request": {"method": "POST", "url": "Provenance", "ifNoneExist": f"_tag={TAG_SYSTEM}|{tag}"},
    }


def build_bundle(response: Resource, extracted: list[Extracted]) -> Resource:
    """The transaction Bundle: response first, then the extracted resources in a fixed order."""
    key = response_key(response)
    first = _response_entry(response, key)
    response_ref = _ref(first)
    # By type, then by where the slot stands in the Questionnaire: the same for any item order.
    ranked = sorted(extracted, key=lambda e: (_type_rank(e.resource), e.rank, e.slot))
    entries = [_entry(e, key, response) for e in ranked]
    _link(entries, response_ref)
    provenance = _provenance(response, key, response_ref, entries)
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [first, *entries, provenance],
    }
    return bundle
