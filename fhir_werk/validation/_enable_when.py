"""Which items of a QuestionnaireResponse are enabled, by the Questionnaire's ``enableWhen``.

Implements R4 ``Questionnaire.item.enableWhen`` / ``enableBehavior``
(https://hl7.org/fhir/R4/questionnaire-definitions.html#Questionnaire.item.enableWhen):

- operators ``exists``, ``=``, ``!=``, ``>``, ``<``, ``>=``, ``<=`` on boolean, decimal, integer,
  date, dateTime, time, string, Coding (system + code), Quantity and Reference answers;
- ``=`` and the orderings hold when *at least one* answer satisfies them; ``!=`` when *no*
  answer equals the expected one; with no answer at all only ``exists = false`` holds
  (as the HL7 validator does);
- ``enableBehavior`` ``all`` / ``any``; with several conditions and no enableBehavior (against
  que-12) all must hold, the stricter reading;
- the question an enableWhen names is looked up in the nearest group that holds both items
  (the HL7 validator's reading of "nearest occurrence"), so a condition inside a repeated group
  looks at the same repetition;
- answers of a disabled item count as absent, and a disabled item disables everything nested
  in it.

fhirpathpy evaluates FHIRPath but has no enableWhen evaluator, hence this module. The
extraction stage uses it too, to leave out answers of items that are not enabled.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any, Final

from fhir_werk.shared import Resource
from fhir_werk.validation._index import (
    QItem,
    QuestionnaireIndex,
    ResponseTree,
    RNode,
    index_questionnaire,
    response_tree,
)
from fhir_werk.validation._values import compare, equal

_ORDERINGS: Final = {
    ">": lambda c: c > 0,
    "<": lambda c: c < 0,
    ">=": lambda c: c >= 0,
    "<=": lambda c: c <= 0,
}


def _expected(condition: Resource) -> tuple[str, Any] | None:
    for key, value in condition.items():
        if key.startswith("answer"):
            return "value" + key[len("answer") :], value
    return None


def _common_group(source: QItem, target: QItem) -> QItem | None:
    """The nearest Questionnaire item holding both ``source`` and ``target`` (None: the root)."""
    ancestors: set[int] = set()
    walk = source.parent
    while walk is not None:
        ancestors.add(id(walk))
        walk = walk.parent
    walk = target.parent
    while walk is not None and id(walk) not in ancestors:
        walk = walk.parent
    return walk


class Enablement:
    """The enabled/disabled state of every item of one response (computed lazily, memoised)."""

    def __init__(self, tree: ResponseTree, index: QuestionnaireIndex) -> None:
        self.tree = tree
        self.index = index
        self._state: dict[int, bool] = {}
        self._busy: set[int] = set()
        self._by_item = {id(node.item): node for node in tree.nodes}

    def node_enabled(self, node: RNode) -> bool:
        """True when the response item ``node`` and all items it is nested in are enabled."""
        key = id(node)
        known = self._state.get(key)
        if known is not None:
            return known
        if key in self._busy:
            # A cycle of enableWhen conditions (an authoring error): break it by treating the
            # item under evaluation as enabled instead of recursing forever.
            return True
        self._busy.add(key)
        try:
            enabled = (node.parent is None or self.node_enabled(node.parent)) and (
                node.qdef is None or self.conditions_hold(node.qdef, node.parent)
            )
        finally:
            self._busy.discard(key)
        self._state[key] = enabled
        return enabled

    def node_of(self, item: Resource) -> RNode | None:
        """The tree node of a response item dict of the evaluated response (None if not mapped).

        Items nested in an item whose linkId the Questionnaire does not know are not mapped.
        """
        return self._by_item.get(id(item))

    def item_enabled(self, item: Resource) -> bool:
        """True when the response item dict ``item`` (from the evaluated response) is enabled."""
        node = self.node_of(item)
        if node is None:
            raise KeyError("item is not part of the evaluated QuestionnaireResponse")
        return self.node_enabled(node)

    def would_be_enabled(self, qdef: QItem, context: RNode | None) -> bool:
        """True when an item ``qdef`` placed under ``context`` (None: top level) would be enabled.

        Used for items the response leaves out, e.g. to decide whether a required one is missing.
        """
        return (context is None or self.node_enabled(context)) and self.conditions_hold(qdef, context)

    def conditions_hold(self, qdef: QItem, context: RNode | None) -> bool:
        """Evaluate ``qdef``'s own enableWhen conditions for an item placed under ``context``."""
        conditions = qdef.enable_when
        if not conditions:
            return True
        results = (self._condition(qdef, context, c) for c in conditions if isinstance(c, dict))
        return any(results) if qdef.raw.get("enableBehavior") == "any" else all(results)

    def enabled_link_ids(self) -> frozenset[str]:
        """The linkIds with at least one enabled occurrence in the response."""
        return frozenset(n.link_id for n in self.tree.nodes if n.qdef is not None and self.node_enabled(n))

    def _condition(self, qdef: QItem, context: RNode | None, condition: Resource) -> bool:
        expected = _expected(condition)
        if expected is None:
            return False
        key, value = expected
        target = self.index.by_link_id.get(str(condition.get("question", "")))
        answers = list(self._answers(qdef, context, target)) if target is not None else []
        operator = condition.get("operator")
        if operator == "exists":
            return bool(answers) == (value is True)
        if operator == "=":
            return any(equal(k, v, key, value) for k, v in answers)
        if operator == "!=":
            return bool(answers) and not any(equal(k, v, key, value) for k, v in answers)
        holds = _ORDERINGS.get(str(operator))
        if holds is None:
            return False
        for k, v in answers:
            order = compare(k, v, key, value)
            if order is not None and holds(order):
                return True
        return False

    def _answers(self, source: QItem, context: RNode | None, target: QItem) -> Iterator[tuple[str, Any]]:
        group = _common_group(source, target)
        scope = context
        while scope is not None and scope.qdef is not group:
            scope = scope.parent
        for node in self.tree.by_link_id.get(target.link_id, ()):
            if node.qdef is not target or not _inside(node, scope) or not self.node_enabled(node):
                continue
            for answer in node.answers:
                if isinstance(answer, dict):
                    yield from _values_of(answer)


