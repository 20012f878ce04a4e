"""The life-cycle planner, pure: what a push creates, updates, leaves, retires or refuses."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.delivery import (
    Current,
    Written,
    contains,
    digest,
    entry_key,
    plan_push,
    retired,
    rewrite_references,
)
from fhir_werk.shared import ConflictError, Resource

BUNDLE: Resource = json.loads(
    (Path(__file__).parent / "fixtures" / "push" / "bundle.json").read_text("utf-8")
)
RESPONSE = entry_key(BUNDLE["entry"][0])
PATIENT = "Patient/fw-push-1"


def ledger_of(bundle: Resource, version: str | None = None) -> list[Written]:
    """The ledger as it stands after ``bundle`` was written (ids ``1``, ``2`` … on a server)."""
    return [
        Written(
            entry_key(e),
            RESPONSE,
            PATIENT,
            e["resource"]["resourceType"],
            str(i) if version else None,
            version,
            digest(e["resource"]),
            e["resource"],
        )
        for i, e in enumerate(bundle["entry"])
    ]


def on_server(bundle: Resource, version: str = "1") -> dict[str, Current]:
    """The bundle as a server holds it: ids ``0``, ``1`` …, references resolved to them."""
    ids = {e["fullUrl"]: f"{e['resource']['resourceType']}/{i}" for i, e in enumerate(bundle["entry"])}
    return {
        entry_key(e): Current(
            str(i),
            version,
            {**rewrite_references(e["resource"], ids), "id": str(i), "meta": {"versionId": version}},
        )
        for i, e in enumerate(bundle["entry"])
    }


def goal_changed() -> Resource:
    changed = copy.deepcopy(BUNDLE)
    changed["entry"][3]["resource"]["description"] = {"text": "Een ander doel."}
    return changed


def by_status(plan_statuses: list[tuple[str, str]], status: str) -> list[str]:
    return [kind for kind, s in plan_statuses if s == status]


def test_first_push_creates_everything_as_the_extraction_wrote_it() -> None:
    plan = plan_push(BUNDLE, earlier=[], known={}, current={}, force=False)
    assert {p.status for p in plan.planned} == {"created"}
    assert plan.bundle()["entry"][0] == BUNDLE["entry"][0]


def test_identical_content_sends_nothing() -> None:
    plan = plan_push(BUNDLE, earlier=[], known={}, current=on_server(BUNDLE))
    assert {p.status for p in plan.planned} == {"unchanged"}
    assert plan.bundle()["entry"] == []


def test_a_changed_goal_is_put_in_place_guarded_by_its_version() -> None:
    rows = ledger_of(BUNDLE, version="1")
    plan = plan_push(goal_changed(), earlier=rows, known={r.key: r for r in rows}, current=on_server(BUNDLE))
    (sent,) = plan.bundle()["entry"]
    assert sent["request"] == {"method": "PUT", "url": "Goal/3", "ifMatch": 'W/"1"'}
    assert sent["resource"]["description"] == {"text": "Een ander doel."}
    assert plan.counts() == {"unchanged": 8, "updated": 1}


def test_a_copy_changed_on_the_server_is_a_conflict_unless_forced() -> None:
    rows = ledger_of(BUNDLE, version="1")
    moved_on = on_server(BUNDLE, version="2")
    with pytest.raises(ConflictError) as caught:
        plan_push(goal_changed(), earlier=rows, known={r.key: r for r in rows}, current=moved_on)
    (problem,) = caught.value.outcome["issue"]
    assert (caught.value.status, problem["code"]) == (412, "conflict")
    assert problem["expression"] == [f"Goal?{BUNDLE['entry'][3]['request']['ifNoneExist']}"]
    forced = plan_push(
        goal_changed(), earlier=rows, known={r.key: r for r in rows}, current=moved_on, force=True
    )
    (sent,) = forced.bundle()["entry"]
    assert sent["request"]["ifMatch"] == 'W/"2"'  # overwrite exactly the version that was seen
    assert len(forced.forced) == 1


def test_content_on_the_server_that_fhir_werk_did_not_write_is_not_overwritten() -> None:
    with pytest.raises(ConflictError):
        plan_push(goal_changed(), earlier=[], known={}, current=on_server(BUNDLE))


def test_a_resource_deleted_on_the_server_is_not_silently_recreated() -> None:
    rows = ledger_of(BUNDLE, version="1")
    gone = {k: v for k, v in on_server(BUNDLE).items() if not k.endswith("push-goal-1")}
    with pytest.raises(ConflictError) as caught:
        plan_push(BUNDLE, earlier=rows, known={r.key: r for r in rows}, current=gone)
    assert "verwijderd" in caught.value.outcome["issue"][0]["details"]["text"]


def test_what_the_new_version_no_longer_yields_is_retired() -> None:
    rows = ledger_of(BUNDLE, version="1")
    fewer = copy.deepcopy(BUNDLE)
    del fewer["entry"][4]  # the second goal
    plan = plan_push(fewer, earlier=rows, known={r.key: r for r in rows}, current=on_server(BUNDLE))
    (sent,) = [p for p in plan.planned if p.status == "retired"]
    assert sent.entry is not None
    assert sent.entry["resource"]["lifecycleStatus"] == "cancelled"
    assert sent.entry["request"] == {"method": "PUT", "url": "Goal/4", "ifMatch": 'W/"1"'}


def test_entered_in_error_retires_everything_with_that_status() -> None:
    rows = ledger_of(BUNDLE, version="1")
    error = copy.deepcopy(BUNDLE)
    error["entry"][0]["resource"]["status"] = "entered-in-error"
    del error["entry"][1]  # an Observation the response no longer yields
    plan = plan_push(error, earlier=rows, known={r.key: r for r in rows}, current=on_server(BUNDLE))
    (gone,) = [p for p in plan.planned if p.status == "retired"]
    assert gone.resource_type == "Observation"
    assert gone.entry is not None
    assert gone.entry["resource"]["status"] == "entered-in-error"


def test_a_folder_target_updates_by_conditional_put_and_sends_the_whole_bundle() -> None:
    rows = ledger_of(BUNDLE)
    plan = plan_push(goal_changed(), earlier=rows, known={r.key: r for r in rows}, current=None)
    requests = [e["request"] for e in plan.bundle()["entry"]]
    assert len(requests) == len(BUNDLE["entry"])  # every reference resolves inside the file
    assert requests[3] == {"method": "PUT", "url": "Goal?" + BUNDLE["entry"][3]["request"]["ifNoneExist"]}
    assert plan.counts() == {"unchanged": 8, "updated": 1}


def test_a_response_identifier_for_another_patient_is_refused() -> None:
    rows = [
        Written(RESPONSE, RESPONSE, "Patient/iemand-anders", "QuestionnaireResponse", None, None, "x", {})
    ]
    with pytest.raises(ConflictError) as caught:
        plan_push(BUNDLE, earlier=rows, known={}, current=None)
    assert caught.value.status == 409


def test_contains_ignores_what_servers_add_but_not_nested_text() -> None:
    wanted = {"resourceType": "Goal", "description": {"text": "Nieuw"}}
    assert contains({**wanted, "id": "1", "meta": {"versionId": "3"}, "text": {"div": "<div/>"}}, wanted)
    assert not contains({"resourceType": "Goal", "description": {"text": "Oud"}}, wanted)
    assert not contains(
        {"resourceType": "Goal", "description": {"text": "Nieuw"}, "note": []}, {**wanted, "x": 1}
    )


def _without_text(resource: dict[str, Any] | None) -> dict[str, Any]:
    assert resource is not None
    return {k: v for k, v in resource.items() if k != "text"}


def test_retired_statuses_per_type() -> None:
    goal = retired({"resourceType": "Goal", "lifecycleStatus": "active"}, erroneous=False)
    assert _without_text(goal) == {"resourceType": "Goal", "lifecycleStatus": "cancelled"}
    assert retired({"resourceType": "Observation", "status": "final"}, erroneous=False) is None
    consent = retired({"resourceType": "Consent", "status": "active"}, erroneous=True)
    assert _without_text(consent) == {"resourceType": "Consent", "status": "entered-in-error"}
    # The narrative is made again: it must not keep saying the old status.
    assert goal is not None
    assert "Status: geannuleerd" in goal["text"]["div"]
    assert consent is not None
    assert "Status: foutief ingevoerd" in consent["text"]["div"]
    assert retired({"resourceType": "Goal", "lifecycleStatus": "cancelled"}, erroneous=False) is None
