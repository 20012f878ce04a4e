"""The life cycle of what was extracted: create, update in place, leave alone, retire, or refuse.

A response lives on after its first push: it is amended, marked entered-in-error, pushed again.
:func:`plan_push` compares the bundle an extraction made with what fhir-werk last wrote to the
target (the :class:`~._ledger.Ledger`) and, where the target can tell, with what the target holds
now (:class:`Current`), and decides per resource:

- **created**: not on the target yet → the extraction's conditional create, unchanged.
- **unchanged**: the target already holds this content → nothing is sent (no new version).
- **updated**: the content changed and the target's copy is the one fhir-werk wrote (same
  version) → ``PUT Type/id`` with ``If-Match`` on that version, so a change made in between
  makes the server refuse the whole transaction (412) instead of being overwritten.
- **retired**: written from an earlier version of this response, but not yielded by this one →
  updated with its status ended (a Goal ``cancelled``, a referral ``revoked`` …); an Observation
  of a cleared score is left as it is, as SDC asks. A response marked entered-in-error retires
  everything with status ``entered-in-error``.
- **conflict**: the target's copy changed since fhir-werk wrote it (or was never written by this
  ledger and differs) → the push is refused as a whole, unless a person forces it.

A response identifier that arrives for another patient is refused before anything is planned.
SDC on re-extraction: https://build.fhir.org/ig/HL7/sdc/extraction.html (an update replaces the
whole resource, so fhir-werk updates only resources it made, and only the version it made).
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from fhir_werk.delivery._consent import bundle_patient, patient_key
from fhir_werk.delivery._context import EntryStatus, rewrite_references
from fhir_werk.delivery._ledger import Written
from fhir_werk.narrative import narrated
from fhir_werk.shared import ConflictError, Resource, conflict, issue, outcome

_VOLATILE_META: Final = frozenset({"versionId", "lastUpdated", "source"})
# The status element of each type, and its value when retired because the response no longer
# yields the resource (None: left as it is) or because the response was entered in error.
_RETIRE: Final[dict[str, tuple[str, str | None]]] = {
    "Goal": ("lifecycleStatus", "cancelled"),
    "CarePlan": ("status", "revoked"),
    "ServiceRequest": ("status", "revoked"),
    "Consent": ("status", "inactive"),
    "Observation": ("status", None),
    "QuestionnaireResponse": ("status", None),
}


@dataclass(frozen=True)
class Current:
    """A resource as the target holds it now."""

    resource_id: str
    version: str | None
    resource: Resource


@dataclass(frozen=True)
class Planned:
    """The decision for one resource."""

    key: str
    resource_type: str
    status: EntryStatus
    full_url: str | None = None
    entry: Resource | None = None
    """The bundle entry to send; None when nothing is sent for it."""
    resource: Resource | None = None
    """The resource as it will stand on the target (for the ledger)."""
    current: Current | None = None
    reason: str | None = None
    """Why a conflict is one (Dutch)."""
    forced: bool = False
    """Written over a change on the target because a person chose ``force``."""


@dataclass(frozen=True)
class Plan:
    """Everything :func:`plan_push` decided for one bundle."""

    response: str
    patient: str | None
    planned: tuple[Planned, ...]
    forced: tuple[Planned, ...] = field(default=())
    """Conflicts a person chose to overwrite (``force``)."""

    def bundle(self) -> Resource:
        """The transaction to send: only the entries that write something."""
        entries = [p.entry for p in self.planned if p.entry is not None]
        return {"resourceType": "Bundle", "type": "transaction", "entry": entries}

    def counts(self) -> dict[str, int]:
        """How many resources each status got."""
        found: dict[str, int] = {}
        for p in self.planned:
            found[p.status] = found.get(p.status, 0) + 1
        return found


def entry_key(entry: Resource) -> str:
    """An entry's stable key: its ``ifNoneExist`` query, else its request URL (``Type/id``)."""
    request = entry.get("request", {})
    return str(request.get("ifNoneExist") or request.get("url") or entry.get("fullUrl", ""))


def digest(resource: Resource) -> str:
    """A digest of a resource's content, blind to what a server adds (id, version, narrative)."""
    content = {k: v for k, v in resource.items() if k not in ("id", "text")}
    meta = {k: v for k, v in content.pop("meta", {}).items() if k not in _VOLATILE_META}
    if meta:
        content["meta"] = meta
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def contains(held: Any, wanted: Any, *, top: bool = True) -> bool:
    """True when ``held`` (a server's copy) holds everything of ``wanted`` (what we would write).

    Servers add elements (``id``, ``meta``, the narrative ``text`` of a resource) but keep what
    they were given, so a copy that contains ours needs no update.
    """
    if isinstance(wanted, dict):
        added_by_server = ("id", "meta", "text") if top else ()
        return isinstance(held, dict) and all(
            k in added_by_server or (k in held and contains(held[k], v, top=False)) for k, v in wanted.items()
        )
    if isinstance(wanted, list):
        return (
            isinstance(held, list)
            and len(held) == len(wanted)
            and all(contains(h, w, top=False) for h, w in zip(held, wanted, strict=True))
        )
    return bool(held == wanted)


