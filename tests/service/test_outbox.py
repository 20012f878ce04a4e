"""The outbox and its worker: delivery through the adapters, backoff, dead letters, a consent
refusal that is final, ``$delivery`` per target, and ``fhir-werk outbox list|retry|drop``."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

import pytest
from typer.testing import CliRunner

from fhir_werk.cli import app as cli
from fhir_werk.client import error_from_status
from fhir_werk.delivery import PushContext, PushResult
from fhir_werk.service import ServiceSettings, Store, Worker, depth, jobs
from fhir_werk.service.storage._audit import SqlAuditLog
from fhir_werk.shared import (
    RemoteRejectedError,
    RemoteUnavailableError,
    Resource,
    bad_request,
    issue,
    outcome,
)

from .kit import FHIR, TestClient, assert_outcome, body, example, post


def _delivery(client: TestClient, response_id: str) -> list[dict[str, Any]]:
    answer = client.get(f"/fhir/QuestionnaireResponse/{response_id}/$delivery")
    assert answer.status_code == 200
    return [
        {
            part["name"]: next(v for k, v in part.items() if k.startswith("value") or k == "part")
            for part in p["part"]
        }
        for p in answer.json()["parameter"]
    ]


def test_the_worker_delivers_into_the_file_target(
    client: TestClient, worker: Worker, settings: ServiceSettings
) -> None:
    stored = post(client, example()).json()
    (before,) = _delivery(client, stored["id"])
    assert (before["target"], before["state"], before["attempts"]) == ("file", "queued", 0)
    assert "nextTry" in before
    assert worker.deliver_one() is not None
    assert worker.deliver_one() is None  # nothing else due
    (after,) = _delivery(client, stored["id"])
    assert (after["state"], after["attempts"]) == ("delivered", 1)
    written = [
        p
        for p in client.get(f"/fhir/QuestionnaireResponse/{stored['id']}/$delivery").json()["parameter"][0][
            "part"
        ]
        if p["name"] == "written"
    ]
    assert {p["part"][1]["valueString"] for p in written} == {"created"}
    files = list(settings.delivery_directory.glob("*.json"))
    assert len(files) == 1
    assert json.loads(files[0].read_text())["type"] == "transaction"


def test_an_amended_response_is_delivered_as_an_update(
    client: TestClient, worker: Worker, settings: ServiceSettings
) -> None:
    stored = post(client, example()).json()
    worker.deliver_one()
    amended = stored | {"status": "amended"}
    client.put(f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(amended), headers=FHIR)
    worker.deliver_one()
    (state,) = _delivery(client, stored["id"])
    assert (state["version"], state["state"]) == (2, "delivered")
    # The file adapter writes a later version next to the first, never over it.
    assert len(list(settings.delivery_directory.glob("*.json"))) == 2


class _Failing:
    """An adapter that fails every push with the error it was given."""

    name: ClassVar[str] = "stuk"
    error: ClassVar[Exception] = RemoteUnavailableError(
        outcome([issue("error", "transient", "Het EPD antwoordt niet.", "The EPD does not answer.")])
    )
    pushes: ClassVar[int] = 0

    def push(self, bundle: Resource, context: PushContext) -> PushResult:
        type(self).pushes += 1
        raise type(self).error

    def close(self) -> None:
        """Nothing to close."""


def _failing_worker(client: TestClient, settings: ServiceSettings, error: Exception) -> Worker:
    _Failing.error, _Failing.pushes = error, 0
    store: Store = client.app.state.service.store  # type: ignore[attr-defined]
    return Worker(store, settings, adapters=lambda _target: _Failing())  # type: ignore[arg-type,return-value]


def test_a_failing_target_is_retried_with_backoff_then_dead(
    client: TestClient, settings: ServiceSettings
) -> None:
    settings.max_attempts = 3
    settings.backoff_seconds = 1000.0  # the second try is not due at once
    stored = post(client, example()).json()
    deliverer = _failing_worker(client, settings, _Failing.error)
    deliverer.deliver_one()
    (state,) = _delivery(client, stored["id"])
    assert (state["state"], state["attempts"], state["lastError"]) == (
        "retrying",
        1,
        "Het EPD antwoordt niet.",
    )
    assert deliverer.deliver_one() is None  # backing off
    engine = client.app.state.service.engine  # type: ignore[attr-defined]
    (job,) = jobs(engine)
    settings.backoff_seconds = 0.0001
    with engine.begin() as db:  # time passes
        db.exec_driver_sql("UPDATE deliveries SET next_try = 0")
    deliverer.deliver_one()
    (job2,) = jobs(engine)
    assert job2.next_try - job.next_try < 1000  # the wait doubled from the (now tiny) base
    with engine.begin() as db:
        db.exec_driver_sql("UPDATE deliveries SET next_try = 0")
    deliverer.deliver_one()
    (state,) = _delivery(client, stored["id"])
    assert (state["state"], state["attempts"]) == ("dead", 3)
    assert "nextTry" not in state
    assert _Failing.pushes == 3
    assert depth(engine) == 0


def test_a_rejected_bundle_is_dead_at_once(client: TestClient, settings: ServiceSettings) -> None:
    stored = post(client, example()).json()
    rejected = RemoteRejectedError(bad_request("Het EPD weigert de bundel.", "The EPD rejects the bundle."))
    _failing_worker(client, settings, rejected).deliver_one()
    (state,) = _delivery(client, stored["id"])
    assert (state["state"], state["attempts"], state["lastError"]) == (
        "dead",
        1,
        "Het EPD weigert de bundel.",
    )


def test_the_dead_jobs_reason_says_what_the_server_objected_to(
    client: TestClient, settings: ServiceSettings
) -> None:
    stored = post(client, example()).json()
    said = {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "code-invalid",
                "diagnostics": "Unknown code 'https://fhir-werk.nl/fhir/CodeSystem/doelsoort#werk'",
                "expression": ["Goal.category[0].coding[0]"],
            }
        ],
    }
    _failing_worker(client, settings, error_from_status(422, said)).deliver_one()
    (state,) = _delivery(client, stored["id"])
    assert (state["state"], state["lastError"]) == (
        "dead",
        "De server weigerde de aanvraag (HTTP 422 Unprocessable Entity). Server: error code-invalid "
        "[Goal.category[0].coding[0]]: Unknown code 'https://fhir-werk.nl/fhir/CodeSystem/doelsoort#werk'",
    )


def test_a_consent_refusal_is_final_and_audited(client: TestClient, settings: ServiceSettings) -> None:
    settings.recipient = "werkgever"
    stored = post(client, example("pieter-deelt-niets")).json()
    store: Store = client.app.state.service.store  # type: ignore[attr-defined]
    deliverer = Worker(store, settings)
    deliverer.deliver_one()
    assert deliverer.deliver_one() is None
    (state,) = _delivery(client, stored["id"])
    assert (state["state"], state["attempts"]) == ("dead", 1)
    assert state["lastError"].startswith("geen toestemming: Geen actieve toestemming van de patiënt")
    assert not list(settings.delivery_directory.glob("*.json"))
    # In the service's database, not a file of the data folder (every machine sees it).
    assert not (settings.data_dir / "audit.sqlite3").exists()
    events = SqlAuditLog(store.engine).query()
    assert any("Geen actieve toestemming" in json.dumps(e, ensure_ascii=False) for e in events)
    deliverer.close()


def test_delivery_of_an_unknown_response_is_404(client: TestClient) -> None:
    assert_outcome(client.get("/fhir/QuestionnaireResponse/onbekend/$delivery"), 404, "not-found")


def _cli(settings: ServiceSettings, *args: str) -> Any:
    env = {"FHIR_WERK_DATA_DIR": str(settings.data_dir)}
    return CliRunner().invoke(cli, list(args), env=env)


def test_outbox_list_retry_and_drop(client: TestClient, settings: ServiceSettings, tmp_path: Path) -> None:
    stored = post(client, example()).json()
    rejected = RemoteRejectedError(bad_request("Het EPD weigert de bundel.", "The EPD rejects the bundle."))
    _failing_worker(client, settings, rejected).deliver_one()
    listed = _cli(settings, "outbox", "list", "--json")
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.stdout)
    assert (row["response"], row["state"], row["lastError"]) == (
        stored["id"],
        "dead",
        "Het EPD weigert de bundel.",
    )
    assert _cli(settings, "outbox", "retry", str(row["job"])).exit_code == 0
    assert _delivery(client, stored["id"])[0]["state"] == "queued"
    assert _cli(settings, "outbox", "drop", str(row["job"])).exit_code == 0
    assert _delivery(client, stored["id"])[0]["state"] == "dropped"
    text = _cli(settings, "outbox", "list", "--state", "dropped")
    assert f"{stored['id']}/_history/1  file  dropped" in text.stdout
    missing = _cli(settings, "outbox", "drop", "999")
    assert missing.exit_code == 1
    assert "Aflevering 999 bestaat niet" in missing.output


def test_outbox_retry_dead_queues_every_dead_job_at_once_and_audits_it(
    client: TestClient, settings: ServiceSettings
) -> None:
    rejected = RemoteRejectedError(bad_request("Het EPD weigert de bundel.", "The EPD rejects the bundle."))
    ids = [post(client, example(identifier={"value": f"dood-{n}"})).json()["id"] for n in range(5)]
    worker = _failing_worker(client, settings, rejected)
    for _ in ids:
        worker.deliver_one()
    assert {_delivery(client, i)[0]["state"] for i in ids} == {"dead"}
    done = _cli(settings, "outbox", "retry", "--dead")
    assert done.exit_code == 0, done.output
    assert len(json.loads(done.stderr)["jobs"]) == 5
    assert {_delivery(client, i)[0]["state"] for i in ids} == {"queued"}
    events = client.get("/fhir/AuditEvent").json()["entry"]
    retried = [e["resource"] for e in events if "opnieuw klaargezet" in e["resource"].get("outcomeDesc", "")]
    assert len(retried) == 1
    assert retried[0]["agent"][0]["who"]["display"] == "fhir-werk outbox retry --dead"
    assert _cli(settings, "outbox", "retry").exit_code == 2  # neither a number nor --dead
    assert _cli(settings, "outbox", "retry", "1", "--dead").exit_code == 2


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "::"])
def test_serve_refuses_another_interface_without_auth(host: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["serve", "--host", host], env={"FHIR_WERK_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 2
    assert f"Weigert te luisteren op '{host}': er is geen authenticatie ingesteld" in result.output
    assert not (tmp_path / "fhir-werk.sqlite3").exists()  # refused before anything was made


def test_fhir_werk_worker_once_delivers_what_is_due(client: TestClient, settings: ServiceSettings) -> None:
    stored = post(client, example()).json()
    result = _cli(settings, "worker", "--once")
    assert result.exit_code == 0, result.output
    assert "1 aflevering(en) geprobeerd." in result.stderr
    assert _delivery(client, stored["id"])[0]["state"] == "delivered"
    assert len(list(settings.delivery_directory.glob("*.json"))) == 1


def test_jobs_of_one_patient_go_out_in_order(client: TestClient, settings: ServiceSettings) -> None:
    from fhir_werk.service.storage._queue import claim

    engine = client.app.state.service.engine  # type: ignore[attr-defined]
    first = post(client, example()).json()
    second = post(client, example(identifier={"system": "https://example.org", "value": "2"})).json()
    other = post(client, example("sanne-werkt-met-klachten")).json()
    held = claim(engine, 60)
    assert held is not None
    assert held.response_id == first["id"]
    # While the first is held (say by a worker that was killed), the same patient's next one
    # waits; another patient's does not.
    nxt = claim(engine, 60)
    assert nxt is not None
    assert nxt.response_id == other["id"]
    assert claim(engine, 60) is None
    store: Store = client.app.state.service.store  # type: ignore[attr-defined]
    with engine.begin() as db:  # the lease of the killed worker runs out
        db.exec_driver_sql("UPDATE deliveries SET claimed_until = 0")
    deliverer = Worker(store, settings)
    assert deliverer.deliver_one().response_id == first["id"]  # type: ignore[union-attr]
    assert deliverer.deliver_one().response_id == second["id"]  # type: ignore[union-attr]
    assert deliverer.deliver_one().response_id == other["id"]  # type: ignore[union-attr]
    deliverer.close()


def test_a_settings_file_is_read_and_the_environment_wins(
    client: TestClient, settings: ServiceSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    post(client, example())
    config = tmp_path / "fhir-werk.env"
    config.write_text(f"FHIR_WERK_DATA_DIR={settings.data_dir}\nPATH=/nergens\nFHIR_WERK_SERVICE_PORT=9999\n")
    monkeypatch.setenv("FHIR_WERK_SERVICE_PORT", "8123")  # restored (and the file's names removed) after
    monkeypatch.setenv("FHIR_WERK_DATA_DIR", "placeholder")
    monkeypatch.delenv("FHIR_WERK_DATA_DIR")
    listed = CliRunner().invoke(cli, ["outbox", "list", "--json", "--config", str(config)])
    assert listed.exit_code == 0, listed.output
    assert len(json.loads(listed.stdout)) == 1
    from fhir_werk.service import ServiceSettings as Fresh

    assert Fresh().port == 8123
    assert os.environ["PATH"] != "/nergens"
    missing = CliRunner().invoke(cli, ["outbox", "list", "--config", str(tmp_path / "weg.env")])
    assert missing.exit_code == 2
    assert "Instellingenbestand" in missing.output
