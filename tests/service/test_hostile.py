"""Hostile input on every route that reads a body: always an OperationOutcome with a 4xx, never
a traceback or a 5xx."""

from __future__ import annotations

from typing import Any

import pytest

from .kit import FHIR, TestClient, body, example

WRITES = [
    ("POST", "/fhir/QuestionnaireResponse"),
    ("POST", "/fhir/QuestionnaireResponse/$validate"),
    ("POST", "/fhir/QuestionnaireResponse/$extract"),
    ("POST", "/fhir/Questionnaire/$assemble"),
]
HOSTILE = {
    "leeg": b"",
    "kapotte JSON": b'{"resourceType": "QuestionnaireResponse",',
    "geen object": b"[1, 2, 3]",
    "tekst": b'"QuestionnaireResponse"',
    "verkeerde resourceType": b'{"resourceType": "Patient", "id": "x"}',
    "geen resourceType": b'{"id": "x"}',
    "resourceType geen tekst": b'{"resourceType": 7}',
    "dubbele sleutel": b'{"resourceType": "QuestionnaireResponse", "status": "completed", "status": "x"}',
    "NaN": b'{"resourceType": "QuestionnaireResponse", "x": NaN}',
    "geen UTF-8": b'{"resourceType": "Questionnaire\xff"}',
    "diep genest": b'{"resourceType": "QuestionnaireResponse", "item": ' + b"[" * 5000 + b"]" * 5000 + b"}",
    "lang getal": b'{"resourceType": "QuestionnaireResponse", "x": ' + b"9" * 5000 + b"}",
    "null": b"null",
    "item geen lijst": b'{"resourceType": "QuestionnaireResponse", "status": "completed", "item": 5}',
    "Parameters zonder parameter": b'{"resourceType": "Parameters", "parameter": "x"}',
    "alleen surrogaat": b'{"resourceType": "QuestionnaireResponse", "status": "\\ud800"}',
}


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_bodies_are_4xx_outcomes(client: TestClient, method: str, path: str, name: str) -> None:
    answer = client.request(method, path, content=HOSTILE[name], headers=FHIR)
    assert 400 <= answer.status_code < 500 or (path.endswith("$validate") and answer.status_code == 200), (
        name,
        answer.status_code,
        answer.text[:300],
    )
    assert answer.headers["content-type"] == "application/fhir+json"
    assert answer.json()["resourceType"] == "OperationOutcome"
    assert "Traceback" not in answer.text


@pytest.mark.parametrize(
    "mutation",
    [
        {"subject": "Patient/x"},
        {"subject": {"reference": 5}},
        {"authored": 2026},
        {"identifier": "x"},
        {"identifier": {"value": ["x"]}},
        {"questionnaire": {"url": "x"}},
        {"status": None},
        {"item": [{"linkId": {"x": 1}}]},
    ],
)
def test_wrong_shapes_of_elements_are_4xx_outcomes(client: TestClient, mutation: dict[str, Any]) -> None:
    answer = client.post("/fhir/QuestionnaireResponse", content=body(example(**mutation)), headers=FHIR)
    assert 400 <= answer.status_code < 500, (mutation, answer.status_code, answer.text[:300])
    assert answer.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("mutation", [{"meta": "x"}, {"id": ["x"]}, {"id": "../x"}])
def test_a_created_response_gets_the_services_id_and_meta_whatever_it_says(
    client: TestClient, mutation: dict[str, Any]
) -> None:
    answer = client.post("/fhir/QuestionnaireResponse", content=body(example(**mutation)), headers=FHIR)
    assert answer.status_code == 201
    stored = answer.json()
    assert len(stored["id"]) == 36
    assert stored["meta"]["versionId"] == "1"


@pytest.mark.parametrize(
    "path",
    [
        "/fhir/QuestionnaireResponse/%00",
        "/fhir/QuestionnaireResponse/..%2F..%2Fetc",
        "/fhir/QuestionnaireResponse/" + "a" * 5000,
        "/fhir/QuestionnaireResponse?authored=" + "9" * 5000,
        "/fhir/QuestionnaireResponse?_count=" + "9" * 50,
        "/fhir/QuestionnaireResponse?_offset=" + "9" * 50,
        "/fhir/Questionnaire?title=%ff",
        "/fhir/QuestionnaireResponse?patient=%27%20OR%201%3D1",
    ],
)
def test_hostile_addresses_never_fail_inside(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code < 500, (path, answer.text[:300])
    assert answer.headers["content-type"] == "application/fhir+json"
