"""The FHIR JSON rules of a QuestionnaireResponse, checked in one linear walk.

https://hl7.org/fhir/R4/json.html: no ``null`` (except as a placeholder in the arrays of a
repeating primitive and its ``_x`` sibling), no ``""``, ``[]`` or ``{}``; only the elements of
the type (:mod:`fhir_werk.validation._elements`), each with its JSON type; a primitive's ``_x``
sibling holds only ``id`` and ``extension`` (and may stand alone: a value given only as an
extension, e.g. data-absent-reason, is legal); strings without control characters other than
tab, CR and LF and without lone surrogates; ids match ``[A-Za-z0-9\\-\\.]{1,64}``; an Extension
has a ``url`` and either a value or nested extensions (ext-1); and a ``modifierExtension`` is
refused, since fhir-werk understands none (https://hl7.org/fhir/R4/extensibility.html#modifierExtension).

Limits (:class:`~fhir_werk.validation.InputLimits`): more than ``max_repetitions`` answers or
repetitions of one item (or entries of any list), or a string longer than ``max_string_chars``,
is an issue with code ``too-costly``.

Paths name items by linkId as :func:`~fhir_werk.validation._index.item_path` does, and the
value of an answer or extension as ``….value`` (FHIRPath's name for a choice element).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fhir_werk.shared import Resource
from fhir_werk.validation._elements import ITEM, PRIMITIVE_EXTENSION, PRIMITIVES, TYPES, Element
from fhir_werk.validation._index import ROOT, item_path
from fhir_werk.validation._json_rules import (
    KIND_ARRAY,
    KIND_OBJECT,
    NAME,
    Rules,
    expected_kind,
    fine_string,
    holds,
    member,
    shown,
)
from fhir_werk.validation._reader import InputLimits


class _Walk(Rules):
    """The typed walk: each element by the table of :mod:`fhir_werk.validation._elements`."""

    depth = 0

    def resource(self, resource: Resource, type_name: str, path: str) -> None:
        """A resource (the response, or one it contains): its elements, or generic rules only."""
        if self.empty(resource, type_name, path):
            return
        if type_name in TYPES:
            self.complex(resource, type_name, path)
        else:
            self.generic(resource, path)

    def complex(self, obj: Resource, type_name: str, path: str) -> None:
        # Parsed input is at most max_depth deep already; a dict built in code may be deeper,
        # and neither this walk nor the item checks after it may then recurse without end.
        if self.depth >= self.limits.max_depth:
            self.add(
                "too-costly",
                f"Het antwoord is te diep genest; de grens is {self.limits.max_depth} niveaus.",
                f"The response is nested too deeply; the limit is {self.limits.max_depth} levels.",
                path,
            )
            return
        self.depth += 1
        try:
            self.elements(obj, type_name, path)
        finally:
            self.depth -= 1

    def elements(self, obj: Resource, type_name: str, path: str) -> None:
        elements = TYPES[type_name]
        max_chars = self.limits.max_string_chars
        for key, value in obj.items():
            if key == "resourceType" and type_name == "QuestionnaireResponse":
                continue
            if key == "modifierExtension":
                self.modifier_extension(value, f"{path}.modifierExtension")
                continue
            if key.startswith("_"):
                self.primitive_sibling(obj, key, elements.get(key[1:]), path, type_name)
                continue
            element = elements.get(key)
            if element is None:
                self.unknown(key, type_name, path)
                continue
            if not element[1] and fine_string(element[0], value, max_chars):
                # Most elements are such strings (linkId, text, code, display ...): skip building
                # a path that only an issue would use, and the calls that would find nothing.
                continue
            # value[x] is named 'value' in FHIRPath (Quantity.value and Identifier.value are too).
            sub = f"{path}.value" if key.startswith("value") else f"{path}.{key}"
            self.element(element, value, key, sub, obj)
        if type_name == "Extension":
            self.extension_rules(obj, path)

    def unknown(self, key: str, type_name: str, path: str) -> None:
        if type_name == PRIMITIVE_EXTENSION:
            nl = f"'{shown(key)}' hoort niet bij de extensies van een waarde (_x: alleen id en extension)."
            en = f"'{shown(key)}' does not belong to a value's extensions (_x: only id and extension)."
        else:
            nl = f"'{shown(key)}' is geen element van {type_name} (FHIR R4)."
            en = f"'{shown(key)}' is not an element of {type_name} (FHIR R4)."
        self.add("structure", nl, en, member(path, key))

    def element(self, element: Element, value: Any, name: str, path: str, owner: Resource) -> None:
        type_name, repeats = element
        if self.empty(value, name, path):
            return
        if not repeats:
            if isinstance(value, list):
                self.wrong_kind(expected_kind(type_name), value, name, path)
            elif type_name in PRIMITIVES:
                self.primitive(type_name, value, name, path)
            elif not isinstance(value, dict):
                self.wrong_kind(KIND_OBJECT, value, name, path)
            else:
                self.complex_or_generic(value, type_name, path)
            return
        if not isinstance(value, list):
            self.wrong_kind(KIND_ARRAY, value, name, path)
            return
        if type_name == ITEM:
            self.items(value, path.rpartition(".")[0])
            return
        if len(value) > self.limits.max_repetitions:
            self.too_many(len(value), name, path)
            return
        placeholders = owner.get("_" + name)
        for position, entry in enumerate(value):
            where = f"{path}[{position}]"
            if type_name in PRIMITIVES:
                # A null here is a placeholder when the _x sibling holds this position.
                if entry is None and holds(placeholders, position):
                    continue
                if not self.empty(entry, name, where):
                    self.primitive(type_name, entry, name, where)
            elif not self.empty(entry, name, where):
                if type_name == "Resource":
                    self.contained(entry, where)
                elif isinstance(entry, dict):
                    self.complex_or_generic(entry, type_name, where)
                else:
                    self.wrong_kind(KIND_OBJECT, entry, name, where)

    def complex_or_generic(self, value: Resource, type_name: str, path: str) -> None:
        if type_name in TYPES:
            self.complex(value, type_name, path)
        else:
            self.generic(value, path)

    def items(self, items: list[Any], prefix: str) -> None:
        """An ``item`` list: each item named by its linkId (and occurrence when repeated)."""
        counts: dict[str, int] = {}
        for raw in items:
            link_id = raw.get("linkId") if isinstance(raw, dict) else None
            if isinstance(link_id, str) and link_id:
                counts[link_id] = counts.get(link_id, 0) + 1
        for link_id, count in counts.items():
            if count > self.limits.max_repetitions:
                self.too_many(count, link_id, item_path(prefix, link_id))
                return
        if len(items) > self.limits.max_repetitions * max(1, len(counts)):
            self.too_many(len(items), "item", f"{prefix}.item")
            return
        seen: dict[str, int] = {}
        for position, raw in enumerate(items):
            link_id = raw.get("linkId") if isinstance(raw, dict) else None
            if isinstance(link_id, str) and link_id:
                where = item_path(prefix, link_id)
                if counts[link_id] > 1:
                    where += f"[{seen.get(link_id, 0)}]"
                seen[link_id] = seen.get(link_id, 0) + 1
            else:
                where = f"{prefix}.item[{position}]"
            if isinstance(raw, dict) and not self.empty(raw, "item", where):
                self.complex(raw, ITEM, where)
            elif raw is None:
                self.empty(raw, "item", where)
            # Other non-objects are reported by the item checks (ResponseTree.malformed).

    def contained(self, entry: Any, path: str) -> None:
        if not isinstance(entry, dict):
            self.wrong_kind(KIND_OBJECT, entry, "contained", path)
            return
        kind = entry.get("resourceType")
        if not isinstance(kind, str) or NAME.fullmatch(kind) is None:
            self.add(
                "structure",
                "Een resource in 'contained' heeft geen geldige resourceType.",
                "A resource in 'contained' has no valid resourceType.",
                path,
            )
            return
        self.generic(entry, path)

    def primitive_sibling(
        self, owner: Resource, key: str, element: Element | None, path: str, type_name: str
    ) -> None:
        """``_x``: an object (an array for a repeating ``x``) holding only id and extension."""
        name = key[1:]
        where = f"{path}.value" if name.startswith("value") else member(path, name)
        if element is None or element[0] not in PRIMITIVES:
            self.unknown(key, type_name, path)
            return
        value = owner[key]
        if self.empty(value, key, where):
            return
        if not element[1]:
            if isinstance(value, dict):
                self.complex(value, PRIMITIVE_EXTENSION, where)
            else:
                self.wrong_kind(KIND_OBJECT, value, key, where)
            return
        if not isinstance(value, list):
            self.wrong_kind(KIND_ARRAY, value, key, where)
            return
        values = owner.get(name)
        if isinstance(values, list) and len(values) != len(value):
            self.add(
                "structure",
                f"'{shown(key)}' heeft {len(value)} plaatsen, '{name}' {len(values)}; dat moet gelijk zijn.",
                f"'{shown(key)}' has {len(value)} entries and '{name}' {len(values)}; they must be equal.",
                where,
            )
            return
        for position, entry in enumerate(value):
            at = f"{where}[{position}]"
            if entry is None and isinstance(values, list) and values[position] is not None:
                continue
            if not self.empty(entry, key, at):
                if isinstance(entry, dict):
                    self.complex(entry, PRIMITIVE_EXTENSION, at)
                else:
                    self.wrong_kind(KIND_OBJECT, entry, key, at)


def check_structure(response: Resource, limits: InputLimits) -> Iterator[Resource]:
    """The FHIR JSON issues of ``response`` (a QuestionnaireResponse), in document order."""
    walk = _Walk(limits)
    walk.resource(response, "QuestionnaireResponse", ROOT)
    yield from walk.issues
