"""The extraction templates of the follow-up conversation's review (group ``terugblik``).

An earlier goal comes back as the *same* Goal: its identifier is carried in the hidden item
``terugblik-doel-id`` ($populate fills it), so delivery updates the Goal in place instead of
creating a new one. Its status comes from the answer (bereikt / op weg / niet bereikt /
bijstellen); for a goal with a score target extraction computes the achievement from the new
score (not a template: SDC templates cannot see the scores of the same response as numbers
next to the target, see :mod:`fhir_werk.extraction._score_goals`). An earlier agreement comes
back as a CarePlan activity with its status from the answer (gedaan / loopt nog / niet gelukt /
vervalt) and the explanation as progress note.
"""

from __future__ import annotations

from typing import Any, Final

from fhir_werk.authoring._template_parts import context as context_of
from fhir_werk.authoring._template_parts import from_, person, value
from fhir_werk.shared import ACTOR_ROLE, BASE

IDENTIFIER_SYSTEM: Final = f"{BASE}/NamingSystem/extractie"
GOAL_ACHIEVEMENT: Final = "http://terminology.hl7.org/CodeSystem/goal-achievement"


def _answer(link_id: str) -> str:
    return f"item.where(linkId='{link_id}').answer.value"


def _chain(subject: str, mapping: list[tuple[str, str]], otherwise: str) -> str:
    """``iif(subject = a, x, iif(subject = b, y, ... otherwise))``: a code mapped to another."""
    expression = otherwise
    for source, target in reversed(mapping):
        expression = f"iif({subject} = '{source}', '{target}', {expression})"
    return expression


_STAND = _answer("terugblik-doel-stand") + ".code"


def review_goal() -> dict[str, Any]:
    """An earlier goal as it stands after the follow-up conversation."""
    description = (
        f"iif({_STAND} = 'bijstellen', {_answer('terugblik-doel-bijgesteld')}, "
        f"{_answer('terugblik-doel-tekst')})"
    )
    # The goal's own item, when it carries a scale (CSIRO's $populate fills only the direct
    # children of a repeated group, so the score items are not grouped).
    score = "where(item.where(linkId='terugblik-doel-schaal').answer.exists())"
    return {
        "resourceType": "Goal",
        "id": "tpl-terugblik-doel",
        "identifier": [{"system": IDENTIFIER_SYSTEM, "_value": value(_answer("terugblik-doel-id"))}],
        "lifecycleStatus": "active",
        "_lifecycleStatus": value(f"iif({_STAND} = 'bereikt', 'completed', 'active')"),
        "achievementStatus": {
            "extension": [context_of(f"{_answer('terugblik-doel-stand')}.where(code != 'bijstellen')")],
            "coding": [
                {
                    "system": GOAL_ACHIEVEMENT,
                    "_system": value(f"'{GOAL_ACHIEVEMENT}'"),
                    "code": "in-progress",
                    "_code": value(
                        _chain("code", [("bereikt", "achieved"), ("op-weg", "in-progress")], "'not-achieved'")
                    ),
                }
            ],
        },
        "category": [{"coding": [from_(_answer("terugblik-doel-soort"))]}],
        "description": {"_text": value(description)},
        "subject": person("%resource.subject"),
        "_startDate": value(_answer("terugblik-doel-start")),
        "target": [
            {
                "extension": [context_of(score)],
                "measure": {"coding": [from_(_answer("terugblik-doel-schaal"))]},
                "_detailInteger": value(_answer("terugblik-doel-doelwaarde")),
            }
        ],
        "expressedBy": person("%resource.subject"),
        "note": [
            {
                "extension": [context_of("item.where(linkId='terugblik-doel-toelichting')")],
                "_text": value("'Vervolggesprek: ' + answer.value"),
            }
        ],
    }


def review_activity() -> dict[str, Any]:
    """An earlier agreement, repeated once per review item, with its new status."""
    status = _chain(
        _answer("terugblik-afspraak-stand") + ".code",
        [
            ("gedaan", "completed"),
            ("loopt-nog", "in-progress"),
            ("niet-gelukt", "stopped"),
            ("vervalt", "cancelled"),
        ],
        "'not-started'",
    )
    return {
        "extension": [context_of("%resource.repeat(item).where(linkId='terugblik-afspraak')")],
        "progress": [
            {
                "extension": [context_of("item.where(linkId='terugblik-afspraak-toelichting')")],
                "_text": value("answer.value"),
            }
        ],
        "detail": {
            "status": "not-started",
            "_status": value(status),
            "_description": value(_answer("terugblik-afspraak-wat")),
            "performer": [
                {
                    "extension": [
                        {
                            "url": ACTOR_ROLE,
                            "valueCoding": from_(_answer("terugblik-afspraak-rol")),
                        }
                    ],
                    "display": "(uitvoerder)",
                    "_display": value(_answer("terugblik-afspraak-wie")),
                }
            ],
            "scheduledPeriod": {"_end": value(_answer("terugblik-afspraak-wanneer"))},
        },
    }


def earlier_conversations() -> dict[str, Any]:
    """CarePlan.supportingInfo: each earlier conversation's response, carried by $populate."""
    element = from_("$this", display="(eerder gesprek)")
    each = context_of("%resource.repeat(item).where(linkId='terugblik-gesprek').answer.value")
    return {**element, "extension": [each, *element["extension"]]}
