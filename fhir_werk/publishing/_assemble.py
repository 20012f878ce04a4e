"""``$assemble``: a modular Questionnaire becomes one complete Questionnaire.

Implements SDC 4.0.0 Modular Forms (https://hl7.org/fhir/uv/sdc/STU4/modular.html) and the
``$assemble`` operation (https://hl7.org/fhir/uv/sdc/STU4/OperationDefinition-Questionnaire-assemble.html):
every display item carrying ``sdc-questionnaire-subQuestionnaire`` is replaced by the root items of
the Questionnaire it names; contained resources of the modules move to the assembled root; the
result loses ``assemble-expectation``, gains ``assembledFrom`` and a version ending in ``-assembled``.

One project rule on top (documented in docs/questionnaires.md): a module's items marked with the
extension ``alleen-zelfstandig`` are left out when the module is assembled into a parent, because
the parent asks that question itself (the work situation, asked once for all themes).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from fhir_werk.shared import (
    ASSEMBLE_EXPECTATION,
    ASSEMBLED_FROM,
    STANDALONE_ONLY,
    SUB_QUESTIONNAIRE,
    InvalidInputError,
    NotFoundError,
    Resource,
    bad_request,
    not_found,
)

Resolver = Callable[[str], Resource | None]
"""Looks up a Questionnaire by canonical (``url`` or ``url|version``)."""


def _extension(element: Resource, url: str) -> Any:
    return next((e for e in element.get("extension", []) if e.get("url") == url), None)


def needs_assembly(questionnaire: Resource) -> bool:
    """True for a modular root: it names sub-questionnaires that must be inlined before use."""
    expectation = _extension(questionnaire, ASSEMBLE_EXPECTATION)
    return expectation is not None and expectation.get("valueCode") == "assemble-root"


class _Assembler:
    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve
        self.contained: dict[str, Resource] = {}
        self.seen: set[str] = set()

    def items(self, items: list[Resource], path: str, stack: tuple[str, ...]) -> list[Resource]:
        result: list[Resource] = []
        for index, item in enumerate(items):
            sub = _extension(item, SUB_QUESTIONNAIRE)
            if sub is None:
                if "item" in item:
                    item = {**item, "item": self.items(item["item"], f"{path}.item[{index}]", stack)}
                result.append(item)
                continue
            result += self.module(str(sub.get("valueCanonical", "")), f"{path}.item[{index}]", stack)
        return result

    def module(self, reference: str, path: str, stack: tuple[str, ...]) -> list[Resource]:
        if reference in stack:
            raise InvalidInputError(
                bad_request(
                    f"Kringverwijzing tussen modules: {' -> '.join((*stack, reference))}.",
                    f"Circular reference between modules: {' -> '.join((*stack, reference))}.",
                    path,
                )
            )
        module = self.resolve(reference)
        if module is None or module.get("resourceType") != "Questionnaire":
            raise NotFoundError(
                not_found(
                    f"Module '{reference}' is niet gevonden.", f"Module '{reference}' was not found.", path
                )
            )
        for resource in module.get("contained", []):
            self.add_contained(resource, path)
        kept = [
            i
            for i in module.get("item", [])
            if not (_extension(i, STANDALONE_ONLY) or {}).get("valueBoolean")
        ]
        return self.items(copy.deepcopy(kept), path, (*stack, reference))

    def add_contained(self, resource: Resource, path: str) -> None:
        existing = self.contained.get(resource["id"])
        if existing is not None and existing != resource:
            raise InvalidInputError(
                bad_request(
                    f"Twee modules bevatten verschillende resources met id '{resource['id']}'.",
                    f"Two modules contain different resources with id '{resource['id']}'.",
                    path,
                )
            )
        self.contained[resource["id"]] = resource


def _check_unique(items: list[Resource], seen: dict[str, str], path: str) -> None:
    for index, item in enumerate(items):
        here = f"{path}.item[{index}]"
        link_id = item.get("linkId", "")
        if link_id in seen:
            raise InvalidInputError(
                bad_request(
                    f"linkId '{link_id}' komt twee keer voor na het samenstellen.",
                    f"linkId '{link_id}' occurs twice after assembly.",
                    [seen[link_id], here],
                )
            )
        seen[link_id] = here
        _check_unique(item.get("item", []), seen, here)


def assemble(questionnaire: Resource, resolve: Resolver) -> Resource:
    """Return the fully assembled form of a modular Questionnaire (the input is not changed).

    Raises NotFoundError when a module cannot be resolved and InvalidInputError for circular
    modules, clashing contained resources or duplicate linkIds; each carries an OperationOutcome.
    """
    assembler = _Assembler(resolve)
    root = copy.deepcopy(questionnaire)
    for resource in root.get("contained", []):
        assembler.add_contained(resource, "Questionnaire.contained")
    own = f"{root.get('url')}|{root.get('version')}"
    root["item"] = assembler.items(root.get("item", []), "Questionnaire", (own,))
    _check_unique(root["item"], {}, "Questionnaire")
    if assembler.contained:
        root["contained"] = list(assembler.contained.values())
    root["extension"] = [e for e in root.get("extension", []) if e.get("url") != ASSEMBLE_EXPECTATION]
    root["extension"].insert(0, {"url": ASSEMBLED_FROM, "valueCanonical": own})
    root["version"] = f"{root.get('version')}-assembled"
    if "id" in root:
        root["id"] = f"{root['id']}-assembled"
    return root