def _values_of(answer: Resource) -> Iterator[tuple[str, Any]]:
    """An answer's value[x]; one given only as its extension ('_valueString' with, e.g.,
    data-absent-reason) is an answer (``exists``) with the value None, equal to nothing."""
    for key, value in answer.items():
        if key.startswith("value"):
            yield key, value
        elif key.startswith("_value") and key[1:] not in answer:
            yield key[1:], None


def _inside(node: RNode, scope: RNode | None) -> bool:
    if scope is None:
        return True
    walk: RNode | None = node
    while walk is not None:
        if walk is scope:
            return True
        walk = walk.parent
    return False


def evaluate_enablement(response: Resource, questionnaire: Resource) -> Enablement:
    """Evaluate the enableWhen state of every item in ``response``.

    >>> q = {"item": [{"linkId": "werk", "type": "boolean"},
    ...               {"linkId": "uren", "type": "integer", "enableWhen": [
    ...                   {"question": "werk", "operator": "=", "answerBoolean": True}]}]}
    >>> qr = {"item": [{"linkId": "werk", "answer": [{"valueBoolean": False}]},
    ...                {"linkId": "uren", "answer": [{"valueInteger": 8}]}]}
    >>> sorted(evaluate_enablement(qr, q).enabled_link_ids())
    ['werk']
    """
    index = index_questionnaire(questionnaire)
    return Enablement(response_tree(response, index), index)


def enabled_link_ids(response: Resource, questionnaire: Resource) -> frozenset[str]:
    """The linkIds of ``response`` items that are enabled (at least one occurrence)."""
    return evaluate_enablement(response, questionnaire).enabled_link_ids()


def without_disabled(response: Resource, questionnaire: Resource) -> Resource:
    """A copy of ``response`` without the items that enableWhen disables (the input is unchanged)."""
    enablement = evaluate_enablement(response, questionnaire)

    def enabled(item: Any) -> bool:
        node = enablement.node_of(item) if isinstance(item, dict) else None
        # Unmapped entries (malformed, or inside an unknown item) are not enableWhen's to drop.
        return node is None or enablement.node_enabled(node)

    def keep(items: Any) -> Any:
        if not isinstance(items, list):
            return items
        return [prune(i) for i in items if enabled(i)]

    def prune(item: Any) -> Any:
        if not isinstance(item, dict):
            return item
        pruned = dict(item)
        if "item" in pruned:
            pruned["item"] = keep(item["item"])
        if isinstance(item.get("answer"), list):
            pruned["answer"] = [
                {**a, "item": keep(a["item"])} if isinstance(a, dict) and "item" in a else a
                for a in item["answer"]
            ]
        return pruned

    result = dict(response)
    if "item" in result:
        result["item"] = keep(response["item"])
    return copy.deepcopy(result)
