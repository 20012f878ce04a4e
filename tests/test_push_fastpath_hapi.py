"""The first push of a response against the real HAPI FHIR server: a resource the extraction
yields is already there before the first push (someone else wrote it, or the ledger was lost).

Each case runs twice on its own fresh patient: with the first-push path (one transaction, then
the check of what the server answered 200) and with the push that asks the server first; both
must end the same: the same statuses, or the same conflict with nothing of the push left.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.adapters.fhir import FhirAdapter, FhirAdapterSettings  # type: ignore[import-not-found]
from fhir_werk.client import FhirClient
from fhir_werk.delivery import AuditLog, Ledger, PushContext, PushResult
from fhir_werk.extraction import extract
from fhir_werk.shared import ConflictError, Resource

pytestmark = pytest.mark.hapi

MOHAMED = (
    Path(__file__).parents[1]
    / "questionnaires"
    / "voorbeelden"
    / "QuestionnaireResponse-mohamed-ziek-met-contract.json"
)
KINDS = ("QuestionnaireResponse", "CarePlan", "Goal", "Observation", "ServiceRequest", "Consent")


class AsksFirst(FhirAdapter):  # type: ignore[misc]
    """The push as it was: a target without ``withdraw`` never takes the first-push path."""

    withdraw = None


def fresh_bundle(new_patient: Callable[[], str]) -> tuple[str, Resource]:
    """A fresh patient (removed after the test with all pushed for it) and the bundle extracted
    from Mohamed's response for them."""
    patient = new_patient()
    response: Resource = json.loads(MOHAMED.read_text(encoding="utf-8"))
    response.pop("id")
    response["identifier"] = {"system": "https://fhir-werk.nl/fhir/NamingSystem/test", "value": patient}
    response["subject"] = {"reference": f"Patient/{patient}"}
    return f"Patient/{patient}", extract(response)


def goal_entry(bundle: Resource) -> Resource:
    """The bundle's first Goal (it refers to the patient only, so it can stand on the server alone)."""
    found: Resource = next(e for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal")
    assert "urn:uuid:" not in json.dumps(found["resource"])
    return found


def without_expressions(outcome: Resource) -> Resource:
    return {**outcome, "issue": [{k: v for k, v in i.items() if k != "expression"} for i in outcome["issue"]]}


def on_server(client: FhirClient, patient: str) -> dict[str, list[Resource]]:
    found = {}
    for kind in KINDS:
        param = "patient" if kind == "Consent" else "subject"
        bundle = client.search(kind, {param: patient, "_count": "100"}, follow_next=True)
        found[kind] = [e["resource"] for e in bundle.get("entry", [])]
    return found


def push(
    adapter_type: type[FhirAdapter],
    client: FhirClient,
    new_patient: Callable[[], str],
    tmp_path: Path,
    goal: Resource | None,
) -> tuple[str, Any, dict[str, list[Resource]], str]:
    """Put the bundle's Goal (with ``goal`` over it; None: not at all) on the server, push the bundle
    once: (the Goal's key, the statuses in bundle order or the ConflictError, what the server holds
    for the patient, the audit outcome)."""
    patient, bundle = fresh_bundle(new_patient)
    entry = goal_entry(bundle)
    if goal is not None:
        client.create({**copy.deepcopy(entry["resource"]), **goal})
    name = adapter_type.__name__
    settings = FhirAdapterSettings(base_url=client.base_url, timeout=60)
    audit = AuditLog(tmp_path / f"{name}-{patient[8:]}-audit.sqlite3")
    with adapter_type(settings, audit=audit, ledger=Ledger(tmp_path / f"{name}-ledger.sqlite3")) as adapter:
        outcome: Any
        try:
            result: PushResult = adapter.push(bundle, PushContext())
            outcome = [(e.resource_type, e.status) for e in result.entries]
        except ConflictError as exc:
            outcome = exc
    held = on_server(client, patient)
    return entry["request"]["ifNoneExist"], outcome, held, audit.query()[-1]["outcome"]


def test_a_goal_there_with_other_content_ends_in_the_same_conflict(
    client: FhirClient, new_patient: Callable[[], str], tmp_path: Path
) -> None:
    changed = {"description": {"text": "Door de behandelaar in het EPD gezet."}}
    slow_key, slow, slow_held, slow_audit = push(AsksFirst, client, new_patient, tmp_path, changed)
    fast_key, fast, fast_held, fast_audit = push(FhirAdapter, client, new_patient, tmp_path, changed)
    assert isinstance(slow, ConflictError)
    assert isinstance(fast, ConflictError)
    # The same outcome, but for the Goal's identifier (a digest: each run has its own patient).
    assert (fast.status, without_expressions(fast.outcome)) == (
        slow.status,
        without_expressions(slow.outcome),
    )
    assert fast.outcome["issue"][0]["expression"] == [f"Goal?{fast_key}"]
    assert slow.outcome["issue"][0]["expression"] == [f"Goal?{slow_key}"]
    assert fast.outcome["issue"][0]["details"]["text"].startswith(
        "Goal (op het doel, niet door fhir-werk geschreven)"
    )
    assert (fast_audit, slow_audit) == ("4", "4")
    # Nothing of the refused push stays: only the Goal that was there, as it was (version 1).
    assert {k: len(v) for k, v in fast_held.items()} == {k: len(v) for k, v in slow_held.items()}
    (goal,) = fast_held["Goal"]
    assert goal["description"]["text"] == "Door de behandelaar in het EPD gezet."
    assert goal["meta"]["versionId"] == "1"
    assert sum(len(v) for v in fast_held.values()) == 1


def test_a_goal_there_with_our_content_is_unchanged_and_not_duplicated(
    client: FhirClient, new_patient: Callable[[], str], tmp_path: Path
) -> None:
    _, slow, slow_held, _ = push(AsksFirst, client, new_patient, tmp_path, {})
    _, fast, fast_held, audit = push(FhirAdapter, client, new_patient, tmp_path, {})
    assert fast == slow
    assert ("Goal", "unchanged") in fast
    assert {status for _, status in fast} == {"created", "unchanged"}
    assert [status for _, status in fast].count("unchanged") == 1
    assert audit == "0"
    assert {k: len(v) for k, v in fast_held.items()} == {k: len(v) for k, v in slow_held.items()}
    identifier = fast_held["Goal"][0]["identifier"][0]
    same = client.search("Goal", {"identifier": f"{identifier['system']}|{identifier['value']}"})
    assert len(same.get("entry", [])) == 1  # no duplicate
    (plan,) = fast_held["CarePlan"]
    goal_ids = {g["id"] for g in fast_held["Goal"]}
    assert {r["reference"].split("/")[1] for r in plan["goal"]} <= goal_ids


def test_nothing_there_is_one_transaction_and_all_created(
    client: FhirClient, new_patient: Callable[[], str], tmp_path: Path
) -> None:
    _, fast, held, audit = push(FhirAdapter, client, new_patient, tmp_path, None)
    assert {status for _, status in fast} == {"created"}
    assert audit == "0"
    assert len(held["CarePlan"]) == 1
