"""The JS cross-check tools (tests/jstools.py) on small fixtures of their own (tests/js/fixtures).

The fixture Questionnaire has one template extraction (a contained Observation filled from a
0-10 score), one enableWhen and min/max values; the broken one has an enableWhen pointing at a
linkId that does not exist and no contained templates, so each tool has something to refuse.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from jstools import (  # noqa: F401  (js_tools: session fixture that fails when the tools are missing)
    JS_DIR,
    JsToolError,
    JsToolsMissingError,
    LFormsResult,
    SmartFormsResult,
    csiro_extract,
    ensure_js_tools,
    js_tools,
    lforms_run,
    missing_js_tools,
    smartforms_run,
)

pytestmark = pytest.mark.usefixtures("js_tools")

FIXTURES = JS_DIR / "fixtures"

EXPECTED_OBSERVATION = {
    "resourceType": "Observation",
    "status": "final",
    "code": {
        "coding": [
            {"system": "https://fhir-werk.nl/fhir/CodeSystem/jstools-test", "code": "werk-tevredenheid"}
        ]
    },
    "subject": {"reference": "Patient/jstools-1"},
    "valueInteger": 7,
}


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def questionnaire() -> dict[str, Any]:
    return load("werk-score-questionnaire.json")


@pytest.fixture(scope="module")
def response() -> dict[str, Any]:
    return load("werk-score-response.json")


@pytest.fixture(scope="module")
def out_of_range(response: dict[str, Any]) -> dict[str, Any]:
    changed = copy.deepcopy(response)
    changed["item"][0]["item"][1]["answer"] = [{"valueInteger": 11}]
    return changed


@pytest.fixture(scope="module")
def rendered(
    questionnaire: dict[str, Any], response: dict[str, Any], out_of_range: dict[str, Any]
) -> list[LFormsResult]:
    """One Chromium session for every browser test of this module."""
    results: list[LFormsResult] = lforms_run(
        [
            {"questionnaire": questionnaire},
            {"questionnaire": questionnaire, "response": response},
            {
                "questionnaire": questionnaire,
                "response": response,
                "subject": {"resourceType": "Patient", "id": "p9"},
            },
            {"questionnaire": questionnaire, "response": out_of_range},
            {"questionnaire": load("broken-questionnaire.json")},
        ]
    )
    return results


@pytest.fixture(scope="module")
def unknown_value_set(questionnaire: dict[str, Any]) -> dict[str, Any]:
    """The score as a choice from a ValueSet that is neither contained nor reachable."""
    changed = copy.deepcopy(questionnaire)
    score = changed["item"][0]["item"][1]
    score["type"] = "choice"
    score["answerValueSet"] = "https://fhir-werk.nl/fhir/ValueSet/bestaat-niet"
    return changed


@pytest.fixture(scope="module")
def smart_rendered(
    questionnaire: dict[str, Any], response: dict[str, Any], unknown_value_set: dict[str, Any]
) -> list[SmartFormsResult]:
    """One Chromium session for every Smart Forms test of this module."""
    results: list[SmartFormsResult] = smartforms_run(
        [
            {"questionnaire": questionnaire},
            {"questionnaire": questionnaire, "response": response},
            {"questionnaire": unknown_value_set},
        ]
    )
    return results


# --- the environment check -------------------------------------------------------------------


@pytest.mark.node
def test_tools_are_complete_here() -> None:
    assert missing_js_tools() == []
    ensure_js_tools()


@pytest.mark.node
def test_missing_chromium_is_named_with_the_setup_hint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FHIR_WERK_CHROMIUM", str(tmp_path / "geen-chromium"))
    assert missing_js_tools() == [f"Chromium ontbreekt ({tmp_path / 'geen-chromium'})"]
    with pytest.raises(JsToolsMissingError) as caught:
        ensure_js_tools()
    assert str(caught.value) == (
        f"De JS-testtools kunnen niet draaien: Chromium ontbreekt ({tmp_path / 'geen-chromium'}). "
        "Draai scripts/setup-js om ze te installeren."
    )


# --- CSIRO template extraction ---------------------------------------------------------------


@pytest.mark.node
def test_csiro_extracts_the_observation_template(
    questionnaire: dict[str, Any], response: dict[str, Any]
) -> None:
    result = csiro_extract(questionnaire, response)
    assert result["ok"] is True
    assert result["issues"] is None
    bundle = result["bundle"]
    assert bundle is not None
    assert bundle["type"] == "transaction"
    assert [entry["resource"] for entry in bundle["entry"]] == [EXPECTED_OBSERVATION]
    assert bundle["entry"][0]["request"] == {"method": "POST", "url": "Observation"}
    assert bundle["entry"][0]["fullUrl"].startswith("urn:uuid:")


@pytest.mark.node
def test_csiro_refuses_a_questionnaire_without_templates(response: dict[str, Any]) -> None:
    result = csiro_extract(load("broken-questionnaire.json"), response)
    assert result["ok"] is False
    assert result["bundle"] is None
    assert result["issues"] == {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "warning",
                "code": "invalid",
                "details": {
                    "text": "Questionnaire.contained is empty, an extraction template should be provided "
                    "as a contained resource. Skipping extraction."
                },
            }
        ],
    }


@pytest.mark.node
def test_a_failing_tool_raises_with_its_stderr() -> None:
    with pytest.raises(JsToolError) as caught:
        lforms_run([{"questionnaire": {"resourceType": "Patient"}}])
    assert caught.value.tool == "lforms-run.mjs"
    assert 'invoer 0: "questionnaire" moet een Questionnaire zijn' in caught.value.stderr
    assert str(caught.value).startswith("lforms-run.mjs: node stopte met exitcode 2\n")


# --- LHC-Forms in Chromium -------------------------------------------------------------------


@pytest.mark.browser
def test_lforms_renders_the_fixture_without_errors(rendered: list[LFormsResult]) -> None:
    bare = rendered[0]
    assert bare["errors"] == []
    assert bare["validationErrors"] == []
    assert bare["itemCount"] == 3
    assert bare["visibleCount"] == 2  # the score waits for "werkt" = true
    assert [(i["linkId"], i["dataType"], i["enabled"], i["rendered"]) for i in bare["items"]] == [
        ("werkt", "BL", True, True),
        ("tevredenheid", "INT", False, False),
        ("toelichting", "ST", True, True),
    ]
    assert "Heeft u op dit moment betaald werk?" in bare["renderedText"]
    assert "Hoe tevreden bent u over uw werk (0-10)?" not in bare["renderedText"]
    assert bare["responseBack"] is None
    assert bare["extractBundle"] is None


@pytest.mark.browser
def test_lforms_loads_the_response_and_extracts_the_template(
    rendered: list[LFormsResult], response: dict[str, Any]
) -> None:
    loaded = rendered[1]
    assert loaded["errors"] == []
    assert loaded["validationErrors"] == []
    assert loaded["visibleCount"] == 3
    back = loaded["responseBack"]
    assert back is not None
    assert back["item"] == response["item"]
    assert back["subject"] == {"reference": "Patient/jstools-1"}
    assert back["questionnaire"] == response["questionnaire"]
    assert loaded["extractBundle"] == {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": EXPECTED_OBSERVATION, "request": {"method": "POST", "url": "Observation"}}],
    }


@pytest.mark.browser
def test_both_extractors_agree(
    rendered: list[LFormsResult], questionnaire: dict[str, Any], response: dict[str, Any]
) -> None:
    csiro = csiro_extract(questionnaire, response)["bundle"]
    lforms = rendered[1]["extractBundle"]
    assert csiro is not None
    assert lforms is not None
    assert [e["resource"] for e in csiro["entry"]] == [e["resource"] for e in lforms["entry"]]


@pytest.mark.browser
def test_lforms_takes_the_subject_given(rendered: list[LFormsResult]) -> None:
    result = rendered[2]
    assert result["errors"] == []
    assert result["responseBack"] is not None
    assert result["responseBack"]["subject"] == {"reference": "Patient/p9"}
    assert result["extractBundle"] is not None
    assert result["extractBundle"]["entry"][0]["resource"]["subject"] == {"reference": "Patient/p9"}


@pytest.mark.browser
def test_lforms_flags_a_score_above_max_value(rendered: list[LFormsResult]) -> None:
    result = rendered[3]
    assert result["errors"] == []
    assert result["validationErrors"] == [
        "Hoe tevreden bent u over uw werk (0-10)? must be a value less than or equal to 10."
    ]


@pytest.mark.browser
def test_lforms_reports_a_broken_questionnaire(rendered: list[LFormsResult]) -> None:
    broken = rendered[4]
    assert broken["errors"] == [
        {
            "source": "addFormToPage",
            "message": "Question with linkId 'tevredenheid' contains enableWhen pointing to a question with "
            "linkId 'bestaat-niet' that does not exist.",
        }
    ]
    assert broken["itemCount"] == 0
    assert broken["visibleCount"] == 0


# --- Smart Forms in Chromium -----------------------------------------------------------------


@pytest.mark.browser
def test_smartforms_renders_the_fixture_without_errors(smart_rendered: list[SmartFormsResult]) -> None:
    bare = smart_rendered[0]
    assert bare["errors"] == []
    assert bare["itemCount"] == 3
    assert bare["visibleCount"] == 2  # the score waits for "werkt" = true
    assert [{k: i[k] for k in ("linkId", "rendered")} for i in bare["items"]] == [
        {"linkId": "werkt", "rendered": True},
        {"linkId": "tevredenheid", "rendered": False},
        {"linkId": "toelichting", "rendered": True},
    ]
    assert "Heeft u op dit moment betaald werk?" in bare["renderedText"]


@pytest.mark.browser
def test_smartforms_loads_the_response(
    smart_rendered: list[SmartFormsResult], response: dict[str, Any]
) -> None:
    loaded = smart_rendered[1]
    assert loaded["errors"] == []
    assert loaded["visibleCount"] == 3
    assert loaded["responseBack"] is not None
    assert loaded["responseBack"]["item"] == response["item"]


@pytest.mark.browser
def test_smartforms_reports_a_value_set_it_cannot_expand(smart_rendered: list[SmartFormsResult]) -> None:
    errors = smart_rendered[2]["errors"]
    # The renderer asks its (closed) terminology server to expand the ValueSet; the request is
    # the finding, the browser's own "failed to load" console line follows it.
    assert errors[0] == {
        "source": "network",
        "message": "verzoek buiten de testpagina: http://127.0.0.1:9/fhir/ValueSet/$expand"
        "?url=https://fhir-werk.nl/fhir/ValueSet/bestaat-niet",
    }
    assert {e["source"] for e in errors} == {"network", "console"}
