"""What a stage computes from a Questionnaire once and keeps, per ``url|version`` and object.

Validation (the Questionnaire index) and extraction (the compiled templates) both derive
something costly from a Questionnaire alone, and a service checks and extracts many responses
against one Questionnaire. The key is the ``url|version`` *and* the object itself: another object
under the same version (a test's edited copy) is computed anew. A Questionnaire is not to be
changed in place once used. The oldest of at most ``kept`` entries goes first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class PerQuestionnaire(Generic[T]):
    """``build(questionnaire)``, kept per ``url|version`` for the very object it was given."""

    def __init__(self, build: Callable[[dict[str, Any]], T], *, kept: int = 16) -> None:
        self._build = build
        self._kept = kept
        self._kept_values: dict[tuple[str | None, str | None], tuple[dict[str, Any], T]] = {}

    def __call__(self, questionnaire: dict[str, Any]) -> T:
        url, version = questionnaire.get("url"), questionnaire.get("version")
        if not isinstance(url, str | None) or not isinstance(version, str | None):
            return self._build(questionnaire)  # a malformed url or version: no key to keep it by
        key = (url, version)
        held = self._kept_values.get(key)
        if held is not None and held[0] is questionnaire:
            return held[1]
        value = self._build(questionnaire)
        for old in list(self._kept_values)[: max(0, len(self._kept_values) - self._kept + 1)]:
            self._kept_values.pop(old, None)  # the oldest; pop, as another thread may have gone first
        self._kept_values[key] = (questionnaire, value)
        return value

    def clear(self) -> None:
        """Forget every kept value (the next call of each Questionnaire computes it anew)."""
        self._kept_values.clear()
