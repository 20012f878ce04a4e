"""The item-level checks of QuestionnaireResponse validation, one small function per rule.

Each check takes a response node (or a list of nodes) and yields OperationOutcome issues with
a Dutch message, its English translation and the linkId path as ``expression``. The walk at
the bottom visits the response in document order, so the issues come out in reading order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fhir_werk.publishing import Artifacts, Code
from fhir_werk.shared import Resource, Severity, issue
from fhir_werk.validation._enable_when import Enablement
from fhir_werk.validation._index import Container, QItem, ResponseTree, RNode, has_answer, item_path
from fhir_werk.validation._values import VALUE_NAMES, compare, equal, format_problem, show_value

Issues = Iterator[Resource]


@dataclass(slots=True)
class Checks:
    """What the item checks share during one validation."""

    enablement: Enablement
    artifacts: Artifacts | None
    required_severity: Severity
    questionnaire: Resource
    _value_sets: dict[str, frozenset[Code] | None] = field(default_factory=dict)
    _unchecked: set[str] = field(default_factory=set)

    def value_set(self, canonical: str) -> frozenset[Code] | None:
        """The codes of an answerValueSet (``#id`` for a contained one), None when unknown."""
        if canonical not in self._value_sets:
            if canonical.startswith("#"):
                codes = _contained_codes(self.questionnaire, canonical[1:])
            else:
                codes = self.artifacts.value_set_codes(canonical) if self.artifacts else None
            self._value_sets[canonical] = codes
        return self._value_sets[canonical]

    def first_unchecked(self, canonical: str) -> bool:
        """True the first time a ValueSet is found unknown (so it is reported once)."""
        first = canonical not in self._unchecked
        self._unchecked.add(canonical)
        return first


def _contained_codes(questionnaire: Resource, vs_id: str) -> frozenset[Code] | None:
    for resource in questionnaire.get("contained") or ():
        if isinstance(resource, dict) and resource.get("id") == vs_id:
            codes: set[Code] = set()
            for include in resource.get("compose", {}).get("include", []):
                if not include.get("concept"):
                    # A whole CodeSystem: expanding it needs the CodeSystem, which a contained
                    # ValueSet does not bring; report it unchecked rather than guess.
                    return None
                codes.update((include.get("system", ""), c.get("code")) for c in include["concept"])
            stack = list(resource.get("expansion", {}).get("contains", []))
            while stack:
                entry = stack.pop()
                codes.add((entry.get("system", ""), entry.get("code")))
                stack.extend(entry.get("contains", []))
            return frozenset(codes)
    return None


def _q(node: RNode) -> str:
    return f"'{node.link_id}'"


def _kind(qdef: QItem | None) -> tuple[str, str]:
    return ("Groep", "Group") if qdef is not None and qdef.is_group else ("Vraag", "Item")


# --- where an item sits ------------------------------------------------------------------


def _placement_text(node: RNode) -> tuple[str, str]:
    nl, en = _kind(node.qdef)
    parent = node.parent.link_id if node.parent else ""
    if node.placement == "no-link-id":
        return "Een onderdeel van het antwoord heeft geen linkId.", "A response item has no linkId."
    if node.placement == "unknown":
        return (
            f"Onbekende vraag {_q(node)}: die staat niet in de vragenlijst.",
            f"Unknown item {_q(node)}: it is not in the Questionnaire.",
        )
    if node.placement == "needs-answer":
        return (
            f"{nl} {_q(node)} hoort bij een antwoord op vraag '{parent}' (answer.item), "
            "niet direct onder die vraag (item.item).",
            f"{en} {_q(node)} must be nested in an answer of '{parent}' (answer.item), "
            "not directly under it (item.item).",
        )
    if node.placement == "needs-item":
        return (
            f"{nl} {_q(node)} hoort direct in groep '{parent}' (item.item), niet onder een antwoord.",
            f"{en} {_q(node)} belongs directly in group '{parent}' (item.item), not under an answer.",
        )
    owner = node.qdef.parent if node.qdef else None
    return (
        f"{nl} {_q(node)} staat op de verkeerde plaats: die hoort "
        + (f"onder '{owner.link_id}'." if owner else "op het hoogste niveau."),
        f"{en} {_q(node)} is in the wrong place: it belongs "
        + (f"under '{owner.link_id}'." if owner else "at the top level."),
    )


def check_placement(node: RNode) -> Issues:
    """Unknown linkIds and items nested where the Questionnaire does not put them."""
    if node.placement != "ok":
        nl, en = _placement_text(node)
        yield issue("error", "structure", nl, en, node.path)


def check_repeated_item(node: RNode) -> Issues:
    """The same linkId twice under one parent, unless it is a group with ``repeats``."""
    qdef = node.qdef
    if qdef is None or node.occurrence != 1 or (qdef.is_group and qdef.repeats):
        return
    nl, en = _kind(qdef)
    hint_nl = "" if qdef.is_group else "; meerdere antwoorden horen in één item"
    hint_en = "" if qdef.is_group else "; several answers belong in one item"
    yield issue(
        "error",
        "structure",
        f"{nl} {_q(node)} komt {node.occurrences} keer voor maar mag maar één keer voorkomen{hint_nl}.",
        f"{en} {_q(node)} occurs {node.occurrences} times but may occur once{hint_en}.",
        node.path,
    )


def check_text(node: RNode) -> Issues:
    """A question text that differs from the Questionnaire's (a warning: it may be a translation)."""
    text = node.item.get("text")
    if node.qdef is None or text is None or text == node.qdef.raw.get("text"):
        return
    yield issue(
        "warning",
        "value",
        f"De tekst bij {_q(node)} wijkt af van de tekst in de vragenlijst.",
        f"The text of {_q(node)} differs from the Questionnaire's.",
        f"{node.path}.text",
    )


def check_order(container: Container) -> Issues:
    """Items in another order than in the Questionnaire (a warning: the content is not wrong)."""
    last = -1
    for node in container.nodes:
        if node.qdef is None or node.placement != "ok":
            continue
        if node.qdef.position < last:
            nl, en = _kind(node.qdef)
            yield issue(
                "warning",
                "structure",
                f"{nl} {_q(node)} staat in een andere volgorde dan in de vragenlijst.",
                f"{en} {_q(node)} is out of the Questionnaire's order.",
                node.path,
            )
            return
        last = node.qdef.position


# --- answers -----------------------------------------------------------------------------


def check_answer_allowed(node: RNode) -> Issues:
    """Answers on a group or display item, and several answers where ``repeats`` is not true."""
    qdef, answers = node.qdef, node.answers
    if qdef is None or not answers:
        return
    if qdef.is_group:
        yield issue(
            "error",
            "structure",
            f"Groep {_q(node)} is een kop en kan geen antwoord hebben.",
            f"Group {_q(node)} is a heading and cannot have an answer.",
            f"{node.path}.answer",
        )
    elif qdef.type == "display":
        yield issue(
            "error",
            "structure",
            f"{_q(node)} is alleen tekst (display) en kan geen antwoord hebben.",
            f"Display item {_q(node)} is text only and cannot have an answer.",
            f"{node.path}.answer",
        )
    elif len(answers) > 1 and not qdef.repeats:
        yield issue(
            "error",
            "structure",
            f"Vraag {_q(node)} mag maar één antwoord hebben, maar heeft er {len(answers)}.",
            f"Item {_q(node)} allows one answer but has {len(answers)}.",
            f"{node.path}.answer[1]",
        )


def check_enabled(node: RNode, enablement: Enablement) -> Issues:
    """Answers to items that enableWhen disables, also when a group around them is disabled."""
    if not node.answers or enablement.node_enabled(node):
        return
    cause = node
    while cause.parent is not None and not enablement.node_enabled(cause.parent):
        cause = cause.parent
    if cause is node:
        nl = f"Vraag {_q(node)} is beantwoord, maar is door eerdere antwoorden niet van toepassing."
        en = f"Item {_q(node)} has an answer but is disabled by earlier answers (enableWhen)."
    else:
        nl = (
            f"Vraag {_q(node)} is beantwoord, maar valt onder {_q(cause)} "
            "dat door eerdere antwoorden niet van toepassing is."
        )
        en = (
            f"Item {_q(node)} has an answer but is inside {_q(cause)}, "
            "which earlier answers disable (enableWhen)."
        )
    yield issue("error", "business-rule", nl, en, node.path)


def check_answer_value(node: RNode, position: int, answer: Any, checks: Checks) -> Issues:
    """One answer: a single value[x], of the item's type, well formed, allowed and within bounds."""
    qdef = node.qdef
    if qdef is None or qdef.is_group or qdef.type == "display":
        return
    where = f"{node.path}.answer[{position}]"
    keys = [k for k in answer if k.startswith("value")]
    if not keys:
        if "item" not in answer:
            yield issue(
                "error",
                "required",
                f"Antwoord op vraag {_q(node)} heeft geen waarde.",
                f"Answer to {_q(node)} has no value.",
                where,
            )
        return
    if len(keys) > 1:
        listed = ", ".join(keys)
        yield issue(
            "error",
            "structure",
            f"Antwoord op vraag {_q(node)} heeft meer dan één waarde ({listed}).",
            f"Answer to {_q(node)} has more than one value ({listed}).",
            where,
        )
        return
    key, value = keys[0], answer[keys[0]]
    where = f"{where}.value"
    if key not in qdef.value_keys:
        yield _wrong_type(node, qdef, key, where)
        return
    problem = format_problem(key, value)
    if problem is not None:
        yield issue(
            "error",
            "value",
            f"Antwoord op vraag {_q(node)} is ongeldig: {problem[0]}.",
            f"Answer to {_q(node)} is invalid: {problem[1]}.",
            where,
        )
        return
    yield from check_option(node, qdef, key, value, where)
    yield from check_value_set(node, qdef, key, value, where, checks)
    yield from check_bounds(node, qdef, key, value, where)
    yield from check_length(node, qdef, key, value, where)


def _wrong_type(node: RNode, qdef: QItem, key: str, where: str) -> Resource:
    expected = sorted(qdef.value_keys)
    exp_nl = " of ".join(f"{VALUE_NAMES[k][0]} ({k})" for k in expected if k in VALUE_NAMES) or qdef.type
    exp_en = " or ".join(f"{VALUE_NAMES[k][1]} ({k})" for k in expected if k in VALUE_NAMES) or qdef.type
    got_nl, got_en = VALUE_NAMES.get(key, (key, key))
    return issue(
        "error",
        "value",
        f"Antwoord op vraag {_q(node)} heeft de verkeerde soort waarde: "
        f"verwacht {exp_nl}, gekregen {got_nl} ({key}).",
        f"Answer to {_q(node)} has the wrong type: expected {exp_en}, got {got_en} ({key}).",
        where,
    )


def check_option(node: RNode, qdef: QItem, key: str, value: Any, where: str) -> Issues:
    """An answer that is not one of the item's answerOptions (free text on open-choice is fine)."""
    candidates = [v for k, v in qdef.options if k == key]
    if not candidates or (qdef.type == "open-choice" and key == "valueString"):
        return
    if any(equal(key, value, key, option) for option in candidates):
        return
    yield issue(
        "error",
        "code-invalid",
        f"Antwoord op vraag {_q(node)} ({show_value(key, value)}) "
        "staat niet tussen de antwoordmogelijkheden.",
        f"Answer to {_q(node)} ({show_value(key, value)}) is not one of the answer options.",
        where,
    )


def check_value_set(node: RNode, qdef: QItem, key: str, value: Any, where: str, checks: Checks) -> Issues:
    """A coded answer outside the item's answerValueSet; an unknown ValueSet is reported once."""
    canonical = qdef.raw.get("answerValueSet")
    if key != "valueCoding" or not isinstance(canonical, str):
        return
    codes = checks.value_set(canonical)
    if codes is None:
        if checks.first_unchecked(canonical):
            severity: Severity = "information" if checks.artifacts is None else "warning"
            yield issue(
                severity,
                "not-found" if checks.artifacts else "informational",
                f"Waardelijst '{canonical}' van vraag {_q(node)} is onbekend; de antwoorden zijn niet "
                "tegen de waardelijst gecontroleerd.",
                f"ValueSet '{canonical}' of {_q(node)} is unknown; the answers were not checked against it.",
                where,
            )
        return
    if (value.get("system", ""), value["code"]) in codes:
        return
    yield issue(
        "error",
        "code-invalid",
        f"Antwoord op vraag {_q(node)} ({show_value(key, value)}) hoort niet bij waardelijst '{canonical}'.",
        f"Answer to {_q(node)} ({show_value(key, value)}) is not in ValueSet '{canonical}'.",
        where,
    )


def check_bounds(node: RNode, qdef: QItem, key: str, value: Any, where: str) -> Issues:
    """An answer below the minValue or above the maxValue extension."""
    shown = show_value(key, value)
    if qdef.min_value is not None:
        order = compare(key, value, *qdef.min_value)
        if order is not None and order < 0:
            limit = show_value(*qdef.min_value)
            yield issue(
                "error",
                "value",
                f"Antwoord op vraag {_q(node)} ({shown}) ligt onder het minimum {limit}.",
                f"Answer to {_q(node)} ({shown}) is below the minimum {limit}.",
                where,
            )
    if qdef.max_value is not None:
        order = compare(key, value, *qdef.max_value)
        if order is not None and order > 0:
            limit = show_value(*qdef.max_value)
            yield issue(
                "error",
                "value",
                f"Antwoord op vraag {_q(node)} ({shown}) ligt boven het maximum {limit}.",
                f"Answer to {_q(node)} ({shown}) is above the maximum {limit}.",
                where,
            )


def _chars(count: int) -> str:
    return f"{count} teken" if count == 1 else f"{count} tekens"


def check_length(node: RNode, qdef: QItem, key: str, value: Any, where: str) -> Issues:
    """A text answer longer than ``maxLength`` or shorter than the minLength extension."""
    if key not in ("valueString", "valueUri") or not isinstance(value, str):
        return
    length = len(value)
    if qdef.max_length is not None and length > qdef.max_length:
        yield issue(
            "error",
            "value",
            f"Antwoord op vraag {_q(node)} is {_chars(length)} lang; het maximum is {qdef.max_length}.",
            f"Answer to {_q(node)} is {length} character(s) long; the maximum is {qdef.max_length}.",
            where,
        )
    if qdef.min_length is not None and length < qdef.min_length:
        yield issue(
            "error",
            "value",
            f"Antwoord op vraag {_q(node)} is {_chars(length)} lang; het minimum is {qdef.min_length}.",
            f"Answer to {_q(node)} is {length} character(s) long; the minimum is {qdef.min_length}.",
            where,
        )


# --- what is missing ---------------------------------------------------------------------


def check_required(container: Container, roots: list[QItem], checks: Checks) -> Issues:
    """Required items that are enabled but have no answer (a group: no answer inside it)."""
    if not container.expected:
        return
    children = container.qdef.children if container.qdef is not None else roots
    for qdef in children:
        if not qdef.required or qdef.type == "display":
            continue
        present = [n for n in container.nodes if n.qdef is qdef]
        if any(has_answer(n.item) for n in present):
            continue
        if not checks.enablement.would_be_enabled(qdef, container.owner):
            continue
        where = present[0].path if present else item_path(container.path, qdef.link_id)
        if qdef.is_group:
            nl = f"Groep '{qdef.link_id}' is verplicht maar niet ingevuld."
            en = f"Group '{qdef.link_id}' is required but not filled in."
        else:
            nl = f"Vraag '{qdef.link_id}' is verplicht maar niet beantwoord."
            en = f"Item '{qdef.link_id}' is required but has no answer."
        yield issue(checks.required_severity, "required", nl, en, where)


# --- the walk ----------------------------------------------------------------------------


def check_node(node: RNode, checks: Checks) -> Issues:
    """Every check on one response item and its answers (not its children)."""
    yield from check_placement(node)
    yield from check_repeated_item(node)
    yield from check_text(node)
    if "answer" in node.item and not isinstance(node.item["answer"], list):
        yield issue(
            "error",
            "structure",
            f"De antwoorden van {_q(node)} staan niet in een lijst.",
            f"The answers of {_q(node)} are not a list.",
            f"{node.path}.answer",
        )
    yield from check_answer_allowed(node)
    yield from check_enabled(node, checks.enablement)
    for position, answer in enumerate(node.answers):
        if isinstance(answer, dict):
            yield from check_answer_value(node, position, answer, checks)


def check_container(container: Container, roots: list[QItem], checks: Checks) -> Issues:
    """Check a list of items, everything nested in them, and what the list is missing."""
    yield from check_order(container)
    for node in container.nodes:
        yield from check_node(node, checks)
        for inner in node.containers:
            yield from check_container(inner, roots, checks)
    yield from check_required(container, roots, checks)


def check_tree(tree: ResponseTree, roots: list[QItem], checks: Checks) -> Issues:
    """All item-level issues of a response, in reading order."""
    for path in tree.malformed:
        yield issue(
            "error",
            "structure",
            "Een onderdeel van het antwoord is geen geldig item of antwoord (geen JSON-object of lijst).",
            "A part of the response is not a valid item or answer (not a JSON object or list).",
            path,
        )
    yield from check_container(tree.root, roots, checks)
