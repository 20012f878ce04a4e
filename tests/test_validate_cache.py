"""What validation keeps between calls changes no result.

The Questionnaire's index is kept per ``url|version`` and object, the default limits per setting
of the ``FHIR_WERK_*`` environment variables; a validation with them kept gives the outcome that
one with both made anew gives.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.validation import InputLimits, validate_response
from fhir_werk.validation import _index as index_module
from fhir_werk.validation._index import cached_index, index_questionnaire
from fhir_werk.validation._reader import default_limits

ROOT = Path(__file__).resolve().parent.parent
FORM = ROOT / "questionnaires" / "fhir" / "Questionnaire-leidraad-assembled.json"
FULL = ROOT / "bench" / "fixtures" / "full.json"


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _uncached(response: Any, questionnaire: Any) -> Any:
    """``validate_response`` with the index and the limits made anew, as before they were kept."""
    index_module.cached_index.clear()
    return validate_response(response, questionnaire, limits=InputLimits())


def test_the_full_response_gives_the_outcome_of_a_fresh_index() -> None:
    form, full = _load(FORM), _load(FULL)
    fresh = _uncached(full, form)
    assert validate_response(full, form) == fresh
    assert validate_response(full, form) == fresh  # the second time from the kept index


def test_an_edited_copy_under_the_same_version_is_indexed_anew() -> None:
    form, full = _load(FORM), _load(FULL)
    validate_response(full, form)
    edited = copy.deepcopy(form)
    edited["item"] = edited["item"][:1]  # the same url|version, another object
    assert cached_index(edited).questionnaire is edited
    assert cached_index(form).questionnaire is form
    assert validate_response(full, edited) == _uncached(full, edited)
    assert validate_response(full, edited) != validate_response(full, form)


def test_the_same_object_gives_the_same_index() -> None:
    form = _load(FORM)
    assert cached_index(form) is cached_index(form)
    again = index_questionnaire(form)
    kept = cached_index(form)
    assert list(kept.by_link_id) == list(again.by_link_id)
    assert [q.link_id for q in kept.roots] == [q.link_id for q in again.roots]


def test_the_default_limits_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    before = default_limits()
    assert before == InputLimits()
    monkeypatch.setenv("FHIR_WERK_MAX_REPETITIONS", "2")
    assert default_limits().max_repetitions == 2 == InputLimits().max_repetitions
    monkeypatch.setenv("fhir_werk_max_string_chars", "7")  # matched without regard to case
    assert default_limits().max_string_chars == InputLimits().max_string_chars
    monkeypatch.delenv("FHIR_WERK_MAX_REPETITIONS")
    monkeypatch.delenv("fhir_werk_max_string_chars")
    assert default_limits() == InputLimits()


def test_a_repetition_limit_from_the_environment_applies_to_validation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    form, full = _load(FORM), _load(FULL)
    assert not any(i["code"] == "too-costly" for i in validate_response(full, form)["issue"])
    monkeypatch.setenv("FHIR_WERK_MAX_REPETITIONS", "1")
    limited = validate_response(full, form)
    assert any(i["code"] == "too-costly" for i in limited["issue"])
    assert limited == validate_response(full, form, limits=InputLimits())


def test_a_questionnaire_with_a_malformed_url_is_indexed_without_being_kept() -> None:
    form, full = _load(FORM), _load(FULL)
    form["url"] = ["not", "a", "string"]  # unhashable: no key, but validation goes on as before
    assert cached_index(form) is not cached_index(form)
    assert validate_response(full, form) == _uncached(full, form)
