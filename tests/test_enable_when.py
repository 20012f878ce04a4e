"""enableWhen (R4): operators per answer type, enableBehavior, scope, chains and pruning."""

from __future__ import annotations

import copy
import json
import operator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fhir_werk.shared._outcomes import Resource
from fhir_werk.validation._enable_when import enabled_link_ids, evaluate_enablement, without_disabled

FIXTURES = Path(__file__).parent / "fixtures" / "validate"

ANSWER_TYPE = {
    "valueBoolean": "boolean",
    "valueInteger": "integer",
    "valueDecimal": "decimal",
    "valueDate": "date",
    "valueDateTime": "dateTime",
    "valueTime": "time",
    "valueString": "string",
    "valueCoding": "choice",
    "valueQuantity": "quantity",
    "valueReference": "reference",
}


def pair(
    key: str, op: str, expected: Any, answers: list[Any], repeats: bool = False
) -> tuple[Resource, Resource]:
    """A Questionnaire with a source question and a target conditioned on it, and a response
    that answers the source with ``answers`` and the target with a string."""
    source: dict[str, Any] = {"linkId": "bron", "type": ANSWER_TYPE[key]}
    if repeats:
        source["repeats"] = True
    condition = {"question": "bron", "operator": op, "answer" + key[len("value") :]: expected}
    q = {
        "resourceType": "Questionnaire",
        "item": [source, {"linkId": "doel", "type": "string", "enableWhen": [condition]}],
    }
    items: list[dict[str, Any]] = []
    if answers:
        items.append({"linkId": "bron", "answer": [{key: a} for a in answers]})
    items.append({"linkId": "doel", "answer": [{"valueString": "x"}]})
    return q, {"resourceType": "QuestionnaireResponse", "item": items}


def target_enabled(key: str, op: str, expected: Any, answers: list[Any], repeats: bool = False) -> bool:
    q, qr = pair(key, op, expected, answers, repeats)
    return "doel" in enabled_link_ids(qr, q)


KG = {"value": 70, "unit": "kg", "system": "http://unitsofmeasure.org", "code": "kg"}
SYS = "https://fhir-werk.nl/fhir/CodeSystem/test"
TRUTH_TABLE = [
    # key, answer, operator, expected, enabled
    ("valueBoolean", True, "=", True, True),
    ("valueBoolean", False, "=", True, False),
    ("valueBoolean", True, "!=", True, False),
    ("valueBoolean", False, "!=", True, True),
    ("valueInteger", 3, "=", 3, True),
    ("valueInteger", 4, "=", 3, False),
    ("valueInteger", 4, "!=", 3, True),
    ("valueInteger", 5, ">", 3, True),
    ("valueInteger", 3, ">", 3, False),
    ("valueInteger", 3, ">=", 3, True),
    ("valueInteger", 2, ">=", 3, False),
    ("valueInteger", 2, "<", 3, True),
    ("valueInteger", 3, "<", 3, False),
    ("valueInteger", 3, "<=", 3, True),
    ("valueInteger", 4, "<=", 3, False),
    ("valueDecimal", 2.5, ">", 2.0, True),
    ("valueDecimal", 1.5, ">=", 2.0, False),
    ("valueDecimal", 2.0, "=", 2, True),
    ("valueDate", "2024-05-01", ">", "2024-01-01", True),
    ("valueDate", "2023-12-31", ">=", "2024-01-01", False),
    ("valueDate", "2025", ">", "2024-06-01", True),
    ("valueDate", "2024", ">", "2024-06-01", False),
    ("valueDate", "2024", "=", "2024-06-01", False),
    ("valueDateTime", "2024-05-01T10:00:00+02:00", "=", "2024-05-01T08:00:00Z", True),
    ("valueDateTime", "2024-05-01T10:00:00+02:00", "<", "2024-05-01T08:30:00Z", True),
    ("valueDateTime", "2024-05-01T10:00:00+02:00", ">", "2024-05-01T08:30:00Z", False),
    ("valueTime", "08:30:00", "<", "09:00:00", True),
    ("valueTime", "09:30:00", "<", "09:00:00", False),
    ("valueString", "ja", "=", "ja", True),
    ("valueString", "nee", "=", "ja", False),
    ("valueString", "b", ">", "a", True),
    ("valueCoding", {"system": SYS, "code": "a"}, "=", {"system": SYS, "code": "a"}, True),
    ("valueCoding", {"system": SYS, "code": "b"}, "=", {"system": SYS, "code": "a"}, False),
    ("valueCoding", {"system": "urn:ander", "code": "a"}, "=", {"system": SYS, "code": "a"}, False),
    ("valueCoding", {"system": SYS, "code": "a"}, "=", {"code": "a"}, True),
    ("valueCoding", {"system": SYS, "code": "b"}, "!=", {"system": SYS, "code": "a"}, True),
    ("valueCoding", {"system": SYS, "code": "a"}, "!=", {"system": SYS, "code": "a"}, False),
    ("valueCoding", {"system": SYS, "code": "a"}, ">", {"system": SYS, "code": "a"}, False),
    ("valueQuantity", {**KG, "value": 80}, ">", KG, True),
    ("valueQuantity", {**KG, "value": 60}, ">", KG, False),
    ("valueQuantity", {"value": 80, "unit": "lb"}, ">", KG, False),
    ("valueQuantity", {**KG}, "=", KG, True),
    ("valueReference", {"reference": "Practitioner/1"}, "=", {"reference": "Practitioner/1"}, True),
    ("valueReference", {"reference": "Practitioner/2"}, "=", {"reference": "Practitioner/1"}, False),
    ("valueReference", {"reference": "Practitioner/2"}, "!=", {"reference": "Practitioner/1"}, True),
]


