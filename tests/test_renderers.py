"""Every published Questionnaire (questionnaires/fhir/Questionnaire-*.json) rendered in Chromium
by two independent renderers, LHC-Forms and CSIRO's Smart Forms (one browser session each).

Each Questionnaire is rendered twice: as published (no console, page or load errors; at least
one question drawn; every question item built; both renderers draw the same questions on the
empty form) and as a copy with its enableWhen conditions removed, so that every item is drawn and
its text can be looked up in the page. The published form draws only what its conditions allow
when nothing is answered yet.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.extraction import extract
from fhir_werk.followup import BundleRecord, followup_questionnaire, populate

from jstools import (  # noqa: F401  (js_tools: session fixture)
    ROOT,
    LFormsResult,
    SmartFormsResult,
    js_tools,
    lforms_run,
    smartforms_run,
)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("js_tools")]

PUBLISHED = ROOT / "questionnaires" / "fhir"
FILES = sorted(PUBLISHED.glob("Questionnaire-*.json"))
SDC = "http://hl7.org/fhir/uv/sdc/StructureDefinition/"
CORE = "http://hl7.org/fhir/StructureDefinition/"
ENABLE_WHEN_EXPRESSION = f"{SDC}sdc-questionnaire-enableWhenExpression"
SUB_QUESTIONNAIRE = f"{SDC}sdc-questionnaire-subQuestionnaire"
HIDDEN = f"{CORE}questionnaire-hidden"
ITEM_CONTROL = f"{CORE}questionnaire-itemControl"
LAUNCH_CONTEXT = f"{SDC}sdc-questionnaire-launchContext"

Item = dict[str, Any]


def load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def walk(items: list[Item]) -> Iterator[Item]:
    for item in items:
        yield item
        yield from walk(item.get("item", []))


def has_extension(item: Item, url: str) -> bool:
    return any(ext.get("url") == url for ext in item.get("extension", []))


def is_hidden(item: Item) -> bool:
    return any(ext.get("url") == HIDDEN and ext.get("valueBoolean") for ext in item.get("extension", []))


def is_modular(questionnaire: dict[str, Any]) -> bool:
    """A modular root: LHC-Forms does not assemble, so its sub-Questionnaires are never drawn."""
    return any(has_extension(item, SUB_QUESTIONNAIRE) for item in walk(questionnaire.get("item", [])))


def questions(questionnaire: dict[str, Any]) -> list[Item]:
    return [i for i in walk(questionnaire.get("item", [])) if i["type"] not in ("group", "display")]


def texts_to_find(questionnaire: dict[str, Any], *, controlled_display: bool) -> list[Item]:
    """Items whose text must be in the drawn page: every item with a text that is not hidden.

    ``controlled_display=False`` leaves out display items with an itemControl, for LHC-Forms: it
    puts help and flyover texts behind a button, and does not draw a slider's lower/upper anchor
    labels. Smart Forms draws them all.
    """
    return [
        item
        for item in walk(questionnaire.get("item", []))
        if item.get("text")
        and not is_hidden(item)
        and (controlled_display or not (item["type"] == "display" and has_extension(item, ITEM_CONTROL)))
    ]


def missing_texts(questionnaire: dict[str, Any], text: str, *, controlled_display: bool) -> list[str]:
    """The linkIds of the items whose text is not in the drawn page."""
    page = normalised(text)
    return [
        item["linkId"]
        for item in texts_to_find(questionnaire, controlled_display=controlled_display)
        if normalised(item["text"]) not in page
    ]


def without_conditions(questionnaire: dict[str, Any]) -> dict[str, Any]:
    """A copy with every enableWhen (and enableWhenExpression) removed: every item is drawn."""
    copied = copy.deepcopy(questionnaire)
    for item in walk(copied.get("item", [])):
        item.pop("enableWhen", None)
        item.pop("enableBehavior", None)
        if "extension" in item:
            item["extension"] = [e for e in item["extension"] if e.get("url") != ENABLE_WHEN_EXPRESSION]
    return copied


def normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


ASSEMBLED = [p for p in FILES if not is_modular(load(p))]


class RecordingRecord:
    """A record that keeps the searchset Bundle of every query it answered."""

    def __init__(self, record: BundleRecord) -> None:
        self.record = record
        self.searches: dict[str, dict[str, Any]] = {}

    def search(self, query: str) -> dict[str, Any]:
        self.searches[query] = self.record.search(query)
        return copy.deepcopy(self.searches[query])


def prefilled(
    questionnaire: dict[str, Any], patient: str, bundles: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """fhir-werk's $populate of ``questionnaire`` from ``bundles``, and the FHIR context that
    gives a renderer the same record: the launch Patient and the answer to every query."""
    record = RecordingRecord(BundleRecord(bundles))
    response = populate(questionnaire, record, patient=patient, authored="2027-03-01T10:00:00+01:00")
    return response, {"patient": {"resourceType": "Patient", "id": patient}, "searches": record.searches}


def with_context(questionnaire: dict[str, Any]) -> dict[str, Any]:
    """An LHC-Forms input. A form with an SDC launchContext and x-fhir-query variables gets a
    FHIR context of a patient without a record: LHC-Forms runs those queries when it loads the
    form and fails without one (it cannot fill in ``{{%patient.id}}``)."""
    if not any(e.get("url") == LAUNCH_CONTEXT for e in questionnaire.get("extension", [])):
        return {"questionnaire": questionnaire}
    _, context = prefilled(questionnaire, "voorbeeld-nieuw", [])
    return {"questionnaire": questionnaire, "fhirContext": context}


def both_versions() -> list[dict[str, Any]]:
    """Renderer inputs: each file as published, then without conditions."""
    inputs: list[dict[str, Any]] = []
    for path in FILES:
        questionnaire = load(path)
        inputs += [{"questionnaire": questionnaire}, {"questionnaire": without_conditions(questionnaire)}]
    return inputs


@pytest.fixture(scope="module")
def rendered() -> dict[str, tuple[LFormsResult, LFormsResult]]:
    """File name -> LHC-Forms' (rendered as published, rendered without conditions)."""
    results = lforms_run([with_context(i["questionnaire"]) for i in both_versions()])
    return {path.name: (results[2 * n], results[2 * n + 1]) for n, path in enumerate(FILES)}


