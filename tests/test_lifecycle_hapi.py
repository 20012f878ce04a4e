"""A corrected response corrects the EPD: the life cycle against the real HAPI FHIR server.

Push a response; amend one agreement, one goal, one score and remove a goal; push again → the
server holds the new texts, the removed goal is cancelled, one CarePlan, no duplicate
Observation; an identical push writes no new version; a change made on the server in between
refuses the push as a whole (nothing written, audited) unless forced.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.adapters.fhir import FhirAdapter, FhirAdapterSettings  # type: ignore[import-not-found]
from fhir_werk.client import FhirClient
from fhir_werk.delivery import AuditLog, Ledger, PushContext, PushResult
from fhir_werk.extraction import extract
from fhir_werk.shared import ConflictError, Resource

pytestmark = pytest.mark.hapi

EXAMPLE = Path(__file__).parents[1] / "questionnaires" / "voorbeelden"
MOHAMED = EXAMPLE / "QuestionnaireResponse-mohamed-ziek-met-contract.json"


@pytest.fixture
def response(client: FhirClient, patient: str) -> Resource:
    """Mohamed's response for a fresh patient, with an identifier of its own."""
    client.update({"resourceType": "Practitioner", "id": "voorbeeld-behandelaar", "name": [{"family": "V"}]})
    found: Resource = json.loads(MOHAMED.read_text(encoding="utf-8"))
    found.pop("id")
    found["identifier"] = {"system": "https://fhir-werk.nl/fhir/NamingSystem/test", "value": patient}
    found["subject"] = {"reference": f"Patient/{patient}"}
    return found


@pytest.fixture
def adapter(fhir_server_url: str, tmp_path: Path) -> Iterator[FhirAdapter]:
    settings = FhirAdapterSettings(base_url=fhir_server_url, timeout=60)
    built = FhirAdapter(
        settings, audit=AuditLog(tmp_path / "audit.sqlite3"), ledger=Ledger(tmp_path / "ledger.sqlite3")
    )
    yield built
    built.close()


def items(node: Resource, link_id: str) -> list[Resource]:
    """Every item with ``link_id`` below ``node``, in document order."""
    found: list[Resource] = []
    for item in node.get("item", []):
        if item.get("linkId") == link_id:
            found.append(item)
        found.extend(items(item, link_id))
        for answer in item.get("answer", []):
            found.extend(items(answer, link_id))
    return found


def amended(response: Resource) -> Resource:
    changed = copy.deepcopy(response)
    changed["status"] = "amended"
    items(changed, "afspraak-wat")[0]["answer"] = [{"valueString": "Opbouwschema samen met de bedrijfsarts."}]
    items(changed, "behandeldoel-tekst")[0]["answer"] = [
        {"valueString": "Binnen drie maanden 24 uur werken."}
    ]
    items(changed, "t1-invloed-gezondheid")[0]["answer"] = [{"valueInteger": 6}]
    (step_3,) = items(changed, "stap-3")
    second_goal = [i for i in step_3["item"] if i["linkId"] == "behandeldoel"][1]
    step_3["item"] = [i for i in step_3["item"] if i is not second_goal]
    return changed


def on_server(client: FhirClient, resource_type: str, patient: str) -> list[Resource]:
    param = "patient" if resource_type == "Consent" else "subject"
    found = client.search(resource_type, {param: patient, "_count": "100"}, follow_next=True)
    return [e["resource"] for e in found.get("entry", [])]


def versions(client: FhirClient, result: PushResult) -> dict[str, int]:
    """How many versions the server holds of every resource the push touched."""
    counts = {}
    for entry in result.entries:
        history = client.search(f"{entry.resource_type}/{entry.id}/_history", {"_count": "100"})
        counts[f"{entry.resource_type}/{entry.id}"] = int(history.get("total", len(history.get("entry", []))))
    return counts


def statuses(result: PushResult) -> dict[str, int]:
    counts: dict[str, int] = {}
    for entry in result.entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    return counts


def test_an_amended_response_corrects_the_epd(
    client: FhirClient, adapter: FhirAdapter, response: Resource
) -> None:
    patient = response["subject"]["reference"]
    first = adapter.push(extract(response), PushContext())
    assert set(statuses(first)) == {"created"}
    goals_before = on_server(client, "Goal", patient)
    observations_before = len(on_server(client, "Observation", patient))
    assert len(goals_before) == 3  # two treatment goals and the "1 punt hoger" goal

    second = adapter.push(extract(amended(response)), PushContext())
    counts = statuses(second)
    assert counts.get("retired") == 1  # the removed goal
    assert counts.get("updated", 0) >= 4  # response, agreement (CarePlan), goal, score, ...
    assert "conflict" not in counts

    (plan,) = on_server(client, "CarePlan", patient)
    assert any(
        a.get("detail", {}).get("description") == "Opbouwschema samen met de bedrijfsarts."
        for a in plan.get("activity", [])
    )
    goals = {g["id"]: g for g in on_server(client, "Goal", patient)}
    assert set(goals) == {g["id"] for g in goals_before}  # the same Goals: updated, or cancelled
    texts = sorted((g["description"]["text"], g["lifecycleStatus"]) for g in goals.values())
    assert ("Binnen drie maanden 24 uur werken.", "proposed") in texts
    assert [status for _, status in texts].count("cancelled") == 1
    assert [r["reference"] for r in plan["goal"]] == [
        f"Goal/{gid}" for gid, g in goals.items() if g["lifecycleStatus"] != "cancelled"
    ]
    observations = on_server(client, "Observation", patient)
    assert len(observations) == observations_before  # updated in place, never duplicated
    assert 6 in [o.get("valueInteger") for o in observations]
    (stored,) = client.search("QuestionnaireResponse", {"subject": patient}).get("entry", [])
    assert stored["resource"]["status"] == "amended"

    before = versions(client, second)
    third = adapter.push(extract(amended(response)), PushContext())
    assert set(statuses(third)) == {"unchanged"}
    assert versions(client, second) == before  # an identical push writes no new version


