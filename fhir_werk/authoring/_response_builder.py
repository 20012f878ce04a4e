"""Build a QuestionnaireResponse from answers by linkId, nested the way the Questionnaire is.

Used for the shipped example responses, the property tests and anyone who fills in the
leidraad from another system. Only answered items appear; groups appear when something in
them is answered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from fhir_werk.shared import Resource

ANSWER_VALUE: Final = {
    "boolean": "valueBoolean",
    "integer": "valueInteger",
    "decimal": "valueDecimal",
    "date": "valueDate",
    "dateTime": "valueDateTime",
    "string": "valueString",
    "text": "valueString",
    "url": "valueUri",
    "reference": "valueReference",
}
"""The answer's value[x] element for each Questionnaire item type (choice: valueCoding)."""


def answer_for(item: Resource, value: Any) -> Resource:
    """One answer to ``item``: a code of a choice item becomes its answerOption Coding."""
    if item["type"] == "choice":
        for option in item.get("answerOption", []):
            if option["valueCoding"]["code"] == value:
                coding = {k: option["valueCoding"][k] for k in ("system", "code", "display")}
                return {"valueCoding": coding}
        raise ValueError(f"{item['linkId']}: {value!r} is geen antwoordoptie")
    if item["type"] == "reference":
        return {"valueReference": value if isinstance(value, dict) else {"reference": value}}
    return {ANSWER_VALUE[item["type"]]: value}


def _items(definitions: list[Resource], answers: Mapping[str, Any]) -> list[Resource]:
    built: list[Resource] = []
    for definition in definitions:
        link_id = definition["linkId"]
        if definition["type"] == "display":
            continue
        if definition["type"] == "group":
            if definition.get("repeats") and link_id in answers:
                for repetition in answers[link_id]:
                    children = _items(definition.get("item", []), repetition)
                    if children:
                        built.append({"linkId": link_id, "item": children})
                continue
            children = _items(definition.get("item", []), answers)
            if children:
                built.append({"linkId": link_id, "item": children})
            continue
        if link_id not in answers:
            continue
        values = answers[link_id] if isinstance(answers[link_id], list) else [answers[link_id]]
        built.append({"linkId": link_id, "answer": [answer_for(definition, v) for v in values]})
    return built


def build_response(
    questionnaire: Resource,
    answers: Mapping[str, Any],
    *,
    subject: str,
    authored: str,
    author: str | None = None,
    response_id: str | None = None,
    status: str = "completed",
) -> Resource:
    """A QuestionnaireResponse for ``questionnaire`` (use the assembled form) with these answers.

    ``answers`` maps linkIds to a value (a code for choice items), a list of values for repeating
    questions, or — for a repeating group — a list of mappings with the group's own answers.
    """
    response: Resource = {"resourceType": "QuestionnaireResponse"}
    if response_id:
        response["id"] = response_id
        response["identifier"] = {
            "system": "https://fhir-werk.nl/fhir/NamingSystem/voorbeeld",
            "value": response_id,
        }
    response |= {
        "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
        "status": status,
        "subject": {"reference": subject},
        "authored": authored,
    }
    if author:
        response["author"] = {"reference": author}
    response["item"] = _items(questionnaire["item"], answers)
    return response
