"""The shipped follow-up conversations: ``fhir-werk populate`` on an earlier example, then the
answers of ``questionnaires/bron/vervolggesprekken.yaml``; written to
``questionnaires/voorbeelden/vervolg/`` by ``fhir-werk generate`` (and checked by ``--check``)."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from fhir_werk.authoring import answer_for, build_response, differences, write_into
from fhir_werk.followup._followup import followup_questionnaire, populate_from
from fhir_werk.shared import Resource


def _folders() -> tuple[Path, Path, Path]:
    root = Path(str(files("fhir_werk.questionnaires")))
    return root / "bron", root / "voorbeelden", root / "voorbeelden" / "vervolg"


def _option(form: Resource, link_id: str, code: str) -> Resource:
    def find(items: list[Resource]) -> Resource | None:
        for item in items:
            if item.get("linkId") == link_id:
                found: Resource = item
                return found
            nested = find(item.get("item", []))
            if nested is not None:
                return nested
        return None

    item = find(form["item"])
    if item is None:
        raise ValueError(f"{link_id}: {code!r} is geen antwoordoptie")
    return answer_for(item, code)


def _answered(group: Resource, prefix: str, text_id: str, review: Mapping[str, Any], form: Resource) -> None:
    """Fill the stand and the explanation of one review repetition, found by its text; they
    come last in the group, as in the Questionnaire."""
    text = next(i["answer"][0]["valueString"] for i in group["item"] if i["linkId"] == text_id)
    answer = review.get(text, {})
    given: dict[str, Resource] = {}
    if "stand" in answer:
        given[f"{prefix}-stand"] = _option(form, f"{prefix}-stand", answer["stand"])
    if "toelichting" in answer:
        given[f"{prefix}-toelichting"] = {"valueString": answer["toelichting"]}
    # What the people say now replaces the pre-filled stand of the last conversation.
    group["item"] = [i for i in group["item"] if i["linkId"] not in given]
    group["item"] += [{"linkId": k, "answer": [v]} for k, v in given.items()]
    order = {f"{prefix}-stand": 1, f"{prefix}-toelichting": 2}
    group["item"].sort(key=lambda i: order.get(i["linkId"], 0))


_REVIEWED = {
    "terugblik-afspraak": ("terugblik-afspraak-wat", "afspraken"),
    "terugblik-doel": ("terugblik-doel-tekst", "doelen"),
}


def answered(
    prefilled: Resource, conversation: Mapping[str, Any], *, response_id: str | None = None
) -> Resource:
    """The follow-up as the people in it complete it: the pre-filled review with how each earlier
    agreement and goal went (``afspraken`` / ``doelen``: by their text, ``stand`` and
    ``toelichting``) and this conversation's ``answers`` (by linkId, as in voorbeelden.yaml)."""
    form = followup_questionnaire()
    response = build_response(
        form,
        conversation["answers"],
        subject=prefilled["subject"]["reference"],
        authored=prefilled["authored"],
        author="Practitioner/voorbeeld-behandelaar",
        response_id=response_id,
    )
    review = copy.deepcopy(
        [i for i in prefilled.get("item", []) if i["linkId"] in ("terugblik-gesprek", "terugblik")]
    )
    for item in review:
        for group in item.get("item", []):
            if group["linkId"] in _REVIEWED:
                text_id, key = _REVIEWED[group["linkId"]]
                _answered(group, group["linkId"], text_id, conversation.get(key, {}), form)
    response["item"] = review + response["item"]
    return response


def conversations() -> list[dict[str, Any]]:
    """The follow-up conversations of ``vervolggesprekken.yaml``."""
    source, *_ = _folders()
    found: list[dict[str, Any]] = yaml.safe_load(
        (source / "vervolggesprekken.yaml").read_text(encoding="utf-8")
    )
    return found


def build_followups() -> dict[str, Resource]:
    """The follow-up example responses by file name."""
    _, earlier_dir, _ = _folders()
    built: dict[str, Resource] = {}
    for person in conversations():
        earlier = json.loads(
            (earlier_dir / f"QuestionnaireResponse-{person['vervolg_op']}.json").read_text(encoding="utf-8")
        )
        prefilled = populate_from(earlier, authored=person["authored"])
        built[f"QuestionnaireResponse-{person['id']}.json"] = answered(
            prefilled, person, response_id=person["id"]
        )
    return built


def write_followups() -> list[str]:
    """Write the follow-up examples (removing stale ones); the names written."""
    *_, folder = _folders()
    folder.mkdir(parents=True, exist_ok=True)
    return write_into(folder, build_followups())


def check_followups() -> list[str]:
    """The follow-up example files that differ from what the sources give."""
    *_, folder = _folders()
    return [f"vervolg/{problem}" for problem in differences(folder, build_followups())]
