"""FHIRPatch templates (a Parameters of operations): the entry is a PATCH of the resource named by
CSIRO's PatchRequestUrl or by the ``type`` part with ``resourceId``; an operation without a value
falls away; modifications only keeps the new or changed operations."""

from __future__ import annotations

from typing import Any

from fhir_werk.extraction.sdc import extract

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
PATCH_URL = "https://smartforms.csiro.au/ig/StructureDefinition/TemplateExtractExtensionPatchRequestUrl"
VALUE = SDC + "sdc-questionnaire-templateExtractValue"


def _operation(kind: str, path: str, name: str | None, value: str, expression: str) -> dict[str, Any]:
    named = [{"name": "name", "valueString": name}] if name else []
    return {
        "name": "operation",
        "part": [
            {"name": "type", "valueCode": kind},
            {"name": "path", "valueString": path},
            *named,
            {"name": "value", f"_value{value}": {"extension": [{"url": VALUE, "valueString": expression}]}},
        ],
    }


PATCH = {
    "resourceType": "Parameters",
    "id": "statusPatch",
    "parameter": [
        _operation(
            "replace",
            "MedicationStatement.status",
            None,
            "Code",
            "item.where(linkId='med.status').answer.value.code",
        ),
        _operation(
            "add",
            "MedicationStatement.medicationCodeableConcept",
            "text",
            "String",
            "item.where(linkId='med.text').answer.value",
        ),
    ],
}


def _questionnaire(*parts: dict[str, Any]) -> dict[str, Any]:
    extract_part = {
        "url": SDC + "sdc-questionnaire-templateExtract",
        "extension": [{"url": "template", "valueReference": {"reference": "#statusPatch"}}, *parts],
    }
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "contained": [PATCH],
        "item": [
            {
                "linkId": "med",
                "type": "group",
                "extension": [extract_part],
                "item": [
                    {"linkId": "med.status", "type": "coding"},
                    {"linkId": "med.text", "type": "string"},
                ],
            }
        ],
    }


def _response(status: str, text: str | None) -> dict[str, Any]:
    items: list[dict[str, Any]] = [{"linkId": "med.status", "answer": [{"valueCoding": {"code": status}}]}]
    if text is not None:
        items.append({"linkId": "med.text", "answer": [{"valueString": text}]})
    return {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
        "subject": {"reference": "Patient/pat-jansen"},
        "item": [{"linkId": "med", "item": items}],
    }


def _values(entry: dict[str, Any]) -> list[Any]:
    return [
        next(p.get("valueCode", p.get("valueString")) for p in op["part"] if p["name"] == "value")
        for op in entry["resource"]["parameter"]
    ]


def test_csiro_patch_url_makes_a_patch_and_an_operation_without_value_falls_away() -> None:
    url = {"url": PATCH_URL, "valueString": "'MedicationStatement/ms-omeprazol'"}
    bundle, outcome = extract(_response("stopped", None), _questionnaire(url))
    [entry] = bundle["entry"]
    assert entry["request"] == {"method": "PATCH", "url": "MedicationStatement/ms-omeprazol"}
    assert entry["resource"]["resourceType"] == "Parameters"
    assert "id" not in entry["resource"]
    assert _values(entry) == ["stopped"]  # the text had no answer
    assert [i["severity"] for i in outcome["issue"]] == ["information"]


def test_type_part_with_resource_id_names_the_patched_resource() -> None:
    parts = (
        {"url": "type", "valueCode": "MedicationStatement"},
        {"url": "resourceId", "valueString": "'ms-metformine'"},
    )
    bundle, _ = extract(_response("on-hold", "metformine 500 mg"), _questionnaire(*parts))
    [entry] = bundle["entry"]
    assert entry["request"] == {"method": "PATCH", "url": "MedicationStatement/ms-metformine"}
    assert _values(entry) == ["on-hold", "metformine 500 mg"]


def test_modifications_only_keeps_the_new_or_changed_operations() -> None:
    url = {"url": PATCH_URL, "valueString": "'MedicationStatement/ms-omeprazol'"}
    questionnaire = _questionnaire(url)
    earlier = _response("active", None)
    bundle, _ = extract(_response("active", "omeprazol 20 mg"), questionnaire, comparison_source=earlier)
    [entry] = bundle["entry"]
    assert _values(entry) == ["omeprazol 20 mg"]
    unchanged, _ = extract(earlier, questionnaire, comparison_source=earlier)
    assert "entry" not in unchanged