def test_a_change_made_in_the_epd_is_never_overwritten(
    client: FhirClient, adapter: FhirAdapter, response: Resource, tmp_path: Path
) -> None:
    patient = response["subject"]["reference"]
    first = adapter.push(extract(response), PushContext())
    plan_id = next(e.id for e in first.entries if e.resource_type == "CarePlan")
    plan = client.read("CarePlan", str(plan_id)).resource
    assert plan is not None
    client.update({**plan, "note": [{"text": "Aangepast door de behandelaar in het EPD."}]})
    before = versions(client, first)

    with pytest.raises(ConflictError) as caught:
        adapter.push(extract(amended(response)), PushContext())
    problem = caught.value.outcome["issue"][0]
    assert (caught.value.status, problem["severity"], problem["code"]) == (412, "error", "conflict")
    assert problem["details"]["text"].startswith("CarePlan (gewijzigd op het doel)")
    assert versions(client, first) == before  # nothing of the push was written
    (stored,) = client.search("QuestionnaireResponse", {"subject": patient}).get("entry", [])
    assert stored["resource"]["status"] == "completed"
    events = AuditLog(tmp_path / "audit.sqlite3").query()
    assert [e["outcome"] for e in events] == ["0", "4"]
    assert "gewijzigd" in events[-1]["outcomeDesc"]

    forced = adapter.push(extract(amended(response)), PushContext(force=True))
    assert statuses(forced).get("updated", 0) >= 4
    kept = client.read("CarePlan", str(plan_id)).resource
    assert kept is not None
    assert "note" not in kept
    assert "--force" in AuditLog(tmp_path / "audit.sqlite3").query()[-1]["outcomeDesc"]


def test_a_response_identifier_is_never_written_for_a_second_patient(
    client: FhirClient, adapter: FhirAdapter, response: Resource, new_patient: Callable[[], str]
) -> None:
    adapter.push(extract(response), PushContext())
    other = new_patient()
    stolen: dict[str, Any] = {**copy.deepcopy(response), "subject": {"reference": f"Patient/{other}"}}
    with pytest.raises(ConflictError) as caught:
        adapter.push(extract(stolen), PushContext())
    assert caught.value.status == 409
    assert "andere patiënt" in caught.value.outcome["issue"][0]["details"]["text"]
    assert on_server(client, "CarePlan", f"Patient/{other}") == []


def test_a_response_entered_in_error_retires_everything_extracted_from_it(
    client: FhirClient, adapter: FhirAdapter, response: Resource, tmp_path: Path
) -> None:
    patient = response["subject"]["reference"]
    adapter.push(extract(amended(response)), PushContext())
    withdrawn = {**copy.deepcopy(response), "status": "entered-in-error"}  # the removed goal is back
    result = adapter.push(extract(withdrawn), PushContext())
    assert "conflict" not in statuses(result)
    for kind, element in [
        ("CarePlan", "status"),
        ("Observation", "status"),
        ("ServiceRequest", "status"),
        ("Consent", "status"),
        ("Goal", "lifecycleStatus"),
    ]:
        found = on_server(client, kind, patient)
        assert found, kind
        assert {r[element] for r in found} == {"entered-in-error"}, kind
    (stored,) = client.search("QuestionnaireResponse", {"subject": patient}).get("entry", [])
    assert stored["resource"]["status"] == "entered-in-error"
    (plan,) = on_server(client, "CarePlan", patient)
    provenances = client.search("Provenance", {"target": f"CarePlan/{plan['id']}"}).get("entry", [])
    assert "NULLIFY" in {p["resource"]["activity"]["coding"][0]["code"] for p in provenances}
    assert AuditLog(tmp_path / "audit.sqlite3").query()[-1]["outcome"] == "0"


@pytest.mark.parametrize(
    "fixture",
    [
        "smartforms-1.4.0-mohamed-ziek-met-contract-clicked.json",
        "smartforms-1.4.0-sanne-werkt-met-klachten.json",
    ],
)
def test_what_smart_forms_hands_back_is_accepted_by_hapi(
    client: FhirClient, new_patient: Callable[[], str], tmp_path: Path, fixture: str
) -> None:
    """A response exactly as Smart Forms 1.4.0 returns it (``_display`` translations kept) extracts to
    a bundle the server accepts, with the translation still on the coding."""
    path = Path(__file__).parent / "fixtures" / "renderers" / fixture
    rendered: Resource = json.loads(path.read_text(encoding="utf-8"))
    # A patient and response identity of this run's own: the example's may be on the server already.
    patient = new_patient()  # removed after the test, with all pushed for it
    rendered["subject"] = {"reference": f"Patient/{patient}"}
    rendered["identifier"] = {"system": "https://fhir-werk.nl/fhir/NamingSystem/test", "value": patient}
    rendered.pop("id", None)
    client.update({"resourceType": "Practitioner", "id": "voorbeeld-behandelaar", "name": [{"family": "V"}]})
    bundle = extract(rendered)
    settings = FhirAdapterSettings(base_url=client.base_url, timeout=60)
    with FhirAdapter(settings, audit=AuditLog(tmp_path / "a.sqlite3")) as adapter:
        result = adapter.push(bundle, PushContext())
    assert set(statuses(result)) == {"created"}
    if "clicked" in fixture:
        referral = next(e for e in result.entries if e.resource_type == "ServiceRequest")
        stored = client.read("ServiceRequest", str(referral.id)).resource
        assert stored is not None
        assert "_display" in json.dumps(stored)  # the translation travelled with the coding
