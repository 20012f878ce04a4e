"""QuestionnaireResponse ``$validate`` and ``$extract``: answers, and nothing stored."""

from __future__ import annotations

import json
from typing import Any

from tests.sdc.cases import ROOT as SDC_CASES
from tests.sdc.cases import differences

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


def _case(name: str) -> dict[str, Any]:
    folder = SDC_CASES / name
    return {
        part: json.loads((folder / f"{part}.json").read_text(encoding="utf-8"))
        for part in ("questionnaire", "response", "expected", "comparison-source")
        if (folder / f"{part}.json").exists()
    }


def _parameters(**resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Parameters",
        "parameter": [{"name": name.replace("_", "-"), "resource": r} for name, r in resources.items()],
    }


def test_extract_parameters_with_any_questionnaire_gives_return_and_issues(client: TestClient) -> None:
    case = _case("csiro-immunisation")
    assert case["response"]["status"] == "in-progress"  # a draft: the engine extracts it
    given = _parameters(questionnaire_response=case["response"], questionnaire=case["questionnaire"])
    answer = client.post("/fhir/QuestionnaireResponse/$extract", content=body(given), headers=FHIR)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/fhir+json")
    output = answer.json()
    assert output["resourceType"] == "Parameters"
    assert [p["name"] for p in output["parameter"]] == ["return", "issues"]
    assert differences(output["parameter"][0]["resource"], case["expected"]) == []
    assert output["parameter"][1]["resource"]["resourceType"] == "OperationOutcome"
    assert _stored(client) == 0


def test_extract_parameters_with_a_comparison_source_gives_what_changed(client: TestClient) -> None:
    case = _case("csiro-medical-history-patch-modified")
    given = _parameters(
        questionnaire_response=case["response"],
        questionnaire=case["questionnaire"],
        comparison_source_response=case["comparison-source"],
    )
    answer = client.post("/fhir/QuestionnaireResponse/$extract", content=body(given), headers=FHIR)
    assert answer.status_code == 200
    bundle = answer.json()["parameter"][0]["resource"]
    assert [e["request"] for e in bundle["entry"]] == [{"method": "PATCH", "url": "Condition/uti-pat-sf"}]
    assert differences(bundle, case["expected"]) == []


def test_extract_parameters_with_an_unsupported_feature_says_so_in_issues(client: TestClient) -> None:
    case = _case("sdc-extract-complex-defn3")
    given = _parameters(questionnaire_response=case["response"], questionnaire=case["questionnaire"])
    answer = client.post("/fhir/QuestionnaireResponse/$extract", content=body(given), headers=FHIR)
    issues = answer.json()["parameter"][1]["resource"]["issue"]
    assert [(i["severity"], i["expression"]) for i in issues] == [("warning", ["obs/complication"])]


def test_extract_parameters_with_a_malformed_questionnaire_is_422(client: TestClient) -> None:
    case = _case("csiro-immunisation")
    broken = {**case["questionnaire"], "item": {"linkId": "x"}}
    given = _parameters(questionnaire_response=case["response"], questionnaire=broken)
    answer = client.post("/fhir/QuestionnaireResponse/$extract", content=body(given), headers=FHIR)
    result = assert_outcome(answer, 422, "structure")
    assert result["issue"][0]["expression"] == ["Questionnaire.item"]


def test_extract_parameters_with_only_the_leidraad_response_is_the_werk_bundle(client: TestClient) -> None:
    given = _parameters(questionnaire_response=example())
    answer = client.post("/fhir/QuestionnaireResponse/$extract", content=body(given), headers=FHIR)
    assert answer.status_code == 200
    assert answer.json()["resourceType"] == "Bundle"
    assert "CarePlan" in {e["resource"]["resourceType"] for e in answer.json()["entry"]}