@pytest.fixture(scope="module")
def smart_rendered() -> dict[str, tuple[SmartFormsResult, SmartFormsResult]]:
    """File name -> Smart Forms' (rendered as published, rendered without conditions)."""
    results = smartforms_run(both_versions())
    return {path.name: (results[2 * n], results[2 * n + 1]) for n, path in enumerate(FILES)}


def test_questionnaires_are_published() -> None:
    assert FILES, f"{PUBLISHED} bevat geen Questionnaire-*.json: niets om te renderen"


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_renders_without_errors(path: Path, rendered: dict[str, tuple[LFormsResult, LFormsResult]]) -> None:
    as_published, _ = rendered[path.name]
    assert as_published["errors"] == []
    assert as_published["visibleCount"] >= 1
    assert as_published["itemCount"] == len(questions(load(path)))


# The modular root (not assembled) is left out: LHC-Forms does not assemble modular forms, so
# the texts of its modules are never drawn. Its assembled version is checked instead.
@pytest.mark.parametrize("path", ASSEMBLED, ids=[p.stem for p in ASSEMBLED])
def test_every_item_text_is_drawn(path: Path, rendered: dict[str, tuple[LFormsResult, LFormsResult]]) -> None:
    questionnaire = load(path)
    _, all_shown = rendered[path.name]
    assert all_shown["errors"] == []
    assert all_shown["visibleCount"] == len([q for q in questions(questionnaire) if not is_hidden(q)])
    assert missing_texts(questionnaire, all_shown["renderedText"], controlled_display=False) == []


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_smartforms_renders_without_errors(
    path: Path, smart_rendered: dict[str, tuple[SmartFormsResult, SmartFormsResult]]
) -> None:
    as_published, _ = smart_rendered[path.name]
    assert as_published["errors"] == []
    assert as_published["visibleCount"] >= 1
    assert as_published["itemCount"] == len(questions(load(path)))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_renderers_agree_on_the_empty_form(
    path: Path,
    rendered: dict[str, tuple[LFormsResult, LFormsResult]],
    smart_rendered: dict[str, tuple[SmartFormsResult, SmartFormsResult]],
) -> None:
    """Both renderers evaluate the enableWhen conditions of an unanswered form the same way."""
    lforms, _ = rendered[path.name]
    smart, _ = smart_rendered[path.name]
    assert [i["linkId"] for i in lforms["items"] if i["rendered"]] == [
        i["linkId"] for i in smart["items"] if i["rendered"]
    ]


@pytest.mark.parametrize("path", ASSEMBLED, ids=[p.stem for p in ASSEMBLED])
def test_smartforms_draws_every_item_text(
    path: Path, smart_rendered: dict[str, tuple[SmartFormsResult, SmartFormsResult]]
) -> None:
    questionnaire = load(path)
    _, all_shown = smart_rendered[path.name]
    assert all_shown["errors"] == []
    assert all_shown["visibleCount"] == len([q for q in questions(questionnaire) if not is_hidden(q)])
    assert missing_texts(questionnaire, all_shown["renderedText"], controlled_display=True) == []


# The review part of the follow-up conversation ("terugblik"), loaded pre-filled into each
# renderer: fhir-werk's $populate of a follow-up for Sanne from her first conversation.
FOLLOW_UP = followup_questionnaire()
FIRST_CONVERSATION = (
    ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
)
REVIEW_TEXTS = ("terugblik-afspraak-wat", "terugblik-afspraak-wie", "terugblik-doel-tekst")


def answers_of(response: dict[str, Any], link_id: str) -> list[Any]:
    return [a for i in walk(response.get("item", [])) if i["linkId"] == link_id for a in i.get("answer", [])]


def repetitions(response: dict[str, Any], link_id: str) -> list[Item]:
    return [i for i in walk(response.get("item", [])) if i["linkId"] == link_id]


