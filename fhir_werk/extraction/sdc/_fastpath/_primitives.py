"""FHIR JSON's primitive extensions out of fhirpathpy's way, and back into the output.

In FHIR JSON a primitive's ``id`` and ``extension`` sit beside it, in a sibling named ``_name``
(https://hl7.org/fhir/R4/json.html#primitive): ``{"display": "Bedrijfsarts", "_display":
{"extension": [...]}}``. fhirpathpy 2.2 reads that sibling as a *second value* of the element, so
``answer.value.display`` gives the display and an extension object, and ``join()`` fails on it.

The template engine therefore evaluates on a :class:`PlainView` of the data: the same tree without
``_name`` siblings, where a string that had one is a :class:`Tagged` string carrying it. What an
expression returns is read back through the view: an object of the view becomes (a copy of) the
original object, ``_name`` siblings and all, and a tagged string keeps its sibling so the engine
can write it beside the value it fills. A value computed from data (``'a' + b``, ``substring``,
arithmetic) is new data and carries no extension.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import Any


class Tagged(str):
    """A string from the data that had a ``_name`` sibling (``companion``: its id and extensions)."""

    companion: dict[str, Any]

    def __new__(cls, value: str, companion: dict[str, Any]) -> Tagged:
        tagged = super().__new__(cls, value)
        tagged.companion = companion
        return tagged


def _tag(value: Any, companion: Any) -> Any:
    if isinstance(value, str) and isinstance(companion, dict):
        return Tagged(value, companion)
    return value


class PlainView:
    """The data as fhirpathpy can read it, with the way back to the original objects.

    Views are made once per original object (by identity) and both sides are kept alive here, so
    an object's ``id`` stays a valid key for as long as the view lives.
    """

    def __init__(self) -> None:
        self._views: dict[int, dict[str, Any]] = {}
        self._originals: dict[int, dict[str, Any]] = {}

    def of(self, value: Any) -> Any:
        """The view of ``value``: objects without ``_name`` siblings, their strings tagged.

        An object or list with no sibling anywhere inside is its own view (the usual response
        has none): nothing is copied then, and :meth:`original` gives it back as it is.
        """
        kind = type(value)
        if kind is dict:
            return self._object(value)
        if kind is list:
            return self._list(value)
        if isinstance(value, dict):
            return self._object(value)
        if isinstance(value, list):
            return self._list(value)
        return value

    def _list(self, value: list[Any]) -> list[Any]:
        # Loops rather than comprehensions: this runs on every list of every response, and
        # most entries are their own view.
        viewed: list[Any] | None = None
        for position, entry in enumerate(value):
            if isinstance(entry, dict | list) and (view := self.of(entry)) is not entry:
                if viewed is None:
                    viewed = list(value)
                viewed[position] = view
        return value if viewed is None else viewed

    def _object(self, value: dict[str, Any]) -> dict[str, Any]:
        known = self._views.get(id(value))
        if known is not None:
            return known
        view: dict[str, Any] | None = None
        for key, item in value.items():
            if key[:1] == "_":
                view = self._split(value)
                break
            if isinstance(item, dict | list) and (inner := self.of(item)) is not item:
                if view is None:
                    view = dict(value)
                view[key] = inner
        if view is None:
            view = value
        else:
            self._originals[id(view)] = value
        self._views[id(value)] = view
        return view

    def _split(self, value: dict[str, Any]) -> dict[str, Any]:
        view: dict[str, Any] = {}
        for key, item in value.items():
            if key.startswith("_"):
                continue  # beside its value below; a sibling without a value has no value to read
            companion = value.get(f"_{key}")
            if isinstance(item, list) and isinstance(companion, list):
                view[key] = [self.of(_tag(v, c)) for v, c in zip_longest(item, companion) if v is not None]
            else:
                view[key] = self.of(_tag(item, companion))
        return view

    def original(self, value: Any) -> Any:
        """What a result stands for in the output: the original of a viewed object (not a copy:
        the bundle is built from copies, see ``_identity``)."""
        if isinstance(value, dict):
            found = self._originals.get(id(value))
            return found if found is not None else value
        return value
