"""A follow-up that adds nothing new keeps the plan whole (issue 20, items 2 and 3).

The review of the earlier agreements and goals is filled in, steps 3 and 4 add nothing but the
earlier consent, carried over (as the page does): the extraction holds the CarePlan Werk with the
review's statuses and the Consent, so both reach the plan and the EPD. Without step 4 at all the
required consent question is missing, and the completed response is refused, not half-extracted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhir_werk.extraction import extract, render_werk_section
from fhir_werk.shared import InvalidInputError, Resource

SECOND = Path(__file__).parents[1] / "questionnaires" / "voorbeelden" / "vervolg"
SECOND /= "QuestionnaireResponse-sanne-vervolggesprek.json"


def _follow_up(keep_in_step_4: set[str] | None) -> Resource:
    """The example follow-up with step 4 left out (None) or cut down to ``keep_in_step_4``."""
    response: Resource = json.loads(SECOND.read_text("utf-8"))
    if keep_in_step_4 is None:
        response["item"] = [i for i in response["item"] if i["linkId"] != "stap-4"]
    else:
        for group in response["item"]:
            if group["linkId"] == "stap-4":
                group["item"] = [i for i in group["item"] if i["linkId"] in keep_in_step_4]
    return response


def _of(bundle: Resource, kind: str) -> list[Resource]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def _statuses(plan: Resource) -> dict[str, str]:
    return {a["detail"]["description"]: a["detail"]["status"] for a in plan.get("activity", [])}


def test_a_review_with_the_earlier_consent_and_nothing_new_updates_the_plan() -> None:
    bundle = extract(_follow_up({"delen"}))
    (plan,) = _of(bundle, "CarePlan")
    assert _statuses(plan) == {
        "Rooster bespreken met de praktijkhouder.": "completed",
        "Spreekuur bij de bedrijfsarts over telefoondiensten.": "in-progress",
    }
    assert len(_of(bundle, "Goal")) == 3
    text = render_werk_section(bundle)
    assert "Rooster bespreken met de praktijkhouder. (uiterlijk 2026-11-16) [gedaan]" in text
    assert "[loopt nog]" in text
    whole = _of(extract(_follow_up({"afspraak", "delen", "vervolggesprek"})), "CarePlan")[0]
    assert plan["identifier"] == whole["identifier"]
    assert _statuses(plan).items() <= _statuses(whole).items()


def test_a_completed_follow_up_without_step_4_is_refused_for_its_consent_question() -> None:
    with pytest.raises(InvalidInputError) as refused:
        extract(_follow_up(None))
    issues = refused.value.outcome["issue"]
    assert [i["expression"][0] for i in issues if i["severity"] == "error"] == [
        "QuestionnaireResponse.item.where(linkId='stap-4').item.where(linkId='delen')"
        ".item.where(linkId='delen-toestemming')"
    ]


def test_a_review_with_the_earlier_consent_carried_over_gives_plan_and_consent() -> None:
    bundle = extract(_follow_up({"delen"}))
    assert len(_of(bundle, "CarePlan")) == 1
    (consent,) = _of(bundle, "Consent")
    assert consent["status"] == "active"
