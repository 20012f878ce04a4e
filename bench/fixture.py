"""The benchmark responses: a *full* leidraad response and the growth series, built with the
project's own response builder (``fhir_werk.authoring._response_builder``).

Full: themes 1–8 chosen, every question that is then enabled answered, 5 agreements, 3 goals.
A question that switches others on (enableWhen) gets the answer that does; every other choice
its first option. Run ``.venv/bin/python bench/fixture.py`` to rewrite ``bench/fixtures/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir_werk.authoring._response_builder import build_response
from fhir_werk.publishing import published
from fhir_werk.validation._enable_when import without_disabled

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
FORM_URL = "https://fhir-werk.nl/fhir/Questionnaire/leidraad|0.1.0-assembled"

Resource = dict[str, Any]


def form() -> Resource:
    """The assembled leidraad, as the responses name it."""
    return published().questionnaire(FORM_URL)


def _walk(items: list[Resource]) -> list[Resource]:
    out: list[Resource] = []
    for item in items:
        out.append(item)
        out += _walk(item.get("item", []))
    return out


def _enabling(items: list[Resource]) -> dict[str, Any]:
    """For each question another one's enableWhen looks at: the answer that enables it."""
    wanted: dict[str, Any] = {}
    for item in items:
        for condition in item.get("enableWhen", []):
            if condition.get("operator") not in ("=", None):
                continue
            for key, value in condition.items():
                if key.startswith("answer") and key != "answer":
                    code = value["code"] if isinstance(value, dict) else value
                    wanted.setdefault(condition["question"], code)
    return wanted


def _value(item: Resource, n: int, wanted: dict[str, Any]) -> Any:
    if item["linkId"] in wanted:
        value = wanted[item["linkId"]]
        return [value] if item.get("repeats") else value
    kind = item["type"]
    if kind == "choice":
        codes = [o["valueCoding"]["code"] for o in item["answerOption"]]
        return codes[:2] if item.get("repeats") else codes[0]
    if kind == "integer":
        return n % 10
    if kind == "boolean":
        return True
    if kind == "date":
        return f"2026-12-{1 + n % 28:02d}"
    return f"Antwoord {n} op {item['linkId']}"


def build(themes: int = 8, agreements: int = 5, goals: int = 3) -> Resource:
    """A response with themes 1..``themes`` chosen and every enabled question answered."""
    questionnaire = form()
    items = _walk(questionnaire["item"])
    wanted = _enabling(items)
    wanted["stap-1-themas"] = [f"thema-{t}" for t in range(1, themes + 1)]
    wanted["situatie"] = "aan-het-werk"
    repeating = {i["linkId"]: i for i in items if i["type"] == "group" and i.get("repeats")}
    inside = {c["linkId"] for g in repeating.values() for c in _walk(g["item"])}
    answers: dict[str, Any] = {}
    for n, item in enumerate(items):
        if item["type"] in ("group", "display") or item["linkId"] in inside:
            continue
        answers[item["linkId"]] = _value(item, n, wanted)
    answers["stap-1-themas"] = wanted["stap-1-themas"]
    counts = {"afspraak": agreements, "behandeldoel": goals}
    for link_id, group in repeating.items():
        children = [c for c in _walk(group["item"]) if c["type"] not in ("group", "display")]
        answers[link_id] = [
            {c["linkId"]: _value(c, n * 7 + k, {}) for k, c in enumerate(children)}
            for n in range(counts.get(link_id, 1))
        ]
    response = build_response(
        questionnaire,
        answers,
        subject="Patient/bench",
        author="Practitioner/bench",
        authored="2026-11-20T12:00:00+01:00",
        response_id=f"bench-t{themes}-a{agreements}-g{goals}",
    )
    return without_disabled(response, questionnaire)


SERIES: dict[str, tuple[int, int, int]] = {
    "full": (8, 5, 3),
    "agreements-1": (8, 1, 3),
    "agreements-10": (8, 10, 3),
    "agreements-100": (8, 100, 3),
    "themes-1": (1, 5, 3),
    "themes-3": (3, 5, 3),
    "themes-9": (9, 5, 3),
}
"""Name → (themes, agreements, goals) of every bench fixture."""


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    for name, (themes, agreements, goals) in SERIES.items():
        text = json.dumps(build(themes, agreements, goals), ensure_ascii=False, indent=1) + "\n"
        (FIXTURES / f"{name}.json").write_text(text, encoding="utf-8")
        print(f"{name}: {len(text.encode()) // 1024} KB")


if __name__ == "__main__":
    main()
