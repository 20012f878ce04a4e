"""A ``patient/`` token reaches its own patient only; a ``system/`` or ``user/`` token reaches all;
and every read of patient data and every write is an AuditEvent that names who, never the token."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.service import ServiceSettings

from .auth_kit import auth_settings, bearer, idp, post_as, secured, stored, token
from .kit import FHIR, TestClient, assert_outcome, example

__all__ = ["idp", "secured", "stored"]  # the fixtures, imported for pytest

QR = "/fhir/QuestionnaireResponse"


def els_token() -> str:
    """Els's own patient token, made when a test runs: a token made at collection expires (five
    minutes) before a late test on a loaded machine uses it."""
    return token("patient/*.cruds", patient="voorbeeld-els", sub="els-zelf")


def system() -> dict[str, str]:
    return bearer(token())


def _forbidden(answer: Any) -> None:
    assert_outcome(answer, 403, "forbidden", "eigen patiënt")


def test_a_patient_token_reads_its_own_patient_only(secured: TestClient, stored: dict[str, str]) -> None:
    own = bearer(els_token())
    assert secured.get(f"{QR}/{stored['els']}", headers=own).status_code == 200
    assert secured.get(f"{QR}/{stored['els']}/_history/1", headers=own).status_code == 200
    for path in ("", "/_history", "/_history/1", "/$delivery"):
        _forbidden(secured.get(f"{QR}/{stored['sanne']}{path}", headers=own))
    assert_outcome(secured.get(f"{QR}/bestaat-niet", headers=own), 404, "not-found")


def test_a_patient_token_search_is_narrowed_or_refused(secured: TestClient, stored: dict[str, str]) -> None:
    own = bearer(els_token())
    found = secured.get(QR, headers=own).json()
    assert [e["resource"]["id"] for e in found["entry"]] == [stored["els"]]
    assert "patient=voorbeeld-els" in found["link"][0]["url"]  # the search as it was performed
    assert secured.get(QR, params={"subject": "Patient/voorbeeld-els"}, headers=own).json()["total"] == 1
    _forbidden(secured.get(QR, params={"subject": "Patient/voorbeeld-sanne"}, headers=own))
    _forbidden(secured.get(QR, params={"patient": "voorbeeld-els,voorbeeld-sanne"}, headers=own))
    plans = secured.get("/fhir/CarePlan", headers=own).json()
    assert [e["resource"]["subject"]["reference"] for e in plans["entry"]] == ["Patient/voorbeeld-els"]
    _forbidden(secured.get("/fhir/Goal", params={"patient": "voorbeeld-sanne"}, headers=own))
    events = secured.get("/fhir/AuditEvent", headers=own).json()["entry"]
    assert events
    for entry in events:
        patients = [e["what"]["reference"] for e in entry["resource"]["entity"] if e["role"]["code"] == "1"]
        assert patients == ["Patient/voorbeeld-els"]


def test_a_patient_token_cannot_read_another_patients_plan(
    secured: TestClient, stored: dict[str, str]
) -> None:
    sannes = secured.get("/fhir/CarePlan", params={"patient": "voorbeeld-sanne"}, headers=system()).json()
    plan = sannes["entry"][0]["resource"]["id"]
    _forbidden(secured.get(f"/fhir/CarePlan/{plan}", headers=bearer(els_token())))
    els = secured.get("/fhir/CarePlan", params={"patient": "voorbeeld-els"}, headers=system()).json()
    own = els["entry"][0]["resource"]["id"]
    assert secured.get(f"/fhir/CarePlan/{own}", headers=bearer(els_token())).status_code == 200


def test_a_patient_token_writes_for_its_own_patient_only(secured: TestClient, stored: dict[str, str]) -> None:
    _forbidden(post_as(secured, example("sanne-werkt-met-klachten", identifier={"value": "s2"}), els_token()))
    assert post_as(secured, example(identifier={"value": "e2"}), els_token()).status_code == 201
    sanne = secured.get(f"{QR}/{stored['sanne']}", headers=system()).json()
    amended = sanne | {"status": "amended"}
    _forbidden(
        secured.put(
            f"{QR}/{stored['sanne']}", content=json.dumps(amended), headers=FHIR | bearer(els_token())
        )
    )
    # Els's own response cannot be moved to Sanne through its body either.
    mine = secured.get(f"{QR}/{stored['els']}", headers=system()).json()
    moved = mine | {"subject": {"reference": "Patient/voorbeeld-sanne"}}
    _forbidden(
        secured.put(f"{QR}/{stored['els']}", content=json.dumps(moved), headers=FHIR | bearer(els_token()))
    )
    checked = secured.post(
        f"{QR}/$validate",
        content=json.dumps(example("sanne-werkt-met-klachten")),
        headers=FHIR | bearer(els_token()),
    )
    _forbidden(checked)


def test_a_conditional_create_does_not_answer_with_another_patients_response(
    secured: TestClient, stored: dict[str, str]
) -> None:
    sanne = example("sanne-werkt-met-klachten")["identifier"]
    condition = f"identifier={sanne['system']}|{sanne['value']}"
    mine = example(identifier={"value": "e3"})
    answer = secured.post(
        QR, content=json.dumps(mine), headers=FHIR | bearer(els_token()) | {"if-none-exist": condition}
    )
    _forbidden(answer)
    assert stored["sanne"] not in answer.text


def test_a_patient_token_populates_for_its_own_patient_only(
    secured: TestClient, stored: dict[str, str]
) -> None:
    questionnaire = example()["questionnaire"].rsplit("/", 1)[-1].split("|")[0]
    found = secured.get("/fhir/Questionnaire", headers=bearer(els_token())).json()  # not patient data
    ids = [e["resource"]["id"] for e in found["entry"]]
    target = questionnaire if questionnaire in ids else ids[0]

    def populate(patient: str) -> Any:
        subject = {"name": "subject", "valueReference": {"reference": f"Patient/{patient}"}}
        body = {"resourceType": "Parameters", "parameter": [subject]}
        return secured.post(
            f"/fhir/Questionnaire/{target}/$populate",
            content=json.dumps(body),
            headers=FHIR | bearer(els_token()),
        )

    _forbidden(populate("voorbeeld-sanne"))
    assert populate("voorbeeld-els").status_code == 200


def test_a_patient_scope_without_a_patient_claim_reaches_no_one(secured: TestClient) -> None:
    answer = secured.get(QR, headers=bearer(token("patient/*.rs")))
    assert_outcome(answer, 403, "forbidden", "claim 'patient'")


def test_system_and_user_tokens_reach_every_patient(secured: TestClient, stored: dict[str, str]) -> None:
    for scope in ("system/*.cruds", "user/QuestionnaireResponse.rs"):
        headers = bearer(token(scope))
        assert secured.get(QR, headers=headers).json()["total"] == 2
        for resource_id in stored.values():
            assert secured.get(f"{QR}/{resource_id}", headers=headers).status_code == 200


def _audit_events(settings: ServiceSettings) -> list[dict[str, Any]]:
    from fhir_werk.service import make_engine
    from fhir_werk.service.storage._audit import SqlAuditLog

    engine = make_engine(settings.database)  # the audit log is a table of the service's database
    try:
        events = SqlAuditLog(engine).query()
    finally:
        engine.dispose()
    return [e for e in events if e["type"]["code"] == "rest"]


def test_a_read_and_a_write_are_audited_and_the_token_is_nowhere(
    tmp_path: Path, idp: Any, caplog: pytest.LogCaptureFixture
) -> None:
    from fhir_werk.service import create_app

    settings = auth_settings(tmp_path)
    value = token()
    caplog.set_level(logging.DEBUG)
    with TestClient(create_app(settings, worker=False)) as client:
        created = post_as(client, example(), value).json()
        assert client.get(f"{QR}/{created['id']}", headers=bearer(value)).status_code == 200
        _forbidden(
            client.get(f"{QR}/{created['id']}", headers=bearer(token("patient/*.rs", patient="ander")))
        )
    write, read, refused = _audit_events(settings)
    assert [e["subtype"][0]["code"] for e in (write, read, refused)] == ["create", "read", "read"]
    assert [e["action"] for e in (write, read)] == ["C", "R"]
    assert [e["outcome"] for e in (write, read, refused)] == ["0", "0", "4"]
    for event in (write, read):
        requestor, application = event["agent"]
        assert requestor["who"]["identifier"]["value"] == "medewerker-17"
        assert application["who"]["identifier"]["value"] == "epd-app"
        patient, what = event["entity"]
        assert patient["what"]["reference"] == "Patient/voorbeeld-els"
        assert what["what"]["reference"] == f"QuestionnaireResponse/{created['id']}/_history/1"
    assert refused["entity"][0]["what"]["reference"] == "Patient/voorbeeld-els"
    # The whole database file (WAL mode: its newest pages may still be in the -wal file) holds
    # no token; the audit log's events hold no answer text (the stored response does, of course).
    database = settings.data_dir / "fhir-werk.sqlite3"
    files = (database, database.with_name(database.name + "-wal"))
    stored = b"".join(path.read_bytes() for path in files if path.exists())
    assert b"medewerker-17" in stored  # the bytes searched do hold the events
    assert value.encode() not in stored
    assert value.split(".")[2].encode() not in stored  # not even the signature
    log = json.dumps(_audit_events(settings), ensure_ascii=False)
    assert "medewerker-17" in log
    assert "Piekeren en onzekerheid" not in log  # never answer text
    assert value not in caplog.text
    # Through the API as well.
    with TestClient(create_app(settings, worker=False)) as client:
        found = client.get("/fhir/AuditEvent", params={"patient": "voorbeeld-els"}, headers=bearer(value))
        assert found.json()["total"] >= 3


def test_local_mode_audits_as_lokaal(client: TestClient, settings: ServiceSettings) -> None:
    created = client.post(QR, content=json.dumps(example()), headers=FHIR).json()
    client.get(f"{QR}/{created['id']}")
    client.get("/fhir/CarePlan", params={"patient": "voorbeeld-els"})
    client.post(
        f"{QR}/$validate", content=json.dumps(example()), headers=FHIR
    )  # nothing stored read or written: not audited
    events = _audit_events(settings)
    assert [e["subtype"][0]["code"] for e in events] == ["create", "read", "search-type"]
    assert {e["agent"][0]["who"]["identifier"]["value"] for e in events} == {"lokaal"}
    assert {len(e["agent"]) for e in events} == {1}
    plan_entities = [x["what"]["reference"].split("/")[0] for x in events[2]["entity"][1:]]
    assert plan_entities == ["CarePlan"]
