"""The Werk plan of a follow-up that adds nothing new: the review alone still updates the plan.

The CarePlan *Werk* is extracted in the context of step 4 (``stap-4``, the agreements, sharing and
follow-up date). A follow-up whose review is filled in but whose steps 3 and 4 are left empty had
no such group, so no CarePlan came out: the review's statuses ("gedaan", "loopt nog") never
reached the plan or the EPD, and the plan page said there were no agreements (issue 20, item 2).
An answered review now gives the plan its context all the same: an empty ``stap-4`` in which the
CarePlan template runs (it reads the review's agreements from the whole response).
"""

from __future__ import annotations

from typing import Final

from fhir_werk.shared import Resource

PLAN_GROUP: Final = "stap-4"
REVIEW_GROUP: Final = "terugblik"


class PlanContext(dict[str, object]):
    """The stand-in ``stap-4`` of a follow-up that left it out: extracted although it has no answer."""


def _has_answer(item: Resource) -> bool:
    if any(k.startswith("value") for a in item.get("answer", []) for k in a):
        return True
    return any(_has_answer(child) for child in item.get("item", []))


def plan_context(response: Resource) -> PlanContext | None:
    """The stand-in step 4 when ``response`` has an answered review and no step 4, else None."""
    items = [i for i in response.get("item", []) if isinstance(i, dict)]
    if any(i.get("linkId") == PLAN_GROUP for i in items):
        return None
    if not any(i.get("linkId") == REVIEW_GROUP and _has_answer(i) for i in items):
        return None
    return PlanContext(linkId=PLAN_GROUP)