@pytest.mark.parametrize(("key", "answer", "op", "expected", "enabled"), TRUTH_TABLE)
def test_operator_truth_table(key: str, answer: Any, op: str, expected: Any, enabled: bool) -> None:
    assert target_enabled(key, op, expected, [answer]) is enabled


@pytest.mark.parametrize(
    ("answers", "op", "expected", "enabled"),
    [
        ([1], "exists", True, True),
        ([1], "exists", False, False),
        ([], "exists", False, True),
        ([], "exists", True, False),
        ([], "=", 1, False),
        ([], "!=", 1, False),
        ([], ">", 1, False),
        ([], "<=", 1, False),
    ],
)
def test_exists_and_unanswered_question(answers: list[int], op: str, expected: Any, enabled: bool) -> None:
    key = "valueBoolean" if op == "exists" else "valueInteger"
    assert target_enabled(key, op, expected, answers) is enabled


@pytest.mark.parametrize(
    ("answers", "op", "enabled"),
    [
        ([1, 5], "=", True),
        ([1, 2], "=", False),
        ([1, 5], "!=", False),
        ([1, 2], "!=", True),
        ([1, 7], ">", True),
        ([1, 2], ">", False),
    ],
)
def test_repeating_question_any_answer_counts(answers: list[int], op: str, enabled: bool) -> None:
    assert target_enabled("valueInteger", op, 5, answers, repeats=True) is enabled


@given(answer=st.integers(-1000, 1000), expected=st.integers(-1000, 1000))
def test_integer_operators_agree_with_arithmetic(answer: int, expected: int) -> None:
    python = {
        "=": operator.eq,
        "!=": operator.ne,
        ">": operator.gt,
        "<": operator.lt,
        ">=": operator.ge,
        "<=": operator.le,
    }
    for op, compare in python.items():
        assert target_enabled("valueInteger", op, expected, [answer]) is compare(answer, expected)


def test_unknown_operator_and_condition_without_answer_disable() -> None:
    q, qr = pair("valueInteger", "~", 3, [3])
    assert "doel" not in enabled_link_ids(qr, q)
    q["item"][1]["enableWhen"] = [{"question": "bron", "operator": "="}]
    assert "doel" not in enabled_link_ids(qr, q)


def behaviour_pair(behaviour: str | None) -> tuple[Resource, Resource]:
    conditions = [
        {"question": "a", "operator": "=", "answerBoolean": True},
        {"question": "b", "operator": "=", "answerBoolean": True},
    ]
    target: dict[str, Any] = {"linkId": "doel", "type": "string", "enableWhen": conditions}
    if behaviour:
        target["enableBehavior"] = behaviour
    q = {"item": [{"linkId": "a", "type": "boolean"}, {"linkId": "b", "type": "boolean"}, target]}
    qr = {
        "item": [
            {"linkId": "a", "answer": [{"valueBoolean": True}]},
            {"linkId": "b", "answer": [{"valueBoolean": False}]},
            {"linkId": "doel", "answer": [{"valueString": "x"}]},
        ]
    }
    return q, qr


@pytest.mark.parametrize(("behaviour", "enabled"), [("any", True), ("all", False), (None, False)])
def test_enable_behavior(behaviour: str | None, enabled: bool) -> None:
    q, qr = behaviour_pair(behaviour)
    assert ("doel" in enabled_link_ids(qr, q)) is enabled


def chain() -> tuple[Resource, Resource]:
    q = {
        "item": [
            {"linkId": "a", "type": "boolean"},
            {
                "linkId": "b",
                "type": "boolean",
                "enableWhen": [{"question": "a", "operator": "=", "answerBoolean": True}],
            },
            {
                "linkId": "c",
                "type": "string",
                "enableWhen": [{"question": "b", "operator": "exists", "answerBoolean": True}],
            },
        ]
    }
    qr = {
        "item": [
            {"linkId": "a", "answer": [{"valueBoolean": False}]},
            {"linkId": "b", "answer": [{"valueBoolean": True}]},
            {"linkId": "c", "answer": [{"valueString": "x"}]},
        ]
    }
    return q, qr


