"""A Questionnaire indexed by linkId, and a QuestionnaireResponse mapped onto it.

Built once per validation (a few hundred microseconds for a leidraad-sized form), so every
later check is a dictionary look-up instead of a search through nested items. The response
tree keeps each response item with its definition, its parent, its FHIRPath location and
whether it sits where the Questionnaire puts it; the validator and the enableWhen evaluator
both walk it.

Nesting rules (R4, QuestionnaireResponse.item): children of a *group* sit in ``item.item``;
children of a *question* sit in ``item.answer.item``, one set per answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final, Literal

from fhir_werk.shared import CORE_EXT, PerQuestionnaire, Resource
from fhir_werk.validation._values import VALUE_KEYS_BY_TYPE

ROOT = "QuestionnaireResponse"

Placement = Literal["ok", "unknown", "no-link-id", "wrong-parent", "needs-answer", "needs-item"]
"""Where a response item sits compared with the Questionnaire:

``ok``; ``unknown`` (its linkId is not in the Questionnaire); ``no-link-id``;
``wrong-parent`` (under another parent than in the Questionnaire); ``needs-answer`` (child of a
question placed in ``item.item`` instead of ``answer.item``); ``needs-item`` (child of a group
placed under an answer).
"""

_BOUND_KEYS = ("valueInteger", "valueDecimal", "valueDate", "valueDateTime", "valueTime")


@dataclass(slots=True, eq=False)
class QItem:
    """One Questionnaire item with what validation needs precomputed."""

    link_id: str
    type: str
    raw: Resource
    parent: QItem | None
    position: int
    children: list[QItem] = field(default_factory=list)
    value_keys: frozenset[str] = frozenset()
    options: tuple[tuple[str, Any], ...] = ()
    min_value: tuple[str, Any] | None = None
    max_value: tuple[str, Any] | None = None
    min_length: int | None = None
    max_length: int | None = None

    @property
    def is_group(self) -> bool:
        """True for a group: its children sit in ``item.item`` and it takes no answer."""
        return self.type == "group"

    @property
    def required(self) -> bool:
        """``item.required`` (false when absent)."""
        return self.raw.get("required") is True

    @property
    def repeats(self) -> bool:
        """``item.repeats`` (false when absent)."""
        return self.raw.get("repeats") is True

    @property
    def enable_when(self) -> list[Resource]:
        """The item's enableWhen conditions (empty when always enabled)."""
        conditions: list[Resource] = self.raw.get("enableWhen") or []
        return conditions


@dataclass(slots=True, eq=False)
class QuestionnaireIndex:
    """A Questionnaire's items by linkId, with the top-level items in order."""

    questionnaire: Resource
    by_link_id: dict[str, QItem]
    roots: list[QItem]


def _extension(item: Resource, name: str) -> tuple[str, Any] | None:
    url = CORE_EXT + name
    for ext in item.get("extension") or ():
        if isinstance(ext, dict) and ext.get("url") == url:
            for key in _BOUND_KEYS:
                if key in ext:
                    return key, ext[key]
    return None


def _make_item(raw: Resource, parent: QItem | None, position: int) -> QItem:
    item_type = str(raw.get("type", ""))
    options = tuple(
        (key, value)
        for option in raw.get("answerOption") or ()
        if isinstance(option, dict)
        for key, value in option.items()
        if key.startswith("value")
    )
    min_length = _extension(raw, "minLength")
    max_length = raw.get("maxLength")
    return QItem(
        link_id=str(raw.get("linkId", "")),
        type=item_type,
        raw=raw,
        parent=parent,
        position=position,
        # R4 lets answerOption carry integer, date, time, string or Reference values; those
        # types then become valid answers too (a choice with string options takes valueString).
        value_keys=VALUE_KEYS_BY_TYPE.get(item_type, frozenset()) | {key for key, _ in options},
        options=options,
        min_value=_extension(raw, "minValue"),
        max_value=_extension(raw, "maxValue"),
        min_length=min_length[1] if min_length and isinstance(min_length[1], int) else None,
        max_length=max_length if isinstance(max_length, int) else None,
    )


def index_questionnaire(questionnaire: Resource) -> QuestionnaireIndex:
    """Index a Questionnaire's items by linkId (the first wins if a linkId repeats, against que-2)."""
    by_link_id: dict[str, QItem] = {}

    def visit(raws: Any, parent: QItem | None) -> list[QItem]:
        made: list[QItem] = []
        for position, raw in enumerate(raws if isinstance(raws, list) else ()):
            if not isinstance(raw, dict):
                continue
            item = _make_item(raw, parent, position)
            by_link_id.setdefault(item.link_id, item)
            item.children = visit(raw.get("item"), item)
            made.append(item)
        return made

    roots = visit(questionnaire.get("item"), None)
    return QuestionnaireIndex(questionnaire, by_link_id, roots)


_KEPT: Final = 16
cached_index: Final = PerQuestionnaire(index_questionnaire, kept=_KEPT)
""":func:`index_questionnaire`, kept per ``url|version`` for the very object it was given.

Indexing the leidraad takes about 0.4 ms, a seventh of its validation; the index is a function of
the Questionnaire alone, so keeping it changes no result (see :class:`PerQuestionnaire`).
"""