def retired(resource: Resource, *, erroneous: bool) -> Resource | None:
    """``resource`` with its status ended; None when it stays as it is."""
    kind = str(resource.get("resourceType"))
    if kind not in _RETIRE:
        return None  # Provenance and the like are history: they stay as they are
    element, value = _RETIRE[kind]
    value = "entered-in-error" if erroneous else value
    if value is None or resource.get(element) == value:
        return None
    return narrated({**copy.deepcopy(resource), element: value})


def response_entry_of(bundle: Resource) -> Resource:
    for entry in bundle.get("entry", []):
        if entry.get("resource", {}).get("resourceType") == "QuestionnaireResponse":
            found: Resource = entry
            return found
    return {}


def _refuse_other_patient(response: str, patient: str | None, earlier: str | None) -> None:
    if earlier is None or patient == earlier:
        return
    raise ConflictError(
        conflict(
            "Dit antwoord (zelfde identifier) is eerder voor een andere patiënt verstuurd; het wordt "
            "niet voor een tweede patiënt geschreven. Geef het antwoord een eigen identifier.",
            "This response (same identifier) was sent for another patient before; it is not written "
            "for a second patient. Give the response an identifier of its own.",
        ),
        409,
    )


def _refuse_foreign_resource(patient: str | None, known: Written | None, now: Current | None) -> None:
    # An identifier in a bundle is no authority: a Goal fhir-werk wrote for one patient is never
    # overwritten by a bundle of another, whether the ledger or the target says whose it is.
    held = now.resource.get("subject", now.resource.get("patient")) if now is not None else None
    owners = {
        known.patient if known is not None else None,
        patient_key(held.get("reference")) if isinstance(held, dict) else None,
    } - {None}
    if patient is None or not owners or owners == {patient}:
        return
    raise ConflictError(
        conflict(
            "Een resource in deze bundel hoort bij een andere patiënt (grootboek of doel); er is niets "
            "geschreven.",
            "A resource in this bundle belongs to another patient (ledger or target); nothing was written.",
        ),
        409,
    )


def _retired_url(key: str) -> str:
    # Nothing refers to a retired resource; a stable fullUrl lets the push match its result.
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'fhir-werk:' + key)}"


def _version_tag(version: str | None) -> str | None:
    return f'W/"{version}"' if version else None


def _put(full_url: str | None, resource: Resource, current: Current) -> Resource:
    request: Resource = {"method": "PUT", "url": f"{resource['resourceType']}/{current.resource_id}"}
    if_match = _version_tag(current.version)
    if if_match:
        request["ifMatch"] = if_match
    entry: Resource = {"resource": {**resource, "id": current.resource_id}, "request": request}
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def _conditional_put(full_url: str | None, key: str, resource: Resource) -> Resource:
    entry: Resource = {
        "resource": resource,
        "request": {"method": "PUT", "url": f"{resource['resourceType']}?{key}"},
    }
    if full_url:
        entry["fullUrl"] = full_url
    return entry


def _judge_on_server(
    key: str, full_url: str | None, wanted: Resource, known: Written | None, now: Current | None, force: bool
) -> Planned:
    """The decision for one resource on a target that reports what it holds."""
    kind = str(wanted["resourceType"])
    if now is None:
        if known is not None and not force:
            return Planned(key, kind, "conflict", full_url, reason="verwijderd op het doel")
        return Planned(key, kind, "created", full_url, resource=wanted)
    same_as_ours = known is not None and known.version == now.version
    if contains(now.resource, wanted) or (
        same_as_ours and known is not None and known.digest == digest(wanted)
    ):
        return Planned(key, kind, "unchanged", full_url, resource=now.resource, current=now)
    if not same_as_ours and not force:
        why = "gewijzigd op het doel" if known is not None else "op het doel, niet door fhir-werk geschreven"
        return Planned(key, kind, "conflict", full_url, current=now, reason=why)
    forced = not same_as_ours
    return Planned(key, kind, "updated", full_url, _put(full_url, wanted, now), wanted, now, forced=forced)


def _judge_in_folder(key: str, full_url: str | None, wanted: Resource, known: Written | None) -> Planned:
    """The decision for one resource on a target that cannot report what it holds (a folder)."""
    kind = str(wanted["resourceType"])
    if known is None:
        return Planned(key, kind, "created", full_url, resource=wanted)
    if known.digest == digest(wanted):
        return Planned(key, kind, "unchanged", full_url, resource=wanted)
    return Planned(key, kind, "updated", full_url, _conditional_put(full_url, key, wanted), wanted)


