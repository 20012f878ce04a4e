"""SDC ``$populate`` for the follow-up conversation: a new, ``in-progress`` response pre-filled
from the patient's record (https://hl7.org/fhir/uv/sdc/STU4/populate.html, expression-based).

The rules are the Questionnaire's own, so any SDC form filler (CSIRO's ``@aehrc/sdc-populate``
…) fills the same: the launch context ``patient``; x-fhir-query variables (``{{expression}}``
embedded FHIRPath replaced, then the search run on the :class:`~._record.Record`);
``itemPopulationContext`` on a repeating group (one repetition per result, the result named for
the child items); ``initialExpression`` on a question. A question whose expression gives nothing
is left out, and so is a group left empty. The scores are never pre-filled: they are asked anew.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from fhirpathpy import evaluate as fhirpath
from fhirpathpy.models import models

from fhir_werk.authoring import ANSWER_VALUE
from fhir_werk.followup._record import Record
from fhir_werk.shared import (
    INITIAL_EXPRESSION,
    ITEM_POPULATION_CONTEXT,
    LAUNCH_CONTEXT,
    VARIABLE,
    InvalidInputError,
    Resource,
    issue,
    outcome,
)

_MODEL: Final = models["r4"]
_EMBEDDED: Final = re.compile(r"\{\{(.+?)\}\}")


def _expression(element: Resource, url: str) -> Resource | None:
    for extension in element.get("extension", []):
        if extension.get("url") == url and isinstance(extension.get("valueExpression"), dict):
            found: Resource = extension["valueExpression"]
            return found
    return None


def _evaluate(expression: str, env: Mapping[str, Any], where: str) -> list[Any]:
    try:
        result = fhirpath({}, expression, dict(env), _MODEL)
    except Exception as exc:  # fhirpathpy raises bare Exceptions on bad expressions
        raise InvalidInputError(
            outcome(
                [
                    issue(
                        "error",
                        "invalid",
                        f"De vooraf-in-te-vullen expressie van '{where}' kan niet worden uitgevoerd.",
                        f"The population expression of '{where}' cannot be evaluated.",
                        where,
                    )
                ]
            ),
            status=400,
        ) from exc
    return list(result) if isinstance(result, list) else [result]


def _query(template: str, env: Mapping[str, Any], name: str) -> str:
    def value(match: re.Match[str]) -> str:
        found = _evaluate(match.group(1), env, f"variable {name}")
        return str(found[0]) if found else ""

    return _EMBEDDED.sub(value, template)


def _answer(item: Resource, value: Any) -> Resource | None:
    """One answer for ``item`` from an expression result; None when it does not fit the item."""
    kind = item.get("type")
    if kind == "choice":
        options = [o["valueCoding"] for o in item.get("answerOption", []) if "valueCoding" in o]
        code = value.get("code") if isinstance(value, dict) else value
        # A string result selects the option with that code, as SDC form fillers do.
        chosen = next((o for o in options if o.get("code") == code), None)
        if chosen is None:
            return None
        return {"valueCoding": {k: chosen[k] for k in ("system", "code", "display") if k in chosen}}
    key = ANSWER_VALUE.get(str(kind))
    if key is None:
        return None
    if kind == "date" and isinstance(value, str):
        value = value[:10]
    if kind == "reference" and not isinstance(value, dict):
        return None
    if kind in ("integer", "decimal") and (isinstance(value, bool) or not isinstance(value, int | float)):
        return None
    return {key: value}


def _items(definitions: list[Resource], env: dict[str, Any]) -> list[Resource]:
    built: list[Resource] = []
    for definition in definitions:
        link_id = definition.get("linkId")
        if definition.get("type") == "display":
            continue
        if definition.get("type") == "group":
            context = _expression(definition, ITEM_POPULATION_CONTEXT)
            if context is not None:
                name = str(context.get("name") or "context")
                for each in _evaluate(str(context.get("expression", "")), env, str(link_id)):
                    children = _items(definition.get("item", []), {**env, name: each})
                    if children:
                        built.append({"linkId": link_id, "item": children})
                continue
            children = _items(definition.get("item", []), env)
            if children:
                built.append({"linkId": link_id, "item": children})
            continue
        initial = _expression(definition, INITIAL_EXPRESSION)
        if initial is None:
            continue
        values = _evaluate(str(initial.get("expression", "")), env, str(link_id))
        answers = [a for a in (_answer(definition, v) for v in values) if a is not None]
        if answers:
            built.append({"linkId": link_id, "answer": answers if definition.get("repeats") else answers[:1]})
    return built


def launch_names(questionnaire: Resource) -> list[str]:
    """The launch contexts the Questionnaire asks for (``patient`` ...)."""
    names = []
    for extension in questionnaire.get("extension", []):
        if extension.get("url") == LAUNCH_CONTEXT:
            for part in extension.get("extension", []):
                if part.get("url") == "name":
                    names.append(str(part.get("valueCoding", {}).get("code")))
    return names


def populate(
    questionnaire: Resource,
    record: Record,
    *,
    patient: str,
    authored: str,
    author: Resource | None = None,
) -> Resource:
    """A new ``in-progress`` response to ``questionnaire`` (the assembled form) for Patient
    ``patient``, pre-filled from ``record`` by the Questionnaire's population rules."""
    env: dict[str, Any] = {"patient": {"resourceType": "Patient", "id": patient}}
    for extension in questionnaire.get("extension", []):
        expression = extension.get("valueExpression") or {}
        if extension.get("url") != VARIABLE or expression.get("language") != "application/x-fhir-query":
            continue
        name = str(expression.get("name"))
        env[name] = record.search(_query(str(expression.get("expression", "")), env, name))
    response: Resource = {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{questionnaire['url']}|{questionnaire['version']}",
        "status": "in-progress",
        "subject": {"reference": f"Patient/{patient}"},
        "authored": authored,
    }
    if author is not None:
        response["author"] = author
    items = _items(questionnaire.get("item", []), env)
    if items:
        response["item"] = items
    return response