@dataclass(slots=True, eq=False)
class RNode:
    """One item of the response, tied to its Questionnaire definition (None when unknown)."""

    item: Resource
    qdef: QItem | None
    parent: RNode | None
    path: str
    placement: Placement
    occurrence: int
    occurrences: int
    containers: list[Container] = field(default_factory=list)

    @property
    def link_id(self) -> str:
        """The item's linkId ('' when missing or not a string)."""
        return _link_id(self.item)

    @property
    def answers(self) -> list[Any]:
        """The item's answers ([] when none, or when ``answer`` is not a list)."""
        answers = self.item.get("answer")
        return answers if isinstance(answers, list) else []


@dataclass(slots=True, eq=False)
class Container:
    """A list of response items: the top level, a group's ``item`` or one answer's ``item``."""

    owner: RNode | None
    via_answer: bool
    path: str
    nodes: list[RNode] = field(default_factory=list)

    @property
    def qdef(self) -> QItem | None:
        """The definition whose children belong here (None at the top level)."""
        return self.owner.qdef if self.owner else None

    @property
    def expected(self) -> bool:
        """True when the Questionnaire puts children here (so required children are checked)."""
        if self.owner is None:
            return True
        qdef = self.owner.qdef
        return qdef is not None and qdef.is_group != self.via_answer


@dataclass(slots=True, eq=False)
class ResponseTree:
    """The response items in document order, their containers, and the items by linkId."""

    root: Container
    nodes: list[RNode]
    by_link_id: dict[str, list[RNode]]
    malformed: list[str]
    """Paths of entries in an ``item`` or ``answer`` list that are not JSON objects."""


def _link_id(item: Resource) -> str:
    link_id = item.get("linkId")
    # Another JSON type is a structure issue; it must not become a repr in a path or message.
    return link_id if isinstance(link_id, str) else ""


def item_path(prefix: str, link_id: str) -> str:
    """The FHIRPath of the items with ``link_id`` under ``prefix``, e.g. ``….item.where(linkId='x')``."""
    quoted = link_id.replace("\\", "\\\\").replace("'", "\\'")
    return f"{prefix}.item.where(linkId='{quoted}')"


def _placement(qdef: QItem | None, has_link_id: bool, container: Container) -> Placement:
    if not has_link_id:
        return "no-link-id"
    if qdef is None:
        return "unknown"
    if qdef.parent is not container.qdef:
        return "wrong-parent"
    if container.owner is not None and container.qdef is not None:
        if container.via_answer and container.qdef.is_group:
            return "needs-item"
        if not container.via_answer and not container.qdef.is_group:
            return "needs-answer"
    return "ok"


class _Builder:
    def __init__(self, index: QuestionnaireIndex) -> None:
        self.index = index
        self.nodes: list[RNode] = []
        self.by_link_id: dict[str, list[RNode]] = {}
        self.malformed: list[str] = []

    def fill(self, container: Container, raws: Any) -> None:
        if raws is None:
            return
        if not isinstance(raws, list):
            self.malformed.append(f"{container.path}.item")
            return
        counts: dict[str, int] = {}
        for raw in raws:
            if isinstance(raw, dict):
                key = _link_id(raw)
                counts[key] = counts.get(key, 0) + 1
        seen: dict[str, int] = {}
        for position, raw in enumerate(raws):
            if not isinstance(raw, dict):
                self.malformed.append(f"{container.path}.item[{position}]")
                continue
            self._add(container, raw, position, counts, seen)

    def _add(
        self, container: Container, raw: Resource, position: int, counts: dict[str, int], seen: dict[str, int]
    ) -> None:
        link_id = _link_id(raw)
        occurrence = seen.get(link_id, 0)
        seen[link_id] = occurrence + 1
        if not link_id:
            # Nothing to name it by: point at its position instead.
            path = f"{container.path}.item[{position}]"
        else:
            path = item_path(container.path, link_id)
            if counts[link_id] > 1:
                path += f"[{occurrence}]"
        qdef = self.index.by_link_id.get(link_id) if link_id else None
        node = RNode(
            raw,
            qdef,
            container.owner,
            path,
            _placement(qdef, bool(link_id), container),
            occurrence,
            counts[link_id],
        )
        container.nodes.append(node)
        self.nodes.append(node)
        self.by_link_id.setdefault(link_id, []).append(node)
        if qdef is not None:
            self._children(node)

    def _children(self, node: RNode) -> None:
        qdef = node.qdef
        assert qdef is not None
        if qdef.is_group or "item" in node.item:
            inner = Container(node, via_answer=False, path=node.path)
            node.containers.append(inner)
            self.fill(inner, node.item.get("item"))
        answers = node.item.get("answer")
        if not isinstance(answers, list):
            return
        for position, answer in enumerate(answers):
            if not isinstance(answer, dict):
                self.malformed.append(f"{node.path}.answer[{position}]")
                continue
            if "item" in answer or (qdef.children and not qdef.is_group):
                nested = Container(node, via_answer=True, path=f"{node.path}.answer[{position}]")
                node.containers.append(nested)
                self.fill(nested, answer.get("item"))


def response_tree(response: Resource, index: QuestionnaireIndex) -> ResponseTree:
    """Map every item of ``response`` onto ``index``, in document order."""
    builder = _Builder(index)
    root = Container(None, via_answer=False, path=ROOT)
    builder.fill(root, response.get("item"))
    return ResponseTree(root, builder.nodes, builder.by_link_id, builder.malformed)


def has_answer(item: Resource) -> bool:
    """True when a response item or any item nested in it carries an answer."""
    answers = item.get("answer")
    if isinstance(answers, list) and answers:
        return True
    children = item.get("item")
    return isinstance(children, list) and any(isinstance(c, dict) and has_answer(c) for c in children)
