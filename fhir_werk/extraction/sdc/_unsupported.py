"""What the engine does not do is said, never skipped: one OperationOutcome issue per place.

The issues are warnings (the rest of the bundle is still right); an expression that fails is an
error at its item.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from fhir_werk.extraction.sdc._urls import (
    CSIRO_PATCH_URL,
    DEFINITION_EXTRACT,
    DEFINITION_EXTRACT_VALUE,
    ITEM_EXTRACTION_CONTEXT,
    TARGET_STRUCTURE_MAP,
    TEMPLATE_EXTRACT,
)
from fhir_werk.shared import Resource, issue

_NOT_DONE: Final = {
    TARGET_STRUCTURE_MAP: ("extractie met een StructureMap", "StructureMap-based extraction"),
}
_PARTS: Final = frozenset(
    {
        "template",
        "fullUrl",
        "resourceId",
        "ifNoneMatch",
        "ifModifiedSince",
        "ifMatch",
        "ifNoneExist",
        "type",
        CSIRO_PATCH_URL,
    }
)

_MESSAGES: Final = {
    "missing-template": (
        "Het sjabloon {0!r} staat niet in Questionnaire.contained: er is niets uit geëxtraheerd.",
        "The template {0!r} is not in Questionnaire.contained: nothing was extracted from it.",
    ),
    "missing-bundle": (
        "Het bundelsjabloon {0!r} (templateExtractBundle) is geen Bundle in Questionnaire.contained.",
        "The bundle template {0!r} (templateExtractBundle) is not a Bundle in Questionnaire.contained.",
    ),
    "definition-type": (
        "Van de definitie {0!r} (definitionExtract) is het resourcetype niet te bepalen; "
        "er is niets uit geëxtraheerd.",
        "The resource type of the definition {0!r} (definitionExtract) cannot be told; "
        "nothing was extracted.",
    ),
    "definition-path": (
        "Het pad {0!r} bestaat niet in het R4-model; die waarde is niet geëxtraheerd.",
        "The path {0!r} does not exist in the R4 model; that value was not extracted.",
    ),
    "orphan-value": (
        "definitionExtractValue staat niet onder een definitionExtract: er is geen resource om "
        "{0!r} in te zetten.",
        "definitionExtractValue is not under a definitionExtract: there is no resource to put {0!r} in.",
    ),
    "unknown-part": (
        "Het deel {0!r} van templateExtract is onbekend en is genegeerd.",
        "The part {0!r} of templateExtract is unknown and was ignored.",
    ),
}


def template_issue(kind: str, where: str, name: str) -> Resource:
    nl, en = _MESSAGES[kind]
    if kind.startswith("missing"):
        return issue("error", "not-found", nl.format(name), en.format(name), where)
    return issue(
        "warning",
        "not-supported",
        nl.format(name),
        en.format(name),
        where,
    )


def primitive_issue(expression: str, where: str) -> Resource:
    return issue(
        "warning",
        "value",
        f"templateExtractValue {expression!r} staat op een samengesteld element maar gaf een "
        "primitieve waarde; die is overgenomen zoals hij is.",
        f"templateExtractValue {expression!r} sits on a complex element but gave a primitive "
        "value; it was taken as it is.",
        where,
    )


def expression_issue(message: str, where: str) -> Resource:
    return issue(
        "error",
        "invalid",
        f"Een FHIRPath-expressie kon niet worden uitgevoerd: {message}",
        f"A FHIRPath expression could not be evaluated: {message}",
        where,
    )


def _items(items: list[Resource], path: str) -> Iterator[tuple[Resource, str]]:
    for item in items:
        if not isinstance(item, dict):
            continue
        here = f"{path}/{item.get('linkId')}" if path else str(item.get("linkId"))
        yield item, here
        yield from _items(item.get("item") or [], here)


def unsupported(questionnaire: Resource) -> list[Resource]:
    """A warning for each extraction feature the engine does not run, where it is used."""
    found: list[Resource] = []
    for element, where in [(questionnaire, "Questionnaire"), *_items(questionnaire.get("item") or [], "")]:
        for extension in element.get("extension", ()):
            url = extension.get("url") if isinstance(extension, dict) else None
            if not isinstance(url, str):
                continue
            if url in _NOT_DONE and extension.get("valueBoolean", True) is not False:
                nl, en = _NOT_DONE[url]
                found.append(
                    issue(
                        "warning",
                        "not-supported",
                        f"{nl} wordt niet ondersteund: dit deel is niet geëxtraheerd.",
                        f"{en} is not supported: this part was not extracted.",
                        where,
                    )
                )
            if url == ITEM_EXTRACTION_CONTEXT and "valueExpression" in extension:
                # SDC 3: an expression names an existing resource to update; it is created new.
                found.append(
                    issue(
                        "warning",
                        "not-supported",
                        "itemExtractionContext met een expressie (een bestaande resource bijwerken) "
                        "wordt niet ondersteund: de resource is nieuw aangemaakt.",
                        "itemExtractionContext with an expression (updating an existing resource) "
                        "is not supported: the resource was created new.",
                        where,
                    )
                )
            if url == TEMPLATE_EXTRACT:
                for part in extension.get("extension", ()):
                    if isinstance(part, dict) and part.get("url") not in _PARTS:
                        found.append(template_issue("unknown-part", where, str(part.get("url"))))
    return found


def _has(element: Resource, url: str) -> bool:
    return any(isinstance(e, dict) and e.get("url") == url for e in element.get("extension") or ())


def orphans(questionnaire: Resource) -> list[Resource]:
    """A warning for each definitionExtractValue with no definitionExtract on it or above it."""
    found: list[Resource] = []

    def walk(items: list[Resource], path: str, inside: bool) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            here = f"{path}/{item.get('linkId')}" if path else str(item.get("linkId"))
            within = inside or _has(item, DEFINITION_EXTRACT)
            if not within and _has(item, DEFINITION_EXTRACT_VALUE):
                found.append(template_issue("orphan-value", here, str(item.get("linkId"))))
            walk(item.get("item") or [], here, within)

    walk(questionnaire.get("item") or [], "", _has(questionnaire, DEFINITION_EXTRACT))
    return found
