"""The section *Werk* of a treatment plan as plain Dutch text, for people rather than machines."""

from __future__ import annotations

from typing import Final

from fhir_werk.shared import Resource


def _of(bundle: Resource, kind: str) -> list[Resource]:
    return [e["resource"] for e in bundle.get("entry", []) if e["resource"]["resourceType"] == kind]


def _when(detail: Resource) -> str:
    period = detail.get("scheduledPeriod", {})
    if "end" in period:
        return f" (uiterlijk {period['end']})"
    if "start" in period:
        return f" ({period['start']})"
    return ""


_GOAL_STATE: Final = {
    "achieved": "bereikt",
    "in-progress": "op weg",
    "improving": "verbetert",
    "worsening": "verslechtert",
    "no-change": "gelijk gebleven",
    "not-achieved": "niet bereikt",
}
_STEP_STATE: Final = {
    "completed": "gedaan",
    "in-progress": "loopt nog",
    "stopped": "niet gelukt",
    "cancelled": "vervalt",
}


def _goal_state(goal: Resource) -> str:
    codes = [c.get("code") for c in goal.get("achievementStatus", {}).get("coding", [])]
    state = next((_GOAL_STATE[c] for c in codes if c in _GOAL_STATE), None)
    return f" ({state})" if state else ""


def _earlier(plan: Resource) -> int:
    return sum(
        1
        for r in plan.get("supportingInfo", [])
        if str(r.get("reference", "")).startswith("QuestionnaireResponse/")
    )


def render_werk_section(bundle: Resource) -> str:
    """The CarePlan 'Werk' in a bundle: goals, agreed steps, follow-up, scores and sharing."""
    lines: list[str] = []
    for plan in _of(bundle, "CarePlan"):
        lines += [
            f"== {plan.get('title', 'Werk')} ==",
            f"Patiënt: {plan['subject'].get('reference', '')}",
        ]
        if _earlier(plan):
            lines.append(f"Bijgewerkt in een vervolggesprek ({_earlier(plan)} eerder gesprek(ken)).")
        lines.append("")
    lines.append("Doelen:")
    for goal in _of(bundle, "Goal"):
        target = goal.get("target", [{}])[0]
        extra = ""
        if "detailInteger" in target:
            extra = f"  [doel: {target['measure']['coding'][0]['display']} naar {target['detailInteger']}]"
        lines.append(f"  - {goal['description']['text']}{extra}{_goal_state(goal)}")
    lines += ["", "Afspraken:"]
    for plan in _of(bundle, "CarePlan"):
        for activity in plan.get("activity", []):
            detail = activity.get("detail")
            if detail is None:
                continue
            who = ", ".join(p.get("display", "") for p in detail.get("performer", []))
            who_text = f"{who}: " if who else ""
            state = _STEP_STATE.get(str(detail.get("status")))
            done = f" [{state}]" if state else ""
            lines.append(f"  - {who_text}{detail.get('description', '')}{_when(detail)}{done}")
    for referral in _of(bundle, "ServiceRequest"):
        lines.append(f"  - Verwijzing: {_dutch(referral['code'])}")
    lines += ["", "Scores om te volgen (0-10):"]
    for observation in _of(bundle, "Observation"):
        if "valueInteger" in observation:
            lines.append(f"  - {observation['code']['coding'][0]['display']}: {observation['valueInteger']}")
        elif "valueCodeableConcept" in observation:
            lines.append(f"  - Werksituatie: {observation['valueCodeableConcept'].get('text', '')}")
    lines += ["", "Delen met anderen:"]
    for consent in _of(bundle, "Consent"):
        permits = consent["provision"].get("provision", [])
        if not permits:
            lines.append("  - De patiënt deelt deze sectie met niemand buiten het behandelteam.")
        for permit in permits:
            recipient = permit["actor"][0]["reference"].get("display", "")
            until = permit.get("period", {}).get("end")
            lines.append(f"  - {recipient}: doelen en afspraken" + (f", tot {until}" if until else ""))
    return "\n".join(lines) + "\n"


def _dutch(concept: Resource) -> str:
    """What a Dutch reader is shown of a code: its text, else the project's own coding's display.

    The SNOMED coding keeps SNOMED's English display (it must match the terminology), so it is
    only the last resort ("Verwijzing: Referral to occupational health physician" otherwise).
    """
    if concept.get("text"):
        return str(concept["text"])
    codings = concept.get("coding", [])
    own = [c for c in codings if c.get("system") != "http://snomed.info/sct"] or codings
    return ", ".join(str(c.get("display", c.get("code", ""))) for c in own)
