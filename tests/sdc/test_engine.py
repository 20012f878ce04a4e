"""The general engine on small Questionnaires of its own: each SDC part, any resource type,
drafts, what it does not support, and modifications only."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_werk.extraction.sdc import extract
from fhir_werk.shared import InvalidInputError

SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
TEMPLATE = SDC + "sdc-questionnaire-templateExtract"
CONTEXT = SDC + "sdc-questionnaire-templateExtractContext"
VALUE = SDC + "sdc-questionnaire-templateExtractValue"


def _value(expression: str) -> dict[str, Any]:
    return {"extension": [{"url": VALUE, "valueString": expression}]}


def _template_extract(template: str, **parts: str) -> dict[str, Any]:
    sub = [{"url": "template", "valueReference": {"reference": f"#{template}"}}]
    sub += [{"url": name, "valueString": expression} for name, expression in parts.items()]
    return {"url": TEMPLATE, "extension": sub}


def _questionnaire(
    contained: list[dict[str, Any]], items: list[dict[str, Any]], **root: Any
) -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "status": "active",
        "contained": contained,
        "item": items,
        **root,
    }


def _response(items: list[dict[str, Any]], status: str = "completed") -> dict[str, Any]:
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "qr-1",
        "status": status,
        "subject": {"reference": "Patient/p1"},
        "authored": "2026-01-02T10:00:00+01:00",
        "item": items,
    }


CONDITION = {
    "resourceType": "Condition",
    "id": "conditionTemplate",
    "code": {
        "extension": [{"url": CONTEXT, "valueString": "answer.value"}],
        "coding": [{"extension": [{"url": VALUE, "valueString": "ofType(Coding)"}]}],
        "_text": _value("display"),
    },
    "subject": {"_reference": _value("%resource.subject.reference")},
}
CODING = {"system": "http://snomed.info/sct", "code": "38341003", "display": "Hypertension"}
# An answer id of 68 characters: element ids are R4 strings, not resource ids (64 at most).
LONG_ID = "a" * 68


def _conditions(status: str = "completed") -> tuple[dict[str, Any], dict[str, Any]]:
    questionnaire = _questionnaire(
        [CONDITION],
        [
            {
                "linkId": "dx",
                "type": "choice",
                "repeats": True,
                "extension": [_template_extract("conditionTemplate")],
            }
        ],
    )
    response = _response([{"linkId": "dx", "answer": [{"id": LONG_ID, "valueCoding": CODING}]}], status)
    return questionnaire, response


@pytest.mark.parametrize("status", ["completed", "in-progress", "amended"])
def test_any_status_is_extracted_with_the_context_keeping_its_coding_type(status: str) -> None:
    questionnaire, response = _conditions(status)
    bundle, outcome = extract(response, questionnaire)
    (entry,) = bundle["entry"]
    assert entry["resource"] == {
        "resourceType": "Condition",
        "code": {"coding": [CODING], "text": "Hypertension"},
        "subject": {"reference": "Patient/p1"},
    }
    assert entry["request"] == {"method": "POST", "url": "Condition"}
    assert entry["fullUrl"].startswith("urn:uuid:")
    assert [i["severity"] for i in outcome["issue"]] == ["information"]


def test_the_same_response_gives_the_same_bundle() -> None:
    questionnaire, response = _conditions()
    assert extract(response, questionnaire)[0] == extract(response, questionnaire)[0]


def test_request_parts_become_the_entry_request() -> None:
    patient = {
        "resourceType": "Patient",
        "id": "patientTemplate",
        "gender": "unknown",
        "_gender": _value("answer.value"),
    }
    item = {
        "linkId": "gender",
        "type": "string",
        "extension": [
            _template_extract(
                "patientTemplate",
                fullUrl="'urn:uuid:11111111-2222-3333-4444-555555555555'",
                resourceId="'p-7'",
                ifMatch="'W/\"3\"'",
                ifNoneMatch="'*'",
                ifModifiedSince="%resource.authored",
                ifNoneExist="'identifier=x|' + answer.value",
            )
        ],
    }
    bundle, _ = extract(
        _response([{"linkId": "gender", "answer": [{"valueString": "female"}]}]),
        _questionnaire([patient], [item]),
    )
    (entry,) = bundle["entry"]
    assert entry["fullUrl"] == "urn:uuid:11111111-2222-3333-4444-555555555555"
    assert entry["resource"] == {"resourceType": "Patient", "id": "p-7", "gender": "female"}
    assert entry["request"] == {
        "method": "PUT",
        "url": "Patient/p-7",
        "ifNoneMatch": "*",
        "ifModifiedSince": "2026-01-02T10:00:00+01:00",
        "ifMatch": 'W/"3"',
        "ifNoneExist": "identifier=x|female",
    }


def test_an_allocated_id_is_new_per_repetition_and_shared_below_it() -> None:
    patient = {"resourceType": "Patient", "id": "pt", "_gender": _value("'unknown'")}
    person = {
        "resourceType": "RelatedPerson",
        "id": "rp",
        "patient": {"_reference": _value("%pid")},
    }
    group = {
        "linkId": "pat",
        "type": "group",
        "repeats": True,
        "extension": [
            {"url": SDC + "sdc-questionnaire-extractAllocateId", "valueString": "pid"},
            _template_extract("pt", fullUrl="%pid", resourceId="%pid"),
        ],
        "item": [{"linkId": "contact", "type": "string", "extension": [_template_extract("rp")]}],
    }
    one = {"linkId": "pat", "item": [{"linkId": "contact", "answer": [{"valueString": "x"}]}]}
    bundle, _ = extract(_response([one, one]), _questionnaire([patient, person], [group]))
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "RelatedPerson", "Patient", "RelatedPerson"]
    ids = [e["resource"].get("id") for e in bundle["entry"][::2]]
    assert ids[0] != ids[1]
    for patient_entry, person_entry in (bundle["entry"][0:2], bundle["entry"][2:4]):
        # SDC: the allocated id is a urn:uuid:, the fullUrl and the reference to it alike; as
        # resourceId it gives the UUID itself as the resource's id.
        assert patient_entry["fullUrl"] == f"urn:uuid:{patient_entry['resource']['id']}"
        assert person_entry["resource"]["patient"] == {"reference": patient_entry["fullUrl"]}


def test_a_parameters_template_gets_no_identifier_and_no_derived_from() -> None:
    parameters = {
        "resourceType": "Parameters",
        "id": "pt",
        "parameter": [{"name": "x", "_valueString": _value("answer.value")}],
    }
    item = {"linkId": "q", "type": "string", "extension": [_template_extract("pt")]}
    bundle, _ = extract(
        _response([{"linkId": "q", "answer": [{"valueString": "v"}]}]), _questionnaire([parameters], [item])
    )
    assert bundle["entry"][0]["resource"] == {
        "resourceType": "Parameters",
        "parameter": [{"name": "x", "valueString": "v"}],
    }


def test_template_extract_bundle_is_the_bundle() -> None:
    bundle_template = {
        "resourceType": "Bundle",
        "id": "b",
        "type": "transaction",
        "entry": [
            {
                "extension": [{"url": CONTEXT, "valueString": "item.where(linkId = 'n')"}],
                "fullUrl": "urn:uuid:6f6177d2-13ee-4d27-b0e8-3eaf663dd031",
                "resource": {"resourceType": "Patient", "name": [{"_text": _value("answer.value")}]},
                "request": {"method": "POST", "url": "Patient"},
            }
        ],
    }
    questionnaire = _questionnaire(
        [bundle_template],
        [{"linkId": "n", "type": "string", "repeats": True}],
        extension=[
            {"url": SDC + "sdc-questionnaire-templateExtractBundle", "valueReference": {"reference": "#b"}}
        ],
    )
    response = _response(
        [
            {"linkId": "n", "answer": [{"valueString": "Ann"}]},
            {"linkId": "n", "answer": [{"valueString": "Bo"}]},
        ]
    )
    bundle, outcome = extract(response, questionnaire)
    assert "id" not in bundle
    assert [e["resource"]["name"][0]["text"] for e in bundle["entry"]] == ["Ann", "Bo"]
    assert bundle["entry"][0]["request"] == {"method": "POST", "url": "Patient"}
    assert [i["severity"] for i in outcome["issue"]] == ["information"]


def test_what_is_not_supported_is_an_issue_where_it_is_used() -> None:
    questionnaire, response = _conditions()
    questionnaire["item"][0]["extension"].append(
        {
            "url": SDC + "sdc-questionnaire-itemExtractionContext",
            "valueExpression": {"language": "text/fhirpath", "expression": "%resource"},
        }
    )
    questionnaire["item"][0]["extension"][0]["extension"].append({"url": "somethingElse", "valueString": "1"})
    questionnaire["extension"] = [{"url": SDC + "sdc-questionnaire-definitionExtract", "extension": []}]
    bundle, outcome = extract(response, questionnaire)
    assert len(bundle["entry"]) == 1
    found = {(i["severity"], i["code"], i["expression"][0]) for i in outcome["issue"]}
    assert found == {("warning", "not-supported", "dx"), ("warning", "not-supported", "Questionnaire")}
    assert len(outcome["issue"]) == 3


@pytest.mark.parametrize("expression", ["%notDefined", "item.where(linkId=='x'))((", "answer.value +"])
def test_a_failing_expression_and_a_missing_template_are_errors_at_their_item(expression: str) -> None:
    # fhirpathpy's parser recovers from a syntax error silently; the engine does not.
    broken = {"resourceType": "Basic", "id": "t", "_created": _value(expression)}
    items = [
        {"linkId": "a", "type": "string", "extension": [_template_extract("t")]},
        {"linkId": "b", "type": "string", "extension": [_template_extract("nowhere")]},
    ]
    response = _response(
        [{"linkId": "a", "answer": [{"valueString": "x"}]}, {"linkId": "b", "answer": [{"valueString": "y"}]}]
    )
    bundle, outcome = extract(response, _questionnaire([broken], items))
    assert [e["resource"] for e in bundle["entry"]] == [{"resourceType": "Basic"}]
    assert [(i["severity"], i["code"], i["expression"]) for i in outcome["issue"]] == [
        ("error", "invalid", ["a"]),
        ("error", "not-found", ["b"]),
    ]


def test_modifications_only_leaves_out_what_did_not_change() -> None:
    questionnaire, earlier = _conditions()
    questionnaire["item"].append(
        {"linkId": "note", "type": "string", "extension": [_template_extract("conditionTemplate")]}
    )
    earlier["item"].append({"linkId": "note", "answer": [{"valueCoding": CODING}]})
    now = _response(
        [
            earlier["item"][0],
            {"linkId": "note", "answer": [{"valueCoding": {**CODING, "display": "High BP"}}]},
        ]
    )
    bundle, _ = extract(now, questionnaire, comparison_source=earlier)
    assert [e["resource"]["code"]["text"] for e in bundle["entry"]] == ["High BP"]
    unchanged, _ = extract(earlier, questionnaire, comparison_source=earlier)
    assert "entry" not in unchanged


@pytest.mark.parametrize(
    ("response", "questionnaire", "where"),
    [
        ({"resourceType": "Patient"}, _questionnaire([], []), "questionnaire-response"),
        (_response([]), {"resourceType": "Basic"}, "questionnaire"),
        ("not json", _questionnaire([], []), "questionnaire-response"),
    ],
)
def test_what_is_not_a_response_or_questionnaire_is_refused(
    response: Any, questionnaire: Any, where: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        extract(response, questionnaire)
    assert caught.value.outcome["issue"][0]["expression"] == [where]


def test_observation_based_extraction_follows_the_inherited_flag_with_unit_and_category() -> None:
    flag = {"url": SDC + "sdc-questionnaire-observationExtract", "valueBoolean": True}
    vital = {
        "coding": [
            {"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}
        ]
    }
    kg = {"system": "http://unitsofmeasure.org", "code": "kg", "display": "kg"}
    items = [
        {
            "linkId": "vitals",
            "type": "group",
            "extension": [
                {"url": SDC + "sdc-questionnaire-observation-extract-category", "valueCodeableConcept": vital}
            ],
            "item": [
                {
                    "linkId": "weight",
                    "type": "decimal",
                    "code": [{"system": "http://loinc.org", "code": "29463-7"}],
                    "extension": [
                        {
                            "url": "http://hl7.org/fhir/StructureDefinition/questionnaire-unit",
                            "valueCoding": kg,
                        },
                        {
                            "url": SDC + "sdc-questionnaire-observationExtractEntry",
                            "extension": [{"url": "resourceId", "valueString": "'weight-1'"}],
                        },
                    ],
                },
                {
                    "linkId": "smoker",
                    "type": "choice",
                    "code": [{"system": "http://loinc.org", "code": "72166-2"}],
                    "extension": [
                        {"url": SDC + "sdc-questionnaire-observationExtract", "valueBoolean": False}
                    ],
                },
                {"linkId": "uncoded", "type": "string"},
            ],
        }
    ]
    response = _response(
        [
            {
                "linkId": "vitals",
                "item": [
                    {"linkId": "weight", "answer": [{"valueDecimal": 70.5}]},
                    {"linkId": "smoker", "answer": [{"valueCoding": CODING}]},
                    {"linkId": "uncoded", "answer": [{"valueString": "x"}]},
                ],
            }
        ]
    )
    response["author"] = {"reference": "Practitioner/d1"}
    bundle, outcome = extract(response, _questionnaire([], items, extension=[flag]))
    (entry,) = bundle["entry"]
    assert entry["request"] == {"method": "PUT", "url": "Observation/weight-1"}
    assert entry["resource"] == {
        "resourceType": "Observation",
        "id": "weight-1",
        "status": "final",
        "category": [vital],
        "code": {"coding": [{"system": "http://loinc.org", "code": "29463-7"}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2026-01-02T10:00:00+01:00",
        "issued": "2026-01-02T10:00:00+01:00",
        "performer": [{"reference": "Practitioner/d1"}],
        "valueQuantity": {"value": 70.5, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"},
        "derivedFrom": [{"reference": "QuestionnaireResponse/qr-1"}],
    }
    assert [i["severity"] for i in outcome["issue"]] == ["information"]


def _with(path: list[Any], value: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    questionnaire, response = _conditions()
    target: Any = {"q": questionnaire, "r": response}
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return response, questionnaire


@pytest.mark.parametrize(
    ("path", "value", "where"),
    [
        (["r", "item"], {"linkId": "dx"}, "QuestionnaireResponse.item"),
        (["r", "item", 0, "answer"], "yes", "QuestionnaireResponse.item[0].answer"),
        (["r", "item", 0, "linkId"], 7, "QuestionnaireResponse.item[0]"),
        (["q", "item", 0, "extension"], 5, "Questionnaire.item[0].extension"),
        (
            ["q", "item", 0, "extension", 0, "extension"],
            {"url": "template"},
            "Questionnaire.item[0].extension[0].extension",
        ),
        (["q", "contained"], "Condition", "Questionnaire.contained"),
        (["q", "contained", 0, "code", "extension"], 3, "Questionnaire.contained"),
    ],
)
def test_malformed_input_is_an_outcome_with_its_place_never_a_traceback(
    path: list[Any], value: Any, where: str
) -> None:
    response, questionnaire = _with(path, value)
    with pytest.raises(InvalidInputError) as caught:
        extract(response, questionnaire)
    found = caught.value.outcome["issue"][0]
    assert (found["severity"], found["code"], found["expression"]) == ("error", "structure", [where])


PATIENT = "http://hl7.org/fhir/StructureDefinition/Patient"
OBSERVATION = "http://hl7.org/fhir/StructureDefinition/Observation"


def _definition_extract(canonical: str, **parts: str) -> dict[str, Any]:
    sub: list[dict[str, Any]] = [{"url": "definition", "valueCanonical": canonical}]
    sub += [{"url": name, "valueString": expression} for name, expression in parts.items()]
    return {"url": SDC + "sdc-questionnaire-definitionExtract", "extension": sub}


def _definition_value(path: str, **value: Any) -> dict[str, Any]:
    sub: list[dict[str, Any]] = [{"url": "definition", "valueUri": path}]
    if "expression" in value:
        sub.append(
            {
                "url": "expression",
                "valueExpression": {"language": "text/fhirpath", "expression": value["expression"]},
            }
        )
    else:
        sub.append({"url": "fixed-value", **value})
    return {"url": SDC + "sdc-questionnaire-definitionExtractValue", "extension": sub}


def test_definition_based_extraction_builds_resources_from_item_definitions() -> None:
    items: list[dict[str, Any]] = [
        {
            "linkId": "patient",
            "type": "group",
            "extension": [
                _definition_extract(PATIENT, fullUrl="'urn:uuid:11111111-2222-3333-4444-555555555555'")
            ],
            "item": [
                {"linkId": "id", "type": "string", "definition": f"{PATIENT}#Patient.id"},
                {
                    "linkId": "name",
                    "type": "group",
                    "repeats": True,
                    "definition": f"{PATIENT}#Patient.name",
                    "extension": [_definition_value(f"{PATIENT}#Patient.name.use", valueCode="official")],
                    "item": [
                        {
                            "linkId": "given",
                            "type": "string",
                            "repeats": True,
                            "definition": f"{PATIENT}#Patient.name.given",
                        }
                    ],
                },
                {"linkId": "gender", "type": "choice", "definition": f"{PATIENT}#Patient.gender"},
            ],
        },
        {
            "linkId": "smoker",
            "type": "boolean",
            "definition": f"{OBSERVATION}#Observation.value[x]",
            "extension": [
                _definition_extract(OBSERVATION),
                _definition_value(f"{OBSERVATION}#Observation.status", valueCode="final"),
                _definition_value(f"{OBSERVATION}#Observation.effective", expression="%resource.authored"),
                _definition_value(
                    f"{OBSERVATION}#Observation.code.coding",
                    valueCoding={"system": "http://loinc.org", "code": "72166-2"},
                ),
            ],
        },
        {
            "linkId": "stray",
            "type": "string",
            "extension": [_definition_value(f"{PATIENT}#Patient.active", valueBoolean=True)],
        },
    ]
    response = _response(
        [
            {
                "linkId": "patient",
                "item": [
                    {"linkId": "id", "answer": [{"valueString": "p-9"}]},
                    {
                        "linkId": "name",
                        "item": [
                            {"linkId": "given", "answer": [{"valueString": "An"}, {"valueString": "Jo"}]}
                        ],
                    },
                    {"linkId": "name", "item": [{"linkId": "given", "answer": [{"valueString": "Bo"}]}]},
                    {
                        "linkId": "gender",
                        "answer": [
                            {
                                "valueCoding": {
                                    "system": "http://hl7.org/fhir/administrative-gender",
                                    "code": "female",
                                }
                            }
                        ],
                    },
                ],
            },
            {"linkId": "smoker", "answer": [{"valueBoolean": False}]},
        ]
    )
    bundle, outcome = extract(response, _questionnaire([], items))
    patient, observation = bundle["entry"]
    assert patient["fullUrl"] == "urn:uuid:11111111-2222-3333-4444-555555555555"
    assert patient["request"] == {"method": "PUT", "url": "Patient/p-9"}
    assert patient["resource"] == {
        "resourceType": "Patient",
        "id": "p-9",
        "name": [{"use": "official", "given": ["An", "Jo"]}, {"use": "official", "given": ["Bo"]}],
        "gender": "female",
    }
    assert observation["request"] == {"method": "POST", "url": "Observation"}
    assert observation["resource"] == {
        "resourceType": "Observation",
        "valueBoolean": False,
        "status": "final",
        "effectiveDateTime": "2026-01-02T10:00:00+01:00",
        "code": {"coding": [{"system": "http://loinc.org", "code": "72166-2"}]},
    }
    assert [(i["severity"], i["expression"]) for i in outcome["issue"]] == [("warning", ["stray"])]


def test_context_and_qitem_are_the_response_item_and_its_definition() -> None:
    basic = {
        "resourceType": "Basic",
        "id": "b",
        "code": {
            "_text": _value("%qitem.text"),
            "coding": [
                {
                    "extension": [{"url": CONTEXT, "valueString": "answer.value"}],
                    "_code": _value("%context.linkId"),
                }
            ],
        },
    }
    item = {"linkId": "q1", "text": "Vraag een", "type": "string", "extension": [_template_extract("b")]}
    bundle, _ = extract(
        _response([{"linkId": "q1", "answer": [{"valueString": "x"}]}]), _questionnaire([basic], [item])
    )
    assert bundle["entry"][0]["resource"] == {
        "resourceType": "Basic",
        "code": {"text": "Vraag een", "coding": [{"code": "q1"}]},
    }


def test_an_extension_of_a_template_is_filled_like_any_element() -> None:
    # An extension's value may come from an expression (the leidraad's performer role does so);
    # it was copied as it stood, expression and all.
    role = "https://example.org/StructureDefinition/role"
    goal = {
        "resourceType": "Goal",
        "id": "g",
        "extension": [
            {"url": role, "valueCoding": {"extension": [{"url": VALUE, "valueString": "answer.value"}]}}
        ],
        "description": {"text": "werk"},
    }
    item = {"linkId": "wie", "type": "coding", "extension": [_template_extract("g")]}
    coding = {"system": "https://example.org/rol", "code": "ba"}
    for answers in ([{"valueCoding": coding}], []):
        bundle, outcome = extract(
            _response([{"linkId": "wie", "answer": answers}]), _questionnaire([goal], [item])
        )
        resource = bundle["entry"][0]["resource"]
        if answers:
            assert resource["extension"] == [{"url": role, "valueCoding": coding}]
        else:
            # No value: the valueCoding goes, and the extension left with its url alone too (ext-1).
            assert "extension" not in resource
        assert outcome["issue"][0]["code"] == "informational"
