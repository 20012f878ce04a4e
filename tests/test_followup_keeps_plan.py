"""A follow-up that adds nothing new keeps the plan whole (issue 20, item 2).

The review of the earlier agreements and goals is filled in, steps 3 and 4 add nothing: the
extraction still holds the CarePlan Werk with the review's statuses, so they reach the plan and the
EPD; with the earlier consent carried over (as the page does) the Consent is there too.
"""

from __future__ import annotations

import json
from pathlib import Path

from fhir_werk.extraction import extract, render_werk_section
from fhir_werk.shared import Resource

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


def test_a_review_without_step_4_still_updates_the_plan_with_its_statuses() -> None:
    bundle = extract(_follow_up(None))
    (plan,) = _of(bundle, "CarePlan")
    assert _statuses(plan) == {
        "Rooster bespreken met de praktijkhouder.": "completed",
        "Spreekuur bij de bedrijfsarts over telefoondiensten.": "in-progress",
    }
    assert len(_of(bundle, "Goal")) == 3
    text = render_werk_section(bundle)
    assert "Rooster bespreken met de praktijkhouder. (uiterlijk 2026-11-16) [gedaan]" in text
    assert "[loopt nog]" in text


def test_the_same_plan_as_with_step_4_apart_from_what_step_4_adds() -> None:
    whole = _of(extract(_follow_up({"afspraak", "delen", "vervolggesprek"})), "CarePlan")[0]
    bare = _of(extract(_follow_up(None)), "CarePlan")[0]
    assert bare["identifier"] == whole["identifier"]
    assert _statuses(bare).items() <= _statuses(whole).items()


def test_a_review_with_the_earlier_consent_carried_over_gives_plan_and_consent() -> None:
    bundle = extract(_follow_up({"delen"}))
    assert len(_of(bundle, "CarePlan")) == 1
    (consent,) = _of(bundle, "Consent")
    assert consent["status"] == "active"


def test_without_a_review_no_plan_is_invented() -> None:
    response = _follow_up(None)
    response["item"] = [i for i in response["item"] if not i["linkId"].startswith("terugblik")]
    assert _of(extract(response), "CarePlan") == []
