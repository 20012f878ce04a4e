"""The trend of a patient's Werk plan across conversations: every 0–10 scale with its change, and
the goals with their status (the monitoring the generieke module asks of the *individueel
zorgplan*).

Pure: takes resources (Observations and Goals, from bundles or a server), returns a
:class:`Trend`; :func:`render_trend` writes it for people, in Dutch.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

from fhir_werk.shared import Resource, code_system

SCALE_SYSTEM: Final = code_system("schaal")
IDENTIFIER_SYSTEM: Final = "https://fhir-werk.nl/fhir/NamingSystem/extractie"
_LIFECYCLE_NL: Final = {
    "proposed": "voorgesteld",
    "planned": "gepland",
    "accepted": "afgesproken",
    "active": "actief",
    "on-hold": "gepauzeerd",
    "completed": "afgerond",
    "cancelled": "vervallen",
    "entered-in-error": "ten onrechte ingevoerd",
    "rejected": "afgewezen",
}
_ACHIEVEMENT_NL: Final = {
    "in-progress": "op weg",
    "improving": "verbetert",
    "worsening": "verslechtert",
    "no-change": "geen verandering",
    "achieved": "bereikt",
    "sustaining": "blijft bereikt",
    "not-achieved": "niet bereikt",
    "no-progress": "geen vooruitgang",
    "not-attainable": "niet haalbaar",
}


@dataclass(frozen=True)
class Point:
    """One score at one conversation."""

    when: str
    """The Observation's effectiveDateTime (the response's ``authored``)."""
    value: int


@dataclass(frozen=True)
class Scale:
    """One 0–10 scale across the conversations, oldest first."""

    code: str
    label: str
    points: tuple[Point, ...]

    @property
    def change(self) -> int | None:
        """The last score minus the first; None with fewer than two scores."""
        return self.points[-1].value - self.points[0].value if len(self.points) > 1 else None


@dataclass(frozen=True)
class GoalState:
    """A goal as it stands now."""

    description: str
    lifecycle: str
    achievement: str | None
    category: str | None


@dataclass(frozen=True)
class Trend:
    """Every scale and goal of one patient."""

    scales: tuple[Scale, ...]
    goals: tuple[GoalState, ...]


def _scale_code(observation: Resource) -> tuple[str, str] | None:
    for coding in observation.get("code", {}).get("coding", []):
        if coding.get("system") == SCALE_SYSTEM and coding.get("code"):
            return str(coding["code"]), str(coding.get("display") or coding["code"])
    return None


def _identity(resource: Resource) -> str:
    """The extraction identifier (one Goal or score per identity), else the server id."""
    identifiers = resource.get("identifier", [])
    for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
        if isinstance(identifier, dict) and identifier.get("system") == IDENTIFIER_SYSTEM:
            return str(identifier.get("value"))
    return str(resource.get("id", id(resource)))


def _text(concept: Resource | None) -> str | None:
    if not isinstance(concept, dict):
        return None
    coding: Resource = next(iter(concept.get("coding", [])), {})
    found = concept.get("text") or coding.get("code")
    return str(found) if found else None


def trend(resources: Iterable[Resource]) -> Trend:
    """The trend of the Observations and Goals in ``resources`` (any order, duplicates allowed:
    one score per extraction identity, entered-in-error ones left out)."""
    scores: dict[str, tuple[str, str, Point]] = {}
    goals: dict[str, Resource] = {}
    for resource in resources:
        kind = resource.get("resourceType")
        if kind == "Observation" and resource.get("status") != "entered-in-error":
            code = _scale_code(resource)
            value = resource.get("valueInteger")
            when = resource.get("effectiveDateTime")
            if code is not None and isinstance(value, int) and isinstance(when, str):
                scores[_identity(resource)] = (code[0], code[1], Point(when, value))
        elif kind == "Goal" and resource.get("lifecycleStatus") != "entered-in-error":
            goals[_identity(resource)] = resource
    by_scale: dict[str, tuple[str, list[Point]]] = {}
    for scale_code, label, point in scores.values():
        by_scale.setdefault(scale_code, (label, []))[1].append(point)
    scales = tuple(
        Scale(code, label, tuple(sorted(points, key=lambda p: p.when)))
        for code, (label, points) in sorted(by_scale.items(), key=lambda kv: kv[1][0])
    )
    states = tuple(
        GoalState(
            description=str(g.get("description", {}).get("text", "")),
            lifecycle=str(g.get("lifecycleStatus", "")),
            achievement=_text(g.get("achievementStatus")),
            category=_text(next(iter(g.get("category", [])), None)),
        )
        for g in sorted(goals.values(), key=lambda g: str(g.get("description", {}).get("text", "")))
    )
    return Trend(scales, states)


def _date_nl(when: str) -> str:
    """``2026-11-05T14:00:00+01:00`` → ``05-11-2026`` (DD-MM-JJJJ, as Dutch readers expect)."""
    year, month, day = when[:10].split("-") if len(when) >= 10 else (when, "", "")
    return f"{day}-{month}-{year}" if day else when


def render_trend(found: Trend) -> str:
    """The trend as Dutch text: per scale the scores by date and the change, then the goals."""
    lines = ["Schalen (0–10) over de gesprekken"]
    if not found.scales:
        lines.append("  (geen scores gevonden)")
    for scale in found.scales:
        change = scale.change
        verdict = "" if change is None else f"  verandering {change:+d}"
        lines.append(f"  {scale.label}{verdict}")
        previous: int | None = None
        for point in scale.points:
            step = "" if previous is None else f"  ({point.value - previous:+d})"
            lines.append(f"    {_date_nl(point.when)}  {point.value:>2}{step}")
            previous = point.value
    lines.append("")
    lines.append("Doelen")
    if not found.goals:
        lines.append("  (geen doelen gevonden)")
    for goal in found.goals:
        status = _LIFECYCLE_NL.get(goal.lifecycle, goal.lifecycle)
        if goal.achievement:
            status += f", {_ACHIEVEMENT_NL.get(goal.achievement, goal.achievement)}"
        lines.append(f"  - {goal.description}  [{status}]")
    return "\n".join(lines) + "\n"
