"""What a Dutch user reads in the Dutch Questionnaires is Dutch (issue 20, item 10: the answer
"Disability case manager" in the list of who does an agreed step).

Every string the form shows (item texts, prefixes, answer options' displays and strings) has an
English translation beside it (``_text``/``_display``, the translation extension); the Dutch text
may not be that English text itself, unless it is a name that reads the same in both (an
organisation's abbreviation). The same holds for the project's own code systems, whose displays
the answer options copy. The contained extraction templates and ``item.code`` are not shown to
anyone (their SNOMED/LOINC displays stay the code systems' own English terms).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from published import by_id, questionnaires, walk

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
SAME_IN_BOTH = {"VDAB/GTB"}
"""Names of organisations, not words: the same in Dutch and English."""


def _english(owner: dict[str, Any], key: str) -> str | None:
    for extension in owner.get(f"_{key}", {}).get("extension", []):
        parts = {e["url"]: e.get("valueCode", e.get("valueString")) for e in extension["extension"]}
        if extension["url"] == TRANSLATION and parts.get("lang") == "en":
            return str(parts.get("content"))
    return None


def _shown(questionnaire: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], str]]:
    """(where, owner, key) of every string of the form that a person sees."""
    for item in walk(questionnaire.get("item", [])):
        for key in ("text", "prefix"):
            if key in item:
                yield item["linkId"], item, key
        for option in item.get("answerOption", []):
            if "valueCoding" in option and "display" in option["valueCoding"]:
                yield item["linkId"], option["valueCoding"], "display"
            if "valueString" in option:
                yield item["linkId"], option, "valueString"


@pytest.mark.parametrize("questionnaire", questionnaires(), ids=lambda q: str(q["id"]))
def test_no_text_a_person_sees_is_english(questionnaire: dict[str, Any]) -> None:
    assert questionnaire["language"] == "nl"
    english = [
        f"{where}: {owner[key]!r}"
        for where, owner, key in _shown(questionnaire)
        if owner[key] not in SAME_IN_BOTH
        and (_english(owner, key) or "").strip().casefold() == str(owner[key]).strip().casefold()
    ]
    assert english == []


def test_the_disability_case_manager_is_named_in_dutch() -> None:
    shown = [
        owner[key]
        for questionnaire in questionnaires()
        for _, owner, key in _shown(questionnaire)
        if "case manager" in str(owner[key]).casefold()
    ]
    assert shown == []
    role = next(c for c in by_id("actorrol")["concept"] if c["code"] == "disability-case-manager")
    assert role["display"] == "Casemanager re-integratie (ziekenfonds)"
    assert role["designation"] == [{"language": "en", "value": "Disability case manager (BE)"}]


ANSWER_CODE_SYSTEMS = ["actorrol", "deelontvanger", "verwijzing", "afspraak-stand", "doel-stand"]


@pytest.mark.parametrize("code_system", ANSWER_CODE_SYSTEMS)
def test_the_code_systems_answer_options_copy_display_in_dutch(code_system: str) -> None:
    same = [
        c["display"]
        for c in by_id(code_system)["concept"]
        if c["display"] not in SAME_IN_BOTH
        and any(d["value"].casefold() == c["display"].casefold() for d in c.get("designation", []))
    ]
    assert same == []
