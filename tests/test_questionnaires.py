"""The published Questionnaires, CodeSystems and ValueSets (issue: the nine themes as FHIR)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class

from fhir_werk.publishing._artifacts import published
from fhir_werk.shared._canonical import BASE

from published import by_id, dicts, questionnaires, themes, walk

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
EXTERNAL_SYSTEMS = {"http://snomed.info/sct", "http://loinc.org"}
ALL = published().resources


def test_publishes_nine_themes_root_and_assembled_root() -> None:
    ids = sorted(q["id"] for q in questionnaires())
    assert ids == [
        "leidraad",
        "leidraad-assembled",
        "re-integratie",
        *[f"thema-{n}" for n in range(1, 10)],
        "vervolggesprek",
        "vervolggesprek-assembled",
    ]


@pytest.mark.parametrize("resource", ALL, ids=lambda r: f"{r['resourceType']}-{r['id']}")
def test_every_resource_parses_with_fhir_resources_r4b(resource: dict[str, Any]) -> None:
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    assert model.model_dump()["id"] == resource["id"]


@pytest.mark.parametrize("resource", ALL, ids=lambda r: f"{r['resourceType']}-{r['id']}")
def test_metadata_canonical_version_status_copyright(resource: dict[str, Any]) -> None:
    assert resource["url"] == f"{BASE}/{resource['resourceType']}/{resource['id'].removesuffix('-assembled')}"
    assert re.fullmatch(r"\d+\.\d+\.\d+(-assembled)?", resource["version"])
    assert resource["status"] == "active"
    assert resource["publisher"] == "fhir-werk"
    assert resource["language"] == "nl"
    assert "Akwa GGZ 2017" in resource["copyright"]
    assert "generieke module" in resource["copyright"]


@pytest.mark.parametrize("questionnaire", questionnaires(), ids=lambda q: q["id"])
def test_link_ids_are_unique(questionnaire: dict[str, Any]) -> None:
    link_ids = [i["linkId"] for i in walk(questionnaire["item"])]
    assert len(link_ids) == len(set(link_ids))


_ANSWER_TYPE = {
    "answerCoding": "choice",
    "answerBoolean": "boolean",
    "answerInteger": "integer",
    "answerDate": "date",
}


@pytest.mark.parametrize("questionnaire", questionnaires(), ids=lambda q: q["id"])
def test_every_enable_when_refers_to_an_existing_question_of_compatible_type(
    questionnaire: dict[str, Any],
) -> None:
    items = {i["linkId"]: i for i in walk(questionnaire["item"])}
    checked = 0
    for item in items.values():
        for condition in item.get("enableWhen", []):
            target = items.get(condition["question"])
            assert target is not None, f"{item['linkId']} -> {condition['question']}"
            answer_key = next(k for k in condition if k.startswith("answer"))
            if condition["operator"] == "exists":
                # 'exists' asks for any answer at all: it fits every type, with a boolean.
                assert answer_key == "answerBoolean", item["linkId"]
                continue
            assert target["type"] == _ANSWER_TYPE[answer_key], item["linkId"]
            if answer_key == "answerCoding":
                options = {
                    (o["valueCoding"]["system"], o["valueCoding"]["code"]) for o in target["answerOption"]
                }
                assert (condition["answerCoding"]["system"], condition["answerCoding"]["code"]) in options
            checked += 1
    if questionnaire["id"] != "thema-9":
        assert checked > 0


def _codings(value: Any) -> list[dict[str, Any]]:
    return [d for d in dicts(value) if "system" in d and "code" in d]


@pytest.mark.parametrize("questionnaire", questionnaires(), ids=lambda q: q["id"])
def test_every_coded_answer_is_in_a_published_code_system(questionnaire: dict[str, Any]) -> None:
    items = {k: v for k, v in questionnaire.items() if k != "contained"}
    ours = [c for c in _codings(items) if c["system"].startswith(BASE)]
    assert ours
    for coding in ours:
        system = published().get(coding["system"])
        assert system is not None, coding
        assert system["resourceType"] == "CodeSystem", coding
        assert coding["code"] in {c["code"] for c in system["concept"]}, coding
    others = {c["system"] for c in _codings(items)} - {c["system"] for c in ours}
    assert others <= EXTERNAL_SYSTEMS | {
        "http://hl7.org/fhir/questionnaire-item-control",
        "http://terminology.hl7.org/CodeSystem/observation-category",
        "urn:iso:std:iso:3166",
        "http://hl7.org/fhir/uv/sdc/CodeSystem/launchContext",
    }


_TRANSLATABLE = {"text", "title", "description", "copyright", "display"}


def _untranslated(value: Any, path: str) -> list[str]:
    missing: list[str] = []
    if isinstance(value, dict):
        for key, child in value.items():
            # Displays of SNOMED/LOINC codes are the code system's own (English) terms.
            external = value.get("system") in EXTERNAL_SYSTEMS
            if key in _TRANSLATABLE and isinstance(child, str) and not external:
                companion = value.get(f"_{key}", {})
                langs = [
                    e
                    for e in companion.get("extension", [])
                    if e["url"] == TRANSLATION and {"url": "lang", "valueCode": "en"} in e["extension"]
                ]
                if not langs:
                    missing.append(f"{path}.{key}")
            elif key != "contained":
                missing += _untranslated(child, f"{path}.{key}")
    elif isinstance(value, list):
        for index, child in enumerate(value):
            missing += _untranslated(child, f"{path}[{index}]")
    return missing


@pytest.mark.parametrize("resource", ALL, ids=lambda r: f"{r['resourceType']}-{r['id']}")
def test_every_string_has_an_english_translation(resource: dict[str, Any]) -> None:
    # The snapshot is generated from the base definitions (their English texts), like the differential.
    body = {k: v for k, v in resource.items() if k not in ("concept", "differential", "snapshot")}
    assert _untranslated(body, resource["resourceType"]) == []
    for concept in resource.get("concept", []):
        assert [d["language"] for d in concept["designation"]] == ["en"], concept["code"]


def _scales() -> list[dict[str, Any]]:
    return [i for t in themes() for i in walk(t["item"]) if i["type"] == "integer"]


def test_nine_scales_are_sliders_0_to_10_with_anchors_and_own_codes() -> None:
    scales = _scales()
    assert len(scales) == 9
    codes = {s["code"][0]["code"] for s in scales}
    assert len(codes) == 9
    assert codes == {c["code"] for c in by_id("schaal")["concept"]}
    for scale in scales:
        ext = {e["url"].rsplit("/", 1)[1]: e for e in scale["extension"]}
        assert ext["minValue"]["valueInteger"] == 0
        assert ext["maxValue"]["valueInteger"] == 10
        assert ext["questionnaire-itemControl"]["valueCodeableConcept"]["coding"][0]["code"] == "slider"
        assert ext["questionnaire-sliderStepValue"]["valueInteger"] == 1
        anchors = [
            (c["text"], c["extension"][0]["valueCodeableConcept"]["coding"][0]["code"]) for c in scale["item"]
        ]
        assert anchors in (
            [("0 = heel negatief", "lower"), ("10 = heel positief", "upper")],
            [("0 = geen invloed", "lower"), ("10 = grote invloed", "upper")],
        )


def test_situation_is_coded_and_sections_b_c_d_depend_on_it() -> None:
    situation = next(i for i in walk(by_id("thema-1")["item"]) if i["linkId"] == "situatie")
    assert [o["valueCoding"]["code"] for o in situation["answerOption"]] == [
        "aan-het-werk",
        "baan-niet-werkend",
        "geen-werk",
        "uitkering",
    ]
    benefit = next(i for i in walk(by_id("thema-1")["item"]) if i["linkId"] == "situatie-uitkering")
    assert benefit["type"] == "string"
    assert benefit["enableWhen"][0]["answerCoding"]["code"] == "uitkering"
    sections = [i for t in themes() for i in walk(t["item"]) if re.fullmatch(r"t\d-[bcd]", i["linkId"])]
    assert len(sections) == 9  # 1: B C D; 2: B; 3: B; 4: B C; 5: B C
    for section in sections:
        assert {c["question"] for c in section["enableWhen"]} == {"situatie"}, section["linkId"]


def test_standalone_theme_asks_situation_and_assembled_leidraad_asks_it_once() -> None:
    for theme in themes():
        assert theme["item"][0]["linkId"] == "situatie"
    assembled = by_id("leidraad-assembled")
    assert [i["linkId"] for i in walk(assembled["item"])].count("situatie") == 1


def test_theme_9_is_information_only() -> None:
    items = list(walk(by_id("thema-9")["item"]))
    assert {i["type"] for i in items if not i["linkId"].startswith("situatie")} == {"group", "display"}


def test_toelichting_is_help_and_meer_weten_has_real_hyperlinks() -> None:
    for number in range(2, 8):
        items = {i["linkId"]: i for i in walk(by_id(f"thema-{number}")["item"])}
        help_item = items[f"t{number}-toelichting"]
        assert help_item["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "help"
        links = next(v for k, v in items.items() if k.startswith(f"t{number}-meer"))
        xhtml = next(
            e["valueString"] for e in links["_text"]["extension"] if e["url"].endswith("rendering-xhtml")
        )
        assert re.search(r'<a href="https?://[^"]+">', xhtml)


def test_root_follows_the_four_steps_and_refers_to_every_theme_module() -> None:
    root = by_id("leidraad")
    top = [i["linkId"] for i in root["item"]]
    assert top[:5] == ["leidraad-inleiding", "stap-1", "situatie", "situatie-uitkering", "stap-2"]
    followup = [i["linkId"] for i in by_id("vervolggesprek")["item"]]
    assert followup == [*top[:1], "terugblik-gesprek", "terugblik", *top[1:]]
    assert top[-2:] == ["stap-3", "stap-4"]
    modules = [
        e["valueCanonical"]
        for i in walk(root["item"])
        for e in i.get("extension", [])
        if e["url"].endswith("subQuestionnaire")
    ]
    assert modules == [f"{BASE}/Questionnaire/thema-{n}|0.1.0" for n in range(1, 10)]
    step4 = {i["linkId"]: i for i in walk(root["item"])}
    agreed = step4["afspraak"]
    assert agreed["repeats"] is True
    assert [c["linkId"] for c in agreed["item"]] == [
        "afspraak-wat",
        "afspraak-wie",
        "afspraak-wie-naam",
        "afspraak-wanneer",
    ]
    assert step4["afspraak-wanneer"]["type"] == "date"
    assert step4["behandeldoel"]["repeats"] is True
    assert step4["vervolggesprek"]["type"] == "date"
    roles = {o["valueCoding"]["code"] for o in step4["afspraak-wie"]["answerOption"]}
    assert {
        "huisarts",
        "bedrijfsarts",
        "arbeidsarts",
        "adviserend-arts",
        "verzekeringsarts",
        "jobcoach",
        "re-integratiebegeleider",
        "werkgever",
        "hr",
        "vdab-gtb",
        "disability-case-manager",
        "naaste",
        "patient",
        "behandelaar",
    } == roles
    recipients = {o["valueCoding"]["code"] for o in step4["delen-met"]["answerOption"]}
    assert {
        "werkgever",
        "bedrijfsarts",
        "arbeidsarts",
        "uwv",
        "gemeente",
        "vdab",
        "mutualiteit",
        "anders",
    } <= recipients
    assert "eigen-epd" not in recipients


@pytest.mark.parametrize("questionnaire", questionnaires(), ids=lambda q: q["id"])
def test_every_template_coding_with_a_system_has_a_code(questionnaire: dict[str, Any]) -> None:
    """A Coding with a system and no code is checked by a validating server as the code 'null'
    in that CodeSystem: refused once the server holds our CodeSystems (issue 24, item 5). A
    coding whose whole value comes from templateExtractValue carries only that extension."""
    codeless = [
        d
        for template in questionnaire.get("contained", [])
        for d in dicts(template)
        if "system" in d and not {"code", "_code", "value", "_value"} & set(d)
    ]
    assert codeless == []