def test_answers_of_a_disabled_question_count_as_absent() -> None:
    q, qr = chain()
    assert enabled_link_ids(qr, q) == {"a"}
    qr["item"][0]["answer"] = [{"valueBoolean": True}]
    assert enabled_link_ids(qr, q) == {"a", "b", "c"}


def test_cycle_of_conditions_terminates() -> None:
    q = {
        "item": [
            {
                "linkId": "a",
                "type": "boolean",
                "enableWhen": [{"question": "b", "operator": "exists", "answerBoolean": True}],
            },
            {
                "linkId": "b",
                "type": "boolean",
                "enableWhen": [{"question": "a", "operator": "exists", "answerBoolean": True}],
            },
        ]
    }
    qr = {
        "item": [
            {"linkId": "a", "answer": [{"valueBoolean": True}]},
            {"linkId": "b", "answer": [{"valueBoolean": True}]},
        ]
    }
    assert enabled_link_ids(qr, q) == {"a", "b"}


BASIS = json.loads((FIXTURES / "questionnaire-basis.json").read_text(encoding="utf-8"))
VALID = json.loads((FIXTURES / "response-basis-valid.json").read_text(encoding="utf-8"))


def test_disabled_group_disables_what_is_nested_in_it() -> None:
    qr = copy.deepcopy(VALID)
    qr["item"].append(
        {"linkId": "reden-groep", "item": [{"linkId": "reden", "answer": [{"valueString": "ziek"}]}]}
    )
    enablement = evaluate_enablement(qr, BASIS)
    group = qr["item"][-1]
    assert enablement.item_enabled(group) is False
    assert enablement.item_enabled(group["item"][0]) is False
    assert not {"reden-groep", "reden"} & enablement.enabled_link_ids()


def test_condition_in_a_repeated_group_reads_its_own_repetition() -> None:
    qr = copy.deepcopy(VALID)
    steps = [i for i in qr["item"] if i["linkId"] == "stap"]
    steps[1]["item"].append({"linkId": "stap-datum", "answer": [{"valueDate": "2024-06-01"}]})
    enablement = evaluate_enablement(qr, BASIS)
    assert enablement.item_enabled(steps[0]["item"][2]) is True
    assert enablement.item_enabled(steps[1]["item"][2]) is False


def test_child_of_a_question_can_depend_on_its_parent() -> None:
    q = {
        "item": [
            {
                "linkId": "werkgever",
                "type": "string",
                "item": [
                    {
                        "linkId": "contact",
                        "type": "string",
                        "enableWhen": [
                            {"question": "werkgever", "operator": "=", "answerString": "Bakkerij"}
                        ],
                    }
                ],
            }
        ]
    }
    contact = {"linkId": "contact", "answer": [{"valueString": "De Vries"}]}
    answer: Resource = {"valueString": "Bakkerij", "item": [contact]}
    qr: Resource = {"item": [{"linkId": "werkgever", "answer": [answer]}]}
    assert evaluate_enablement(qr, q).item_enabled(contact) is True
    answer["valueString"] = "Garage"
    assert evaluate_enablement(qr, q).item_enabled(contact) is False


def test_would_be_enabled_for_an_item_the_response_leaves_out() -> None:
    q, qr = chain()
    del qr["item"][2]
    enablement = evaluate_enablement(qr, q)
    c = enablement.index.by_link_id["c"]
    assert enablement.would_be_enabled(c, None) is False
    qr["item"][0]["answer"] = [{"valueBoolean": True}]
    assert evaluate_enablement(qr, q).would_be_enabled(c, None) is True


def test_item_enabled_rejects_a_foreign_item() -> None:
    q, qr = chain()
    with pytest.raises(KeyError):
        evaluate_enablement(qr, q).item_enabled({"linkId": "a"})


def test_without_disabled_drops_disabled_items_and_keeps_the_input() -> None:
    qr = copy.deepcopy(VALID)
    qr["item"][4]["answer"] = [{"valueBoolean": False}]  # werkt = nee: startdatum no longer applies
    steps = [i for i in qr["item"] if i["linkId"] == "stap"]
    steps[1]["item"].append({"linkId": "stap-datum", "answer": [{"valueDate": "2024-06-01"}]})
    before = copy.deepcopy(qr)
    pruned = without_disabled(qr, BASIS)
    assert qr == before
    assert [i["linkId"] for i in pruned["item"]] == [
        i["linkId"] for i in qr["item"] if i["linkId"] != "startdatum"
    ]
    pruned_steps = [i for i in pruned["item"] if i["linkId"] == "stap"]
    assert [i["linkId"] for i in pruned_steps[0]["item"]] == ["stap-doel", "stap-klaar", "stap-datum"]
    assert [i["linkId"] for i in pruned_steps[1]["item"]] == ["stap-doel", "stap-klaar"]
    werkgever = next(i for i in pruned["item"] if i["linkId"] == "werkgever")
    assert werkgever["answer"][0]["item"][0]["linkId"] == "werkgever-contact"
    werkgever["answer"][0]["item"].clear()
    assert qr == before
