"""QuestionnaireResponse create and update: Location, ETag, If-None-Exist, If-Match, and the
rule that a response is stored together with its queued delivery or not at all."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_werk.service import jobs

from .kit import FHIR, TestClient, assert_outcome, body, example, post

IDENTIFIER = "identifier=https://fhir-werk.nl/fhir/NamingSystem/voorbeeld|els-uitkering"


def _engine(client: TestClient) -> Any:
    return client.app.state.service.engine  # type: ignore[attr-defined]


def test_create_is_201_with_location_etag_and_a_queued_delivery(client: TestClient) -> None:
    answer = post(client, example())
    assert answer.status_code == 201
    stored = answer.json()
    assert stored["id"] != "els-uitkering"  # the service assigns ids
    assert stored["meta"]["versionId"] == "1"
    assert answer.headers["etag"] == 'W/"1"'
    assert (
        answer.headers["location"]
        == f"http://testserver/fhir/QuestionnaireResponse/{stored['id']}/_history/1"
    )
    (job,) = jobs(_engine(client), response_id=stored["id"])
    assert (job.target, job.state, job.version) == ("file", "queued", 1)


def test_a_draft_is_stored_and_not_queued(client: TestClient) -> None:
    answer = post(client, example(status="in-progress"))
    assert answer.status_code == 201
    assert jobs(_engine(client), response_id=answer.json()["id"]) == []


def test_an_invalid_response_is_422_and_not_stored(client: TestClient) -> None:
    assert_outcome(post(client, example(authored="gisteren")), 422, "value")
    assert client.get("/fhir/QuestionnaireResponse").json()["total"] == 0


def test_a_response_of_an_unknown_questionnaire_is_422(client: TestClient) -> None:
    assert_outcome(post(client, example(questionnaire="https://example.org/Q")), 422, "not-found", "onbekend")


def test_a_second_response_with_the_same_identifier_is_409(client: TestClient) -> None:
    post(client, example())
    assert_outcome(post(client, example()), 409, "conflict", "al deze identifier")


def test_if_none_exist_returns_the_existing_response(client: TestClient) -> None:
    first = post(client, example()).json()
    again = post(client, example(), **{"If-None-Exist": IDENTIFIER})
    assert again.status_code == 200
    assert again.json()["id"] == first["id"]
    assert client.get("/fhir/QuestionnaireResponse").json()["total"] == 1
    assert len(jobs(_engine(client))) == 1


def test_if_none_exist_without_a_match_creates(client: TestClient) -> None:
    assert post(client, example(), **{"If-None-Exist": IDENTIFIER}).status_code == 201


def test_if_none_exist_with_two_conditions_is_their_and(client: TestClient) -> None:
    post(client, example())
    both = IDENTIFIER + "&identifier=https://fhir-werk.nl/fhir/NamingSystem/voorbeeld|iets-anders"
    assert_outcome(post(client, example(), **{"If-None-Exist": both}), 409, "conflict")  # no match: a create


def test_if_none_exist_on_another_parameter_is_400(client: TestClient) -> None:
    assert_outcome(
        post(client, example(), **{"If-None-Exist": "subject=Patient/x"}), 400, "invalid", "If-None-Exist"
    )


def test_if_none_exist_matching_two_is_412(client: TestClient) -> None:
    post(client, example())
    post(client, example("sanne-werkt-met-klachten"))
    either = IDENTIFIER + ",https://fhir-werk.nl/fhir/NamingSystem/voorbeeld|sanne-werkt-met-klachten"
    assert_outcome(post(client, example(), **{"If-None-Exist": either}), 412, "duplicate", "meer dan één")


def _amended(stored: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return stored | {"status": "amended"} | changes


def test_update_with_if_match_makes_version_2_and_queues_it(client: TestClient) -> None:
    stored = post(client, example()).json()
    answer = client.put(
        f"/fhir/QuestionnaireResponse/{stored['id']}",
        content=body(_amended(stored)),
        headers=FHIR | {"If-Match": 'W/"1"'},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["etag"] == 'W/"2"'
    assert answer.json()["meta"]["versionId"] == "2"
    queued = jobs(_engine(client), response_id=stored["id"])
    # The unclaimed job of version 1 is superseded: version 2's bundle carries everything.
    assert [(j.version, j.state) for j in queued] == [(1, "superseded"), (2, "queued")]


def test_update_with_a_stale_if_match_is_412(client: TestClient) -> None:
    stored = post(client, example()).json()
    url = f"/fhir/QuestionnaireResponse/{stored['id']}"
    client.put(url, content=body(_amended(stored)), headers=FHIR)
    stale = client.put(url, content=body(_amended(stored)), headers=FHIR | {"If-Match": 'W/"1"'})
    assert_outcome(stale, 412, "conflict", 'W/"2"')
    assert client.get(url).json()["meta"]["versionId"] == "2"


def test_an_if_match_that_is_no_etag_is_400(client: TestClient) -> None:
    stored = post(client, example()).json()
    answer = client.put(
        f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(stored), headers=FHIR | {"If-Match": "1"}
    )
    assert_outcome(answer, 400, "invalid", "If-Match")


def test_update_of_an_unknown_id_is_405(client: TestClient) -> None:
    answer = client.put("/fhir/QuestionnaireResponse/nieuw", content=body(example(id="nieuw")), headers=FHIR)
    assert_outcome(answer, 405, "not-supported", "met POST")


def test_update_with_another_id_in_the_body_is_400(client: TestClient) -> None:
    stored = post(client, example()).json()
    answer = client.put(f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(example()), headers=FHIR)
    assert_outcome(answer, 400, "invalid", "id in de resource")


def test_update_to_another_patient_is_409(client: TestClient) -> None:
    stored = post(client, example()).json()
    moved = _amended(stored, subject={"reference": "Patient/iemand-anders"})
    answer = client.put(f"/fhir/QuestionnaireResponse/{stored['id']}", content=body(moved), headers=FHIR)
    assert_outcome(answer, 409, "conflict", "patiënt")


def test_a_failure_while_queueing_stores_nothing(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("de wachtrij is stuk")

    monkeypatch.setattr("fhir_werk.service.storage._queue.enqueue", broken)
    answer = post(client, example())
    assert_outcome(answer, 500, "exception", "RuntimeError")
    monkeypatch.undo()
    assert client.get("/fhir/QuestionnaireResponse").json()["total"] == 0
    assert jobs(_engine(client)) == []
    # The identifier is free: nothing of the failed create was kept.
    assert post(client, example()).status_code == 201


def test_a_failure_while_queueing_an_update_keeps_the_old_version(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = post(client, example()).json()
    monkeypatch.setattr(
        "fhir_werk.service.storage._queue.enqueue", lambda *_: (_ for _ in ()).throw(OSError())
    )
    url = f"/fhir/QuestionnaireResponse/{stored['id']}"
    assert client.put(url, content=body(_amended(stored)), headers=FHIR).status_code == 500
    monkeypatch.undo()
    assert client.get(url).json()["meta"]["versionId"] == "1"
    assert len(client.get(f"{url}/_history").json()["entry"]) == 1


@pytest.mark.parametrize(
    ("element", "value"),
    [("value", "r1\r\nX-Vals: 1"), ("value", "x" * 1025), ("system", "urn:a\x00b"), ("value", "a\x85b")],
)
def test_an_identifier_with_control_characters_or_over_1_kb_is_a_400(
    client: TestClient, element: str, value: str
) -> None:
    identifier = {"system": "https://fhir-werk.nl/fhir/NamingSystem/test", "value": "ok"} | {element: value}
    result = assert_outcome(post(client, example(identifier=identifier)), 400, "invalid", "stuurtekens")
    assert result["issue"][0]["expression"] == [f"QuestionnaireResponse.identifier.{element}"]
    found = client.get("/fhir/QuestionnaireResponse").json()
    assert found["total"] == 0
