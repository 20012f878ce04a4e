"""Benchmark: QuestionnaireResponse validation speed on a generated ~150-item response.

Run: ``.venv/bin/python scripts/bench_validate.py [--seconds 3]``. Prints responses/s and the
time per response; asserts nothing (timing depends on the machine).
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from fhir_werk.validation._validate import validate_response

URL = "https://fhir-werk.nl/fhir/Questionnaire/bench"
CS = "https://fhir-werk.nl/fhir/CodeSystem/bench"
MIN_VALUE = "http://hl7.org/fhir/StructureDefinition/minValue"
MAX_VALUE = "http://hl7.org/fhir/StructureDefinition/maxValue"


def _question(group: int, number: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """One question definition and its answer, cycling through the answer types."""
    link_id = f"g{group}-q{number}"
    kind = number % 5
    if kind == 0:
        return {"linkId": link_id, "type": "boolean", "required": True}, {"valueBoolean": True}
    if kind == 1:
        score = {
            "linkId": link_id,
            "type": "integer",
            "extension": [{"url": MIN_VALUE, "valueInteger": 0}, {"url": MAX_VALUE, "valueInteger": 10}],
            # Enabled by the boolean just before it, so enableWhen is on the hot path too.
            "enableWhen": [{"question": f"g{group}-q{number - 1}", "operator": "=", "answerBoolean": True}],
        }
        return score, {"valueInteger": 7}
    if kind == 2:
        options = [{"valueCoding": {"system": CS, "code": code}} for code in ("a", "b", "c")]
        return {"linkId": link_id, "type": "choice", "answerOption": options}, {
            "valueCoding": {"system": CS, "code": "b"}
        }
    if kind == 3:
        return {"linkId": link_id, "type": "date"}, {"valueDate": "2024-05-01"}
    return {"linkId": link_id, "type": "text", "maxLength": 500}, {"valueString": "Een toelichting in tekst."}


def generate(groups: int = 10, per_group: int = 14) -> tuple[dict[str, Any], dict[str, Any]]:
    """A Questionnaire and a valid completed response: ``groups`` x (1 + ``per_group``) items."""
    q_items, r_items = [], []
    for group in range(groups):
        pairs = [_question(group, number) for number in range(per_group)]
        q_items.append({"linkId": f"g{group}", "type": "group", "item": [d for d, _ in pairs]})
        r_items.append(
            {"linkId": f"g{group}", "item": [{"linkId": d["linkId"], "answer": [a]} for d, a in pairs]}
        )
    questionnaire = {"resourceType": "Questionnaire", "url": URL, "status": "active", "item": q_items}
    response = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": URL,
        "status": "completed",
        "subject": {"reference": "Patient/bench"},
        "item": r_items,
    }
    return questionnaire, response


def main() -> None:
    """Validate the generated response repeatedly for a few seconds and print the rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    seconds = parser.parse_args().seconds
    questionnaire, response = generate()
    result = validate_response(response, questionnaire)
    items = sum(1 + len(group["item"]) for group in response["item"])
    print(f"{items} items, outcome: {[i['severity'] for i in result['issue']]}")
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        validate_response(response, questionnaire)
        count += 1
    print(f"{count / elapsed:.0f} responses/s, {1000 * elapsed / count:.2f} ms per response")


if __name__ == "__main__":
    main()
