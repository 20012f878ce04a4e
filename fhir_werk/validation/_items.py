"""The item-level checks of QuestionnaireResponse validation, one small function per rule.

Each check takes a response node (or a list of nodes) and yields OperationOutcome issues with
a Dutch message, its English translation and the linkId path as ``expression``. The walk at
the bottom visits the response in document order, so the issues come out in reading order.
"""

from __future__ import annotations

from fhir_werk.shared import issue
from fhir_werk.validation._answers import check_answer_value
from fhir_werk.validation._checks import Checks, Issues, label
from fhir_werk.validation._enable_when import Enablement
from fhir_werk.validation._index import Container, QItem, ResponseTree, RNode, has_answer, item_path


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
            f"Onbekende vraag {label(node)}: die staat niet in de vragenlijst.",
            f"Unknown item {label(node)}: it is not in the Questionnaire.",
        )
    if node.placement == "needs-answer":
        return (
            f"{nl} {label(node)} hoort bij een antwoord op vraag '{parent}' (answer.item), "
            "niet direct onder die vraag (item.item).",
            f"{en} {label(node)} must be nested in an answer of '{parent}' (answer.item), "
            "not directly under it (item.item).",
        )
    if node.placement == "needs-item":
        return (
            f"{nl} {label(node)} hoort direct in groep '{parent}' (item.item), niet onder een antwoord.",
            f"{en} {label(node)} belongs directly in group '{parent}' (item.item), not under an answer.",
        )
    owner = node.qdef.parent if node.qdef else None
    return (
        f"{nl} {label(node)} staat op de verkeerde plaats: die hoort "
        + (f"onder '{owner.link_id}'." if owner else "op het hoogste niveau."),
        f"{en} {label(node)} is in the wrong place: it belongs "
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
        f"{nl} {label(node)} komt {node.occurrences} keer voor maar mag maar één keer voorkomen{hint_nl}.",
        f"{en} {label(node)} occurs {node.occurrences} times but may occur once{hint_en}.",
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
        f"De tekst bij {label(node)} wijkt af van de tekst in de vragenlijst.",
        f"The text of {label(node)} differs from the Questionnaire's.",
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
                f"{nl} {label(node)} staat in een andere volgorde dan in de vragenlijst.",
                f"{en} {label(node)} is out of the Questionnaire's order.",
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
            f"Groep {label(node)} is een kop en kan geen antwoord hebben.",
            f"Group {label(node)} is a heading and cannot have an answer.",
            f"{node.path}.answer",
        )
    elif qdef.type == "display":
        yield issue(
            "error",
            "structure",
            f"{label(node)} is alleen tekst (display) en kan geen antwoord hebben.",
            f"Display item {label(node)} is text only and cannot have an answer.",
            f"{node.path}.answer",
        )
    elif len(answers) > 1 and not qdef.repeats:
        yield issue(
            "error",
            "structure",
            f"Vraag {label(node)} mag maar één antwoord hebben, maar heeft er {len(answers)}.",
            f"Item {label(node)} allows one answer but has {len(answers)}.",
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
        nl = f"Vraag {label(node)} is beantwoord, maar is door eerdere antwoorden niet van toepassing."
        en = f"Item {label(node)} has an answer but is disabled by earlier answers (enableWhen)."
    else:
        nl = (
            f"Vraag {label(node)} is beantwoord, maar valt onder {label(cause)} "
            "dat door eerdere antwoorden niet van toepassing is."
        )
        en = (
            f"Item {label(node)} has an answer but is inside {label(cause)}, "
            "which earlier answers disable (enableWhen)."
        )
    yield issue("error", "business-rule", nl, en, node.path)


def check_required(container: Container, roots: list[QItem], checks: Checks) -> Issues:
    """Required items that are enabled but have no answer (a group: no answer inside it)."""
    if not container.expected:
        return
    children = container.qdef.children if container.qdef is not None else roots
    for qdef in children:
        present = [n for n in container.nodes if n.qdef is qdef]
        if not present and not qdef.required and _a_section(qdef):
            yield from _required_in_left_out_section(
                qdef, container, item_path(container.path, qdef.link_id), checks
            )
            continue
        if not qdef.required or qdef.type == "display":
            continue
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


def _a_section(qdef: QItem) -> bool:
    """A group that occurs once: a section of the form, not an optional, repeatable entry."""
    return qdef.is_group and not qdef.repeats


def _required_in_left_out_section(section: QItem, container: Container, path: str, checks: Checks) -> Issues:
    """The enabled required items of a section the response leaves out altogether.

    A section (a group that occurs once, say "Stap 1") is part of every filled-in form; leaving it
    out does not make its required questions optional, or a completed response could skip them
    all by answering nothing in the section (issue 20, item 3). Groups that repeat stay optional
    entries: their required items count only in the repetitions that are there.
    """
    if not checks.enablement.would_be_enabled(section, container.owner):
        return
    for qdef in section.children:
        where = item_path(path, qdef.link_id)
        if qdef.required and qdef.type != "display":
            if checks.enablement.would_be_enabled(qdef, container.owner):
                nl, en = _kind(qdef)
                yield issue(
                    checks.required_severity,
                    "required",
                    f"{nl} '{qdef.link_id}' is verplicht maar niet beantwoord.",
                    f"{en} '{qdef.link_id}' is required but has no answer.",
                    where,
                )
        elif _a_section(qdef):
            yield from _required_in_left_out_section(qdef, container, where, checks)


# --- the walk ----------------------------------------------------------------------------


def check_node(node: RNode, checks: Checks) -> Issues:
    """Every check on one response item and its answers (not its children)."""
    # Each check is entered only where it can find something (its own first test, repeated
    # here): most items pass them all, and a response has a hundred items or more.
    if node.placement != "ok":
        yield from check_placement(node)
    if node.occurrence == 1:
        yield from check_repeated_item(node)
    if "text" in node.item:
        yield from check_text(node)
    if "answer" in node.item and not isinstance(node.item["answer"], list):
        yield issue(
            "error",
            "structure",
            f"De antwoorden van {label(node)} staan niet in een lijst.",
            f"The answers of {label(node)} are not a list.",
            f"{node.path}.answer",
        )
    answers = node.answers
    if not answers:
        return
    qdef = node.qdef
    takes_no_value = qdef is not None and (qdef.is_group or qdef.type == "display")
    if takes_no_value or (qdef is not None and len(answers) > 1 and not qdef.repeats):
        yield from check_answer_allowed(node)
    if not checks.enablement.node_enabled(node):
        yield from check_enabled(node, checks.enablement)
    if qdef is None or takes_no_value:
        return  # no value to check (the answer itself is the issue, above)
    for position, answer in enumerate(answers):
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