def option_labels(link_id: str) -> list[str]:
    item = next(i for i in walk(FOLLOW_UP["item"]) if i["linkId"] == link_id)
    return [o["valueCoding"]["display"] for o in item["answerOption"]]


def hidden_link_ids(questionnaire: dict[str, Any]) -> set[str]:
    """Question items that are hidden, themselves or by a hidden group around them."""
    hidden: set[str] = set()
    for item in walk(questionnaire["item"]):
        if is_hidden(item):
            hidden |= {i["linkId"] for i in walk([item]) if i["type"] not in ("group", "display")}
    return hidden


@pytest.fixture(scope="module")
def followup() -> tuple[dict[str, Any], LFormsResult, SmartFormsResult]:
    """The pre-filled follow-up, and how LHC-Forms and Smart Forms drew it."""
    first = load(FIRST_CONVERSATION)
    patient = first["subject"]["reference"].removeprefix("Patient/")
    response, context = prefilled(FOLLOW_UP, patient, [extract(first)])
    [lforms] = lforms_run(
        [{"questionnaire": FOLLOW_UP, "response": response, "fhirContext": context, "extract": False}]
    )
    [smart] = smartforms_run([{"questionnaire": FOLLOW_UP, "response": response}])
    return response, lforms, smart


def test_followup_renders_the_review_without_errors(
    followup: tuple[dict[str, Any], LFormsResult, SmartFormsResult],
) -> None:
    response, lforms, smart = followup
    assert repetitions(response, "terugblik-afspraak")
    assert repetitions(response, "terugblik-doel")
    review = next(i for i in FOLLOW_UP["item"] if i["linkId"] == "terugblik")
    for result in (lforms, smart):
        assert result["errors"] == []
        assert normalised(review["text"]) in normalised(result["renderedText"])


@pytest.mark.parametrize("link_id", REVIEW_TEXTS)
def test_followup_shows_the_earlier_agreements_and_goals_read_only(
    link_id: str, followup: tuple[dict[str, Any], LFormsResult, SmartFormsResult]
) -> None:
    response, lforms, smart = followup
    expected = [a["valueString"] for a in answers_of(response, link_id)]
    assert expected
    # LHC-Forms lists every repetition as an item of its own, Smart Forms one item per linkId.
    drawn = [i for i in lforms["items"] if i["linkId"] == link_id and i["enabled"] and i["rendered"]]
    assert [v for i in drawn for v in i["values"]] == expected
    assert all(i["readOnly"] for i in drawn)
    [smart_item] = [i for i in smart["items"] if i["linkId"] == link_id]
    assert smart_item["rendered"]
    assert smart_item["values"] == expected
    assert smart_item["readOnly"]


def test_followup_asks_how_each_agreement_and_goal_went(
    followup: tuple[dict[str, Any], LFormsResult, SmartFormsResult],
) -> None:
    """Every agreement gets the four choices; a goal only when it has no score (a score goal's
    state comes from its new score: enableWhen terugblik-doel-schaal missing)."""
    response, lforms, smart = followup
    assert option_labels("terugblik-afspraak-stand") == ["Gedaan", "Loopt nog", "Niet gelukt", "Vervalt"]
    stand = next(i for i in walk(FOLLOW_UP["item"]) if i["linkId"] == "terugblik-doel-stand")
    assert stand["enableWhen"] == [
        {"question": "terugblik-doel-schaal", "operator": "exists", "answerBoolean": False}
    ]
    goals = repetitions(response, "terugblik-doel")
    without_score = [g for g in goals if not answers_of(g, "terugblik-doel-schaal")]
    assert 0 < len(without_score) < len(goals)
    expected = {
        "terugblik-afspraak-stand": len(repetitions(response, "terugblik-afspraak")),
        "terugblik-doel-stand": len(without_score),
    }
    for link_id, count in expected.items():
        labels = option_labels(link_id)
        drawn = [i for i in lforms["items"] if i["linkId"] == link_id and i["enabled"] and i["rendered"]]
        assert len(drawn) == count, link_id
        assert all(label in i["shownText"] for i in drawn for label in labels)
        [smart_item] = [i for i in smart["items"] if i["linkId"] == link_id]
        assert [smart_item["shownText"].count(label) for label in labels] == [count] * len(labels), link_id


def test_followup_does_not_show_hidden_items(
    followup: tuple[dict[str, Any], LFormsResult, SmartFormsResult],
) -> None:
    response, lforms, smart = followup
    hidden = hidden_link_ids(FOLLOW_UP)
    assert {"terugblik-gesprek", "terugblik-doel-id", "terugblik-doel-schaal"} <= hidden
    assert [i["linkId"] for i in lforms["items"] if i["linkId"] in hidden and i["rendered"]] == []
    assert [i["linkId"] for i in smart["items"] if i["linkId"] in hidden and i["rendered"]] == []
    # The carried goal identifiers are in the response, never on the screen.
    identifiers = [a["valueString"] for a in answers_of(response, "terugblik-doel-id")]
    assert identifiers
    for result in (lforms, smart):
        assert [i for i in identifiers if i in result["renderedText"]] == []
