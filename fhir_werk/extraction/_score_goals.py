"""A goal with a score target gets its achievement from the new score, computed, not typed.

The "1 punt hoger" goals name a scale (``target.measure``) and a target score
(``target.detailInteger``). In the follow-up conversation the patient scores the scale again; the
review item of the goal carries the previous score (``terugblik-doel-uitgangswaarde``, filled by
``$populate``). Achievement (http://terminology.hl7.org/CodeSystem/goal-achievement):

- new score ≥ target → ``achieved`` (and the goal is ``completed``)
- otherwise against the previous score: higher → ``improving``, lower → ``worsening``, equal →
  ``no-change``; without a previous score → ``in-progress``.

Done here, not in the template: the template would need the score of *another* item of the same
response, found by the scale's code, compared as numbers — beyond what SDC templates (and CSIRO's
extractor) evaluate. The scores themselves are those observation extraction turns into
Observations, read from the same response.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from fhir_werk.shared import Resource, code_system

GOAL_ACHIEVEMENT: Final = "http://terminology.hl7.org/CodeSystem/goal-achievement"
_SCALE: Final = code_system("schaal")
_DISPLAY: Final = {
    "achieved": "Achieved",
    "improving": "Improving",
    "worsening": "Worsening",
    "no-change": "No Change",
    "in-progress": "In Progress",
}


def new_scores(answered: Iterable[tuple[Resource, Resource]]) -> dict[str, int]:
    """Scale code → the score this response gives, from (response item, its definition) pairs."""
    scores: dict[str, int] = {}
    for item, definition in answered:
        codes = [c.get("code") for c in definition.get("code", []) if c.get("system") == _SCALE]
        values = [a.get("valueInteger") for a in item.get("answer", [])]
        if codes and values and isinstance(values[0], int) and not isinstance(values[0], bool):
            scores[str(codes[0])] = values[0]
    return scores


def _integer(item: Resource, link_id: str) -> int | None:
    for child in item.get("item", []):
        if child.get("linkId") == link_id:
            value = (child.get("answer") or [{}])[0].get("valueInteger")
            return value if isinstance(value, int) and not isinstance(value, bool) else None
        found = _integer(child, link_id)
        if found is not None:
            return found
    return None


def achievement(new: int, target: int, previous: int | None) -> str:
    """The goal-achievement code for a new score against the target and the previous score."""
    if new >= target:
        return "achieved"
    if previous is None:
        return "in-progress"
    if new > previous:
        return "improving"
    return "worsening" if new < previous else "no-change"


def with_score_achievement(goal: Resource, review_item: Resource, scores: Mapping[str, int]) -> Resource:
    """``goal`` with achievementStatus (and lifecycleStatus) from its scale's new score."""
    for target in goal.get("target", []):
        codes = [
            c.get("code") for c in target.get("measure", {}).get("coding", []) if c.get("system") == _SCALE
        ]
        wanted = target.get("detailInteger")
        if not codes or not isinstance(wanted, int) or str(codes[0]) not in scores:
            continue
        code = achievement(
            scores[str(codes[0])], wanted, _integer(review_item, "terugblik-doel-uitgangswaarde")
        )
        status = {"coding": [{"system": GOAL_ACHIEVEMENT, "code": code, "display": _DISPLAY[code]}]}
        lifecycle = "completed" if code == "achieved" else goal.get("lifecycleStatus", "active")
        return {**goal, "lifecycleStatus": lifecycle, "achievementStatus": status}
    return goal