def plan_push(
    bundle: Resource,
    *,
    earlier: Sequence[Written],
    known: Mapping[str, Written],
    current: Mapping[str, Current] | None,
    force: bool = False,
    response_entry: Resource | None = None,
) -> Plan:
    """Decide, per resource of ``bundle``, what the push writes (see the module docstring).

    ``earlier``: the ledger's rows of this response on this target; ``known``: the ledger's rows
    of the bundle's keys; ``current``: what the target holds now by key, or None for a target
    that cannot tell (then the ledger alone decides and updates are conditional PUTs).
    ``response_entry``: the response's entry of the whole extraction, when ``bundle`` is the part
    of it that consent lets through (a third party may not receive the response itself).
    Raises :class:`ConflictError` when the response belongs to another patient, or when a
    resource changed on the target since fhir-werk wrote it and ``force`` is not set.
    """
    response_entry = response_entry if response_entry is not None else response_entry_of(bundle)
    response = entry_key(response_entry)
    erroneous = response_entry.get("resource", {}).get("status") == "entered-in-error"
    patient = bundle_patient(bundle)
    _refuse_other_patient(response, patient, next((w.patient for w in earlier if w.patient), None))
    server = current is not None
    if server and current is not None and response in current:
        held = current[response].resource.get("subject", {}).get("reference")
        _refuse_other_patient(response, patient, patient_key(held) if held else None)

    entries = bundle.get("entry", [])
    # On a server, references go to the ids it gave (known for everything it already holds).
    references = (
        {
            str(e.get("fullUrl")): f"{e['resource']['resourceType']}/{current[entry_key(e)].resource_id}"
            for e in entries
            if current is not None and entry_key(e) in current and e.get("fullUrl")
        }
        if server
        else {}
    )
    planned: list[Planned] = []
    for entry in entries:
        key, full_url = entry_key(entry), entry.get("fullUrl")
        _refuse_foreign_resource(patient, known.get(key), current.get(key) if current else None)
        wanted = rewrite_references(entry["resource"], references) if server else entry["resource"]
        if server and current is not None:
            decision = _judge_on_server(key, full_url, wanted, known.get(key), current.get(key), force)
            if decision.status == "created":
                decision = Planned(
                    key,
                    decision.resource_type,
                    "created",
                    full_url,
                    {**entry, "resource": wanted},
                    wanted,
                )
        else:
            decision = _judge_in_folder(key, full_url, wanted, known.get(key))
            if decision.status == "created":
                decision = Planned(key, decision.resource_type, "created", full_url, entry, wanted)
        planned.append(decision)

    in_bundle = {p.key for p in planned}
    for row in earlier:
        if row.key in in_bundle:
            continue
        now = current.get(row.key) if current is not None else None
        base = now.resource if now is not None else row.resource
        ended = retired(base, erroneous=erroneous)
        if ended is None:
            continue
        if server:
            if now is None:
                continue  # gone from the target already: nothing left to retire
            if row.version != now.version and not force:
                planned.append(
                    Planned(
                        row.key, row.resource_type, "conflict", current=now, reason="gewijzigd op het doel"
                    )
                )
                continue
            put = _put(_retired_url(row.key), ended, now)
            planned.append(
                Planned(row.key, row.resource_type, "retired", _retired_url(row.key), put, ended, now)
            )
        else:
            put = _conditional_put(_retired_url(row.key), row.key, ended)
            planned.append(Planned(row.key, row.resource_type, "retired", _retired_url(row.key), put, ended))

    conflicts = [p for p in planned if p.status == "conflict"]
    if conflicts and not force:
        raise _conflict_error(conflicts)
    if not server and any(p.entry is not None and p.status != "created" for p in planned):
        planned = _whole_bundle_for_folder(planned, entries)
    return Plan(response, patient, tuple(planned), tuple(p for p in planned if p.forced))


def _whole_bundle_for_folder(planned: list[Planned], entries: Sequence[Resource]) -> list[Planned]:
    """A folder's importer needs every reference to resolve inside the file: send all resources."""
    by_key = {entry_key(e): e for e in entries}
    complete: list[Planned] = []
    for p in planned:
        if p.entry is None and p.status == "unchanged" and p.key in by_key:
            entry = by_key[p.key]
            p = Planned(
                p.key,
                p.resource_type,
                p.status,
                p.full_url,
                _conditional_put(p.full_url, p.key, entry["resource"]),
                p.resource,
            )
        complete.append(p)
    return complete


def _conflict_error(conflicts: Sequence[Planned]) -> ConflictError:
    issues = [
        issue(
            "error",
            "conflict",
            f"{p.resource_type} ({p.reason}): het EPD-exemplaar is gewijzigd sinds fhir-werk het schreef; "
            "er is niets verstuurd. Bekijk de wijziging, of verstuur met --force om te overschrijven.",
            f"{p.resource_type}: the EPD's copy changed since fhir-werk wrote it; nothing was sent. "
            "Review the change, or push with --force to overwrite it.",
            f"{p.resource_type}?{p.key}" if "=" in p.key else p.key,
        )
        for p in conflicts
    ]
    return ConflictError(outcome(issues), 412)
