"""The review of a follow-up names earlier goals by the identifier extraction gave them
(``terugblik-doel-id``, filled by ``$populate``); delivery updates the Goal with that identifier
in place. Such an identifier is no authority: it is guessable, and a response of patient A that
named patient B's goals would overwrite B's goals in the EPD. So a write is accepted only when
every goal it names is one of the same patient's stored Werk plan (checked at submission, 422
with the linkId path of the answer otherwise).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Final

import sqlalchemy as sa

from fhir_werk.service.core._references import reference_of
from fhir_werk.service.storage._plan_store import goal_identifiers
from fhir_werk.shared import BASE, InvalidInputError, Resource, issue, outcome

GOAL_ID_ITEM: Final = "terugblik-doel-id"
IDENTIFIER_SYSTEM: Final = f"{BASE}/NamingSystem/extractie"


def _path(prefix: str, link_id: str) -> str:
    quoted = link_id.replace("\\", "\\\\").replace("'", "\\'")
    return f"{prefix}.item.where(linkId='{quoted}')"


def _named_goals(items: Any, prefix: str) -> Iterator[tuple[str, str]]:
    """``(value, FHIRPath)`` of every goal identifier answered under ``items``."""
    if not isinstance(items, list):
        return
    seen: dict[str, int] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("linkId"), str):
            continue
        link_id = item["linkId"]
        index = seen[link_id] = seen.get(link_id, -1) + 1
        path = f"{_path(prefix, link_id)}[{index}]"
        answers: list[Any] = item["answer"] if isinstance(item.get("answer"), list) else []
        for number, answer in enumerate(answers):
            if not isinstance(answer, dict):
                continue
            if link_id == GOAL_ID_ITEM and "valueString" in answer:
                yield str(answer["valueString"]), f"{path}.answer[{number}].value"
            yield from _named_goals(answer.get("item"), f"{path}.answer[{number}]")
        yield from _named_goals(item.get("item"), path)


def check_named_goals(engine: sa.Engine, response: Resource) -> None:
    """422 unless every goal ``response``'s review names belongs to its own patient's stored plan."""
    named = list(_named_goals(response.get("item"), "QuestionnaireResponse"))
    if not named:
        return
    found = reference_of(response.get("subject"))  # Patient/x, as the store keeps the patient
    own = goal_identifiers(engine, "/".join(found), IDENTIFIER_SYSTEM) if found is not None else set()
    foreign = [path for value, path in named if value not in own]
    if foreign:
        raise InvalidInputError(
            outcome(
                [
                    issue(
                        "error",
                        "business-rule",
                        "Dit doel hoort niet bij het werkplan van deze patiënt; vul het vervolggesprek "
                        "opnieuw vooraf in ($populate).",
                        "This goal is not part of this patient's Werk plan; pre-fill the follow-up "
                        "again ($populate).",
                        path,
                    )
                    for path in foreign
                ]
            ),
            422,
        )
