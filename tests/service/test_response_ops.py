"""QuestionnaireResponse ``$validate`` and ``$extract``: answers, and nothing stored."""

from __future__ import annotations

from .kit import FHIR, TestClient, assert_outcome, body, example


def _stored(client: TestClient) -> int:
    total: int = client.get("/fhir/QuestionnaireResponse").json()["total"]
    return total


def test_validate_a_valid_response(client: TestClient) -> None:
    answer = client.post("/fhir/QuestionnaireResponse/$validate", content=body(example()), headers=FHIR)
    assert answer.status_code == 200
    assert [i["severity"] for i in answer.json()["issue"]] in (["information"], [])
    assert _stored(client) == 0


def test_validate_an_invalid_response_is_200_with_the_errors(client: TestClient) -> None:
    answer = client.post(
        "/fhir/QuestionnaireResponse/$validate",
        content=body(example(status="completed", authored="gisteren")),
        headers=FHIR,
    )
    assert answer.status_code == 200
    errors = [i for i in answer.json()["issue"] if i["severity"] == "error"]
    assert errors
    assert errors[0]["expression"] == ["QuestionnaireResponse.authored"]


def test_validate_a_response_naming_an_unknown_questionnaire(client: TestClient) -> None:
    unknown = example(questionnaire="https://example.org/Questionnaire/x")
    answer = client.post("/fhir/QuestionnaireResponse/$validate", content=body(unknown), headers=FHIR)
    assert answer.status_code == 200
    assert answer.json()["issue"][0]["code"] == "not-found"


def test_validate_in_parameters(client: TestClient) -> None:
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "resource", "resource": example()}]}
    answer = client.post("/fhir/QuestionnaireResponse/$validate", content=body(parameters), headers=FHIR)
    assert answer.status_code == 200


def test_extract_returns_the_transaction_bundle(client: TestClient) -> None:
    answer = client.post("/fhir/QuestionnaireResponse/$extract", content=body(example()), headers=FHIR)
    assert answer.status_code == 200
    bundle = answer.json()
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "transaction"
    assert "CarePlan" in {e["resource"]["resourceType"] for e in bundle["entry"]}
    assert _stored(client) == 0


def test_extract_a_draft_is_422(client: TestClient) -> None:
    answer = client.post(
        "/fhir/QuestionnaireResponse/$extract", content=body(example(status="in-progress")), headers=FHIR
    )
    assert_outcome(answer, 422, "business-rule", "concept")


def test_extract_an_invalid_response_is_422_with_the_validation(client: TestClient) -> None:
    answer = client.post(
        "/fhir/QuestionnaireResponse/$extract", content=body(example(authored="gisteren")), headers=FHIR
    )
    result = assert_outcome(answer, 422, "value")
    assert result["issue"][0]["expression"] == ["QuestionnaireResponse.authored"]


def test_extract_of_another_resource_is_400(client: TestClient) -> None:
    answer = client.post(
        "/fhir/QuestionnaireResponse/$extract", content=b'{"resourceType": "Patient"}', headers=FHIR
    )
    assert_outcome(answer, 400, "invalid", "geen QuestionnaireResponse of Parameters maar een Patient")
