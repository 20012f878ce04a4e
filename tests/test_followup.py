"""The follow-up conversation: pre-fill ($populate) from the earlier one, the review part, and
what its extraction makes of the plan (one CarePlan per patient, the same Goals, statuses)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fhir_werk.cli import app
from fhir_werk.extraction import extract
from fhir_werk.extraction._score_goals import achievement
from fhir_werk.followup import BundleRecord, followup_questionnaire, populate_from
from fhir_werk.shared import InvalidInputError, Resource
from fhir_werk.validation import validate_response

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "questionnaires" / "voorbeelden"
FIRST = EXAMPLES / "QuestionnaireResponse-sanne-werkt-met-klachten.json"
SECOND = EXAMPLES / "vervolg" / "QuestionnaireResponse-sanne-vervolggesprek.json"
runner = CliRunner()


def load(path: Path) -> Resource:
    found: Resource = json.loads(path.read_text("utf-8"))
    return found


def items(response: Resource, link_id: str) -> list[Resource]:
    found: list[Resource] = []

    def walk(nodes: list[Resource]) -> None:
        for node in nodes:
            if node.get("linkId") == link_id:
                found.append(node)
            walk(node.get("item", []))

    walk(response.get("item", []))
    return found


def answer(item: Resource) -> Any:
    value = item["answer"][0]
    return next(v for k, v in value.items() if k.startswith("value"))


def of_type(bundle: Resource, kind: str) -> list[Resource]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_the_prefill_lists_every_earlier_agreement_and_goal_and_leaves_the_scores_empty() -> None:
    first = load(FIRST)
    filled = populate_from(first, authored="2027-02-01T10:00:00+01:00")
    assert filled["status"] == "in-progress"
    assert filled["subject"] == first["subject"]
    assert [answer(i)["reference"] for i in items(filled, "terugblik-gesprek")] == [
        "QuestionnaireResponse/sanne-werkt-met-klachten"
    ]
    agreed = [answer(i) for i in items(filled, "terugblik-afspraak-wat")]
    assert agreed == [a["afspraak-wat"] for a in _yaml_agreements()]
    earlier_goals = {g["identifier"][0]["value"] for g in of_type(extract(first), "Goal")}
    assert {answer(i) for i in items(filled, "terugblik-doel-id")} == earlier_goals
    # the score goal's previous score and target come along, hidden; the situation is pre-filled
    assert sorted(answer(i) for i in items(filled, "terugblik-doel-uitgangswaarde")) == [6, 6]
    assert sorted(answer(i) for i in items(filled, "terugblik-doel-doelwaarde")) == [7, 7]
    assert answer(items(filled, "situatie")[0])["code"] == "aan-het-werk"
    # nothing of this conversation is guessed: no score, no stand, no new agreement
    for link_id in ("t1-invloed-gezondheid", "t2-tevreden", "terugblik-afspraak-stand", "afspraak-wat"):
        assert items(filled, link_id) == [], link_id


def _yaml_agreements() -> list[dict[str, Any]]:
    import yaml

    people = yaml.safe_load((ROOT / "questionnaires" / "bron" / "voorbeelden.yaml").read_text("utf-8"))
    sanne = next(p for p in people if p["id"] == "sanne-werkt-met-klachten")
    found: list[dict[str, Any]] = sanne["answers"]["afspraak"]
    return found


def test_the_prefill_is_a_valid_draft_of_the_leidraad() -> None:
    filled = populate_from(load(FIRST), authored="2027-02-01T10:00:00+01:00")
    result = validate_response(filled, followup_questionnaire())
    assert [i for i in result["issue"] if i["severity"] in ("error", "fatal")] == []


def test_the_same_prefill_from_the_response_or_from_its_bundle() -> None:
    first = load(FIRST)
    authored = "2027-02-01T10:00:00+01:00"
    assert populate_from(first, authored=authored) == populate_from(extract(first), authored=authored)


def test_a_first_conversation_gets_no_review_part() -> None:
    empty = BundleRecord([])
    from fhir_werk.followup import populate_followup

    filled = populate_followup(empty, patient="niemand", authored="2027-02-01T10:00:00+01:00")
    assert items(filled, "terugblik") == []
    assert items(filled, "terugblik-gesprek") == []


def test_the_follow_up_revises_the_same_plan_and_the_same_goals() -> None:
    first, second = extract(load(FIRST)), extract(load(SECOND))
    [plan_1], [plan_2] = of_type(first, "CarePlan"), of_type(second, "CarePlan")
    assert plan_1["identifier"] == plan_2["identifier"]
    assert {g["identifier"][0]["value"] for g in of_type(first, "Goal")} == {
        g["identifier"][0]["value"] for g in of_type(second, "Goal")
    }
    steps = {a["detail"]["description"]: a["detail"]["status"] for a in plan_2["activity"]}
    assert steps["Rooster bespreken met de praktijkhouder."] == "completed"
    assert steps["Spreekuur bij de bedrijfsarts over telefoondiensten."] == "in-progress"
    assert steps["Telefoonvrije ochtenden na drie maanden evalueren met de praktijkhouder."] == "not-started"
    progress = [a.get("progress", [{}])[0].get("text") for a in plan_2["activity"]]
    assert "Twee telefoonvrije ochtenden per week afgesproken." in progress
    # both conversations are linked from the plan: this one first, then the earlier one
    references = [r["reference"] for r in plan_2["supportingInfo"]]
    assert references[1] == "QuestionnaireResponse/sanne-werkt-met-klachten"
    assert references[0] == second["entry"][0]["fullUrl"]
    assert len(plan_2["goal"]) == 3


def test_a_score_goal_gets_its_achievement_from_the_new_score_not_from_an_answer() -> None:
    goals = {g["description"]["text"]: g for g in of_type(extract(load(SECOND)), "Goal")}
    reached = goals["Minder telefoondiensten achter elkaar en elke dag een pauze buiten."]
    assert reached["achievementStatus"]["coding"][0]["code"] == "achieved"  # 6 → 7, target 7
    assert reached["lifecycleStatus"] == "completed"
    same = goals["Een vaste telefoonvrije ochtend per week."]
    assert same["achievementStatus"]["coding"][0]["code"] == "no-change"  # 6 → 6
    assert same["lifecycleStatus"] == "active"
    typed = goals["Mijn 28 uur volhouden zonder ziekmelding."]
    assert typed["achievementStatus"]["coding"][0]["code"] == "in-progress"  # 'op weg'
    assert typed["note"] == [{"text": "Vervolggesprek: Geen ziekmelding sinds november."}]


@pytest.mark.parametrize(
    ("new", "target", "previous", "expected"),
    [
        (7, 7, 6, "achieved"),
        (10, 10, 10, "achieved"),
        (6, 7, 5, "improving"),
        (4, 7, 6, "worsening"),
        (6, 7, 6, "no-change"),
        (3, 7, None, "in-progress"),
    ],
)
def test_achievement_from_scores(new: int, target: int, previous: int | None, expected: str) -> None:
    assert achievement(new, target, previous) == expected


def test_a_goal_reviewed_as_adjusted_takes_the_new_text_and_stays_active() -> None:
    second = load(SECOND)
    goal = next(g for g in items(second, "terugblik-doel") if items(g, "terugblik-doel-stand"))
    stand = items(goal, "terugblik-doel-stand")[0]
    stand["answer"][0]["valueCoding"] = {**stand["answer"][0]["valueCoding"], "code": "bijstellen"}
    stand["answer"][0]["valueCoding"]["display"] = "Bijstellen"
    position = goal["item"].index(stand) + 1
    goal["item"].insert(
        position, {"linkId": "terugblik-doel-bijgesteld", "answer": [{"valueString": "24 uur."}]}
    )
    adjusted = next(g for g in of_type(extract(second), "Goal") if g["description"]["text"] == "24 uur.")
    assert adjusted["lifecycleStatus"] == "active"
    assert "achievementStatus" not in adjusted


def test_an_adjusted_goal_without_the_new_text_is_refused_with_its_path() -> None:
    second = load(SECOND)
    goal = next(g for g in items(second, "terugblik-doel") if items(g, "terugblik-doel-stand"))
    items(goal, "terugblik-doel-stand")[0]["answer"][0]["valueCoding"]["code"] = "bijstellen"
    with pytest.raises(InvalidInputError) as raised:
        extract(second)
    assert any("terugblik-doel-bijgesteld" in str(i.get("expression")) for i in raised.value.outcome["issue"])


@pytest.mark.parametrize("carried", ["x&_id=1", "794609FCEDF7A40C005471A6FDD0A705", "", "1" * 33])
def test_a_carried_goal_identifier_that_fhir_werk_did_not_make_is_refused(carried: str) -> None:
    second = load(SECOND)
    first_id = items(second, "terugblik-doel-id")[0]
    first_id["answer"] = [{"valueString": carried}] if carried else [{"valueString": " "}]
    with pytest.raises(InvalidInputError) as raised:
        extract(second)
    assert raised.value.status in (400, 422)
    assert "terugblik-doel" in json.dumps(raised.value.outcome)


def test_cli_populate_writes_the_prefill_and_refuses_unclear_use(tmp_path: Path) -> None:
    out = tmp_path / "vervolg.json"
    result = runner.invoke(
        app, ["populate", "--from", str(FIRST), "-o", str(out), "--authored", "2027-02-01"]
    )
    assert result.exit_code == 0, result.output
    written = json.loads(out.read_text("utf-8"))
    assert written["status"] == "in-progress"
    assert "2 eerdere afspraken, 3 eerdere doelen" in result.stderr
    for wrong in (
        ["populate"],
        ["populate", "--base", "http://127.0.0.1:9"],
        ["populate", "--from", str(FIRST), "--base", "x"],
    ):
        bad = runner.invoke(app, wrong)
        assert bad.exit_code == 2, wrong
        assert "Traceback" not in bad.output


@pytest.mark.parametrize(
    "content",
    [
        "{",
        "[]",
        '{"resourceType": "Patient"}',
        '{"resourceType": "QuestionnaireResponse"}',
        '{"resourceType": "Bundle", "entry": 3}',
    ],
)
def test_cli_populate_on_hostile_input_exits_cleanly(tmp_path: Path, content: str) -> None:
    given = tmp_path / "vorige.json"
    given.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["populate", "--from", str(given)])
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output
    assert json.loads(result.stdout)["resourceType"] == "OperationOutcome"


def test_a_query_the_bundle_record_cannot_run_is_refused_not_ignored() -> None:
    record = BundleRecord([extract(load(FIRST))])
    assert len(record.search("Goal?patient=voorbeeld-sanne")["entry"]) == 3
    assert record.search("Goal?patient=iemand-anders")["entry"] == []
    with pytest.raises(InvalidInputError):
        record.search("Goal?target-date=2027")


def test_the_shipped_follow_up_is_populate_plus_the_answers() -> None:
    second = load(SECOND)
    filled = populate_from(load(FIRST), authored=second["authored"])
    reviewed = copy.deepcopy(items(second, "terugblik-afspraak-wat"))
    assert reviewed == items(filled, "terugblik-afspraak-wat")
    assert items(second, "terugblik-doel-id") == items(filled, "terugblik-doel-id")
