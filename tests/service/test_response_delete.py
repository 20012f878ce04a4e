"""QuestionnaireResponse delete as the FHIR-conform retraction: a new entered-in-error version
(queued, so the plan is retracted at the target), then read 410, vread of the earlier versions
200, ``_history`` with the DELETE, search without it; scope ``.d``; audited as action D."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir_werk.service import ServiceSettings, Worker, jobs

from .auth_kit import bearer, idp, secured, token
from .kit import FHIR, TestClient, assert_outcome, body, example, post

__all__ = ["idp", "secured"]  # the fixtures, imported for pytest


def _engine(client: TestClient) -> Any:
    return client.app.state.service.engine  # type: ignore[attr-defined]


def test_delete_retracts_then_read_is_410_and_the_history_stays(
    client: TestClient, worker: Worker, settings: ServiceSettings
) -> None:
    stored = post(client, example()).json()
    url = f"/fhir/QuestionnaireResponse/{stored['id']}"
    assert worker.deliver_one() is not None
    answer = client.delete(url)
    assert answer.status_code == 200
    assert answer.headers["etag"] == 'W/"2"'
    done = answer.json()
    assert done["resourceType"] == "OperationOutcome"
    assert done["issue"][0]["severity"] == "information"
    assert_outcome(client.get(url), 410, "not-found", "is verwijderd")
    assert_outcome(client.get(f"{url}/_history/2"), 410, "not-found")
    earlier = client.get(f"{url}/_history/1")
    assert earlier.status_code == 200
    assert earlier.json()["status"] == "completed"
    entries = client.get(f"{url}/_history").json()["entry"]
    assert [e["request"]["method"] for e in entries] == ["DELETE", "POST"]
    assert "resource" not in entries[0]
    assert entries[0]["response"]["etag"] == 'W/"2"'
    assert client.get("/fhir/QuestionnaireResponse").json()["total"] == 0
    found = client.get("/fhir/QuestionnaireResponse", params={"status": "entered-in-error"}).json()
    assert found["total"] == 0
    # The retraction is queued and delivered like an update: the target gets entered-in-error.
    queued = [job for job in jobs(_engine(client), response_id=stored["id"]) if job.version == 2]
    assert [job.state for job in queued] == ["queued"]
    assert worker.deliver_one() is not None
    (retracted,) = [
        bundle
        for path in sorted((settings.data_dir / "aflevering").glob("*.json"))
        if (bundle := json.loads(path.read_text()))
        and any(e["resource"].get("status") == "entered-in-error" for e in bundle["entry"])
    ]
    kinds = {e["resource"]["resourceType"] for e in retracted["entry"]}
    assert "CarePlan" in kinds


def test_a_second_delete_changes_nothing(client: TestClient) -> None:
    stored = post(client, example()).json()
    url = f"/fhir/QuestionnaireResponse/{stored['id']}"
    assert client.delete(url).status_code == 200
    again = client.delete(url)
    assert again.status_code == 200
    assert "al verwijderd" in again.json()["issue"][0]["details"]["text"]
    assert len(client.get(f"{url}/_history").json()["entry"]) == 2


def test_a_deleted_draft_queues_nothing(client: TestClient) -> None:
    stored = post(client, example(status="in-progress")).json()
    assert client.delete(f"/fhir/QuestionnaireResponse/{stored['id']}").status_code == 200
    assert jobs(_engine(client), response_id=stored["id"]) == []


def test_if_match_on_an_old_version_is_412_and_unknown_is_404(client: TestClient) -> None:
    stored = post(client, example()).json()
    url = f"/fhir/QuestionnaireResponse/{stored['id']}"
    assert_outcome(client.delete(url, headers={"If-Match": 'W/"7"'}), 412, "conflict")
    assert client.get(url).status_code == 200
    assert_outcome(client.delete("/fhir/QuestionnaireResponse/bestaat-niet"), 404, "not-found")


def test_a_put_after_the_delete_brings_the_response_back(client: TestClient) -> None:
    stored = post(client, example()).json()
    url = f"/fhir/QuestionnaireResponse/{stored['id']}"
    client.delete(url)
    back = client.put(url, content=body(stored | {"status": "amended"}), headers=FHIR)
    assert back.status_code == 200, back.text[:300]
    assert back.json()["meta"]["versionId"] == "3"
    assert client.get(url).status_code == 200
    assert client.get("/fhir/QuestionnaireResponse").json()["total"] == 1


def test_delete_needs_the_d_scope_and_is_audited_as_d(secured: TestClient, tmp_path: Path) -> None:
    stored = post(secured, example(), **bearer(token())).json()
    url = f"/fhir/QuestionnaireResponse/{stored['id']}"
    reader = bearer(token("user/QuestionnaireResponse.cruds".replace("d", "")))
    assert_outcome(secured.delete(url, headers=reader), 403, "forbidden", "QuestionnaireResponse.d")
    other = bearer(token("patient/QuestionnaireResponse.d", patient="iemand-anders"))
    assert_outcome(secured.delete(url, headers=other), 403, "forbidden")
    # A colleague of the author may not delete it (issue 19); the author may.
    colleague = bearer(token("user/QuestionnaireResponse.d", sub="arts-3", fhirUser="Practitioner/arts-3"))
    assert_outcome(
        secured.delete(url, headers=colleague), 403, "forbidden", "niet de gebruiker van het token"
    )
    author = "Practitioner/voorbeeld-behandelaar"
    deleter = bearer(token("user/QuestionnaireResponse.d", sub="arts-3", fhirUser=author))
    assert secured.delete(url, headers=deleter).status_code == 200
    events = secured.get("/fhir/AuditEvent", params={"patient": "voorbeeld-els"}, headers=bearer(token()))
    deletes = [e["resource"] for e in events.json()["entry"] if e["resource"].get("action") == "D"]
    # The three refused deletes are audited too (outcome 4), under the patient they reached for.
    assert sorted(event["outcome"] for event in deletes) == ["0", "4", "4", "4"]
    (event,) = [event for event in deletes if event["outcome"] == "0"]
    assert event["subtype"][0]["code"] == "delete"
    assert event["agent"][0]["who"] == {
        "identifier": {"value": "arts-3"},
        "reference": "Practitioner/voorbeeld-behandelaar",
    }
    assert {"reference": f"QuestionnaireResponse/{stored['id']}"} in [
        entity["what"] for entity in event["entity"]
    ]
