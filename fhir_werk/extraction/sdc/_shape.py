"""The FHIR JSON shape of what the engine walks, checked before it walks it: items, answers,
extensions and contained resources where R4 has them, so malformed input is an
OperationOutcome with its place, never a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir_werk.shared import Resource, issue


def _wrong(where: str, what: tuple[str, str]) -> Resource:
    return issue(
        "error",
        "structure",
        f"{where} heeft niet de FHIR-JSON-vorm: {what[0]}.",
        f"{where} does not have the FHIR JSON shape: {what[1]}.",
        where,
    )


_LIST_OF_OBJECTS = ("een lijst van objecten verwacht", "a list of objects expected")


def _objects(value: Any, where: str) -> Iterator[Resource]:
    if value is not None and not (isinstance(value, list) and all(isinstance(v, dict) for v in value)):
        yield _wrong(where, _LIST_OF_OBJECTS)


def _extensions(element: dict[str, Any], where: str) -> Iterator[Resource]:
    yield from _objects(element.get("extension"), f"{where}.extension")
    extensions = element.get("extension")
    for n, extension in enumerate(extensions if isinstance(extensions, list) else []):
        if isinstance(extension, dict):
            yield from _objects(extension.get("extension"), f"{where}.extension[{n}].extension")


def _items(items: Any, where: str, response: bool) -> Iterator[Resource]:
    found = list(_objects(items, f"{where}.item"))
    yield from found
    if found or not items:
        return
    for n, item in enumerate(items):
        here = f"{where}.item[{n}]"
        if not isinstance(item.get("linkId"), str):
            yield _wrong(here, ("linkId is geen tekst", "linkId is not a string"))
        yield from _extensions(item, here)
        yield from _objects(item.get("code"), f"{here}.code")
        yield from _items(item.get("item"), here, response)
        if response:
            yield from _objects(item.get("answer"), f"{here}.answer")
            answers = item.get("answer")
            for a, answer in enumerate(answers if isinstance(answers, list) else []):
                if isinstance(answer, dict):
                    yield from _items(answer.get("item"), f"{here}.answer[{a}]", response)


def shape_issues(response: Resource, questionnaire: Resource) -> list[Resource]:
    """What is not where R4 puts it, in the response and the Questionnaire (empty: all is)."""
    found = list(_extensions(questionnaire, "Questionnaire"))
    found += _objects(questionnaire.get("contained"), "Questionnaire.contained")
    found += _items(questionnaire.get("item"), "Questionnaire", response=False)
    found += _items(response.get("item"), "QuestionnaireResponse", response=True)
    return found
