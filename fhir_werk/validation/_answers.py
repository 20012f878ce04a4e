"""The checks of one answer value: its type, its option or ValueSet, its bounds and its length."""

from __future__ import annotations

from typing import Any

from fhir_werk.shared import Resource, Severity, issue
from fhir_werk.validation._checks import Checks, Issues, label
from fhir_werk.validation._index import QItem, RNode
from fhir_werk.validation._values import VALUE_NAMES, compare, equal, format_problem, show_value


def check_answer_value(node: RNode, position: int, answer: Any, checks: Checks) -> Issues:
    """One answer: a single value[x], of the item's type, well formed, allowed and within bounds."""
    qdef = node.qdef
    if qdef is None or qdef.is_group or qdef.type == "display":
        return
    where = f"{node.path}.answer[{position}]"
    # A primitive value may come with (or be given only as) its extension sibling '_valueX',
    # e.g. data-absent-reason: that is an answer of type valueX without a value.
    if len(answer) == 1 and (only := next(iter(answer))).startswith("value"):
        keys = [only]  # the usual answer, one value and nothing else: as below, without the scan
    else:
        keys = list(dict.fromkeys(k.removeprefix("_") for k in answer if k.startswith(("value", "_value"))))
    if not keys:
        if "item" not in answer:
            yield issue(
                "error",
                "required",
                f"Antwoord op vraag {label(node)} heeft geen waarde.",
                f"Answer to {label(node)} has no value.",
                where,
            )
        return
    if len(keys) > 1:
        listed = ", ".join(keys)
        yield issue(
            "error",
            "structure",
            f"Antwoord op vraag {label(node)} heeft meer dan één waarde ({listed}).",
            f"Answer to {label(node)} has more than one value ({listed}).",
            where,
        )
        return
    key, value = keys[0], answer.get(keys[0])
    where = f"{where}.value"
    if key not in qdef.value_keys:
        yield _wrong_type(node, qdef, key, where)
        return
    if key not in answer:
        return  # only the extension: nothing to check the value against
    problem = format_problem(key, value)
    if problem is not None:
        yield issue(
            "error",
            "value",
            f"Antwoord op vraag {label(node)} is ongeldig: {problem[0]}.",
            f"Answer to {label(node)} is invalid: {problem[1]}.",
            where,
        )
        return
    # Each check only where its first test can pass (most items have no options, no bounds).
    if qdef.options:
        yield from check_option(node, qdef, key, value, where)
    if key == "valueCoding":
        yield from check_value_set(node, qdef, key, value, where, checks)
    if qdef.min_value is not None or qdef.max_value is not None:
        yield from check_bounds(node, qdef, key, value, where)
    if key in ("valueString", "valueUri"):
        yield from check_length(node, qdef, key, value, where)


def _wrong_type(node: RNode, qdef: QItem, key: str, where: str) -> Resource:
    expected = sorted(qdef.value_keys)
    exp_nl = " of ".join(f"{VALUE_NAMES[k][0]} ({k})" for k in expected if k in VALUE_NAMES) or qdef.type
    exp_en = " or ".join(f"{VALUE_NAMES[k][1]} ({k})" for k in expected if k in VALUE_NAMES) or qdef.type
    got_nl, got_en = VALUE_NAMES.get(key, (key, key))
    return issue(
        "error",
        "value",
        f"Antwoord op vraag {label(node)} heeft de verkeerde soort waarde: "
        f"verwacht {exp_nl}, gekregen {got_nl} ({key}).",
        f"Answer to {label(node)} has the wrong type: expected {exp_en}, got {got_en} ({key}).",
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
        f"Antwoord op vraag {label(node)} ({show_value(key, value)}) "
        "staat niet tussen de antwoordmogelijkheden.",
        f"Answer to {label(node)} ({show_value(key, value)}) is not one of the answer options.",
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
                f"Waardelijst '{canonical}' van vraag {label(node)} is onbekend; de antwoorden zijn niet "
                "tegen de waardelijst gecontroleerd.",
                f"ValueSet '{canonical}' of {label(node)} is unknown; "
                "the answers were not checked against it.",
                where,
            )
        return
    if (value.get("system", ""), value["code"]) in codes:
        return
    yield issue(
        "error",
        "code-invalid",
        f"Antwoord op vraag {label(node)} ({show_value(key, value)}) hoort niet bij "
        f"waardelijst '{canonical}'.",
        f"Answer to {label(node)} ({show_value(key, value)}) is not in ValueSet '{canonical}'.",
        where,
    )


def check_bounds(node: RNode, qdef: QItem, key: str, value: Any, where: str) -> Issues:
    """An answer below the minValue or above the maxValue extension."""
    if qdef.min_value is not None:
        order = compare(key, value, *qdef.min_value)
        if order is not None and order < 0:
            shown = show_value(key, value)
            limit = show_value(*qdef.min_value)
            yield issue(
                "error",
                "value",
                f"Antwoord op vraag {label(node)} ({shown}) ligt onder het minimum {limit}.",
                f"Answer to {label(node)} ({shown}) is below the minimum {limit}.",
                where,
            )
    if qdef.max_value is not None:
        order = compare(key, value, *qdef.max_value)
        if order is not None and order > 0:
            shown = show_value(key, value)
            limit = show_value(*qdef.max_value)
            yield issue(
                "error",
                "value",
                f"Antwoord op vraag {label(node)} ({shown}) ligt boven het maximum {limit}.",
                f"Answer to {label(node)} ({shown}) is above the maximum {limit}.",
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
            f"Antwoord op vraag {label(node)} is {_chars(length)} lang; het maximum is {qdef.max_length}.",
            f"Answer to {label(node)} is {length} character(s) long; the maximum is {qdef.max_length}.",
            where,
        )
    if qdef.min_length is not None and length < qdef.min_length:
        yield issue(
            "error",
            "value",
            f"Antwoord op vraag {label(node)} is {_chars(length)} lang; het minimum is {qdef.min_length}.",
            f"Answer to {label(node)} is {length} character(s) long; the minimum is {qdef.min_length}.",
            where,
        )


# --- what is missing ---------------------------------------------------------------------
