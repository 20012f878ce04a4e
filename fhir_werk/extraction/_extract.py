"""``$extract``: a valid QuestionnaireResponse becomes a FHIR transaction Bundle holding the
CarePlan section *Werk* with its Goals, Observations, referral, Consent and Provenance.

SDC 4.0.0 Data Extraction (https://hl7.org/fhir/uv/sdc/STU4/extraction.html) and the ``$extract``
operation (https://hl7.org/fhir/uv/sdc/STU4/OperationDefinition-QuestionnaireResponse-extract.html).
The mapping itself lives in the Questionnaires (template-based extraction for the CarePlan,
Goals, referral, work situation and Consent; observation-based extraction for the 0–10 scores);
this module runs it and then does what SDC leaves to the extracting system (see
:mod:`fhir_werk.extraction._identity`): stable identifiers, conditional create, ``urn:uuid``
references, the links between the resources, and the Provenance.

Pure: takes resources, returns a resource, writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace

from fhir_werk.extraction._form import Form, compiled_form
from fhir_werk.extraction._identity import Extracted, build_bundle
from fhir_werk.extraction._reintegratie import QUESTIONNAIRE_URL, reintegratie_bundle
from fhir_werk.extraction._score_goals import new_scores, with_score_achievement
from fhir_werk.extraction._status import ENTERED_IN_ERROR, check_extractable, retracted
from fhir_werk.extraction.sdc import template_resources
from fhir_werk.extraction.sdc._json import json_copy
from fhir_werk.narrative import narrated_bundle
from fhir_werk.publishing import Artifacts, assemble, needs_assembly, published
from fhir_werk.shared import (
    InvalidInputError,
    Resource,
    has_errors,
)
from fhir_werk.validation import resolve_questionnaire, validate_response

__all__ = ["extract", "usable_questionnaire"]


def usable_questionnaire(questionnaire: Resource, artifacts: Artifacts | None = None) -> Resource:
    """The Questionnaire as responses are filled in: a modular root is assembled first."""
    if not needs_assembly(questionnaire):
        return questionnaire
    return assemble(questionnaire, (artifacts or published()).get)


REVIEW_GOAL_TEMPLATE = "tpl-terugblik-doel"
"""The template of an earlier goal in the follow-up: its achievement may come from a score."""

Rank = tuple[tuple[int, int], ...]
"""Where a slot stands in the Questionnaire: (position of the linkId, repetition) per level."""


def _walk(
    items: list[Resource], path: str, rank: Rank, positions: dict[str, int]
) -> Iterator[tuple[Resource, str, Rank]]:
    """Every response item with its slot: the linkId path, each step numbered among the siblings
    with the same linkId (``#2`` from the second on), so order among other items does not count."""
    seen: dict[str, int] = {}
    for item in items:
        link_id = str(item.get("linkId", ""))
        seen[link_id] = number = seen.get(link_id, 0) + 1
        here = _step(path, link_id, number)
        here_rank = (*rank, (positions.get(link_id, len(positions)), number))
        yield item, here, here_rank
        yield from _walk(item.get("item", []), here, here_rank, positions)
        for a_number, answer in enumerate(item.get("answer", []), 1):
            at = _step(here, "answer", a_number)
            yield from _walk(answer.get("item", []), at, (*here_rank, (-1, a_number)), positions)


def _step(path: str, name: str, number: int) -> str:
    step = name if number == 1 else f"{name}#{number}"
    return f"{path}/{step}" if path else step


def _answered(item: Resource) -> bool:
    # An answer given only as a primitive extension (``_valueString`` with a data-absent-reason)
    # has no value: nothing to extract from.
    if any(k.startswith("value") for a in item.get("answer", []) for k in a):
        return True
    return any(_answered(child) for child in item.get("item", []))


def _as_form(questionnaire: Form | Resource) -> Form:
    return questionnaire if isinstance(questionnaire, Form) else compiled_form(questionnaire)


Walked = list[tuple[Resource, str, Rank]]


def _walked(response: Resource, form: Form) -> Walked:
    return list(_walk(response.get("item", []), "", (), form.positions))


def _template_resources(
    response: Resource, questionnaire: Form | Resource, *, fast: bool = True, walked: Walked | None = None
) -> list[Extracted]:
    """The generic engine's template resources, each given its Werk slot: the template and the
    linkId path of its item; an item without any answer beneath it gives nothing."""
    form = _as_form(questionnaire)
    made, _ = template_resources(response, form.questionnaire, fast=fast)
    walked = walked if walked is not None else _walked(response, form)
    slots = {id(item): (item, path, rank) for item, path, rank in walked}
    scores: dict[str, int] | None = None
    found: list[Extracted] = []
    for each in made:
        if each.item is None:
            found.append(Extracted(each.resource, f"{each.template}@root"))
            continue
        item, path, rank = slots[id(each.item)]
        if not _answered(item):
            continue
        resource = each.resource
        if each.template == REVIEW_GOAL_TEMPLATE:
            if scores is None:
                scores = new_scores(
                    (i, form.flagged[i["linkId"]]) for i, _, _ in walked if i.get("linkId") in form.flagged
                )
            resource = with_score_achievement(resource, item, scores)
        found.append(Extracted(resource, f"{each.template}@{path}", rank))
    return found


def _observation_resources(
    response: Resource, questionnaire: Form | Resource, walked: Walked | None = None
) -> list[Extracted]:
    """SDC observation-based extraction: one Observation per answer of a flagged item."""
    form = _as_form(questionnaire)
    found: list[Extracted] = []
    for item, path, rank in walked if walked is not None else _walked(response, form):
        definition = form.flagged.get(item.get("linkId", ""))
        if definition is None:
            continue
        for number, answer in enumerate(item.get("answer", []), 1):
            value_key = next((k for k in answer if k.startswith("value")), None)
            if value_key is None:
                continue
            observation: Resource = {"resourceType": "Observation", "status": "final"}
            # Copies throughout: a resource shares no object with the response or the Questionnaire.
            if form.category:
                observation["category"] = json_copy(form.category)
            observation["code"] = {
                "coding": json_copy(definition.get("code", [])),
                "text": definition.get("text", ""),
            }
            observation["subject"] = json_copy(response["subject"])
            _copy(response, "authored", observation, "effectiveDateTime")
            # Who reported the score: the author of the response, else the patient.
            observation["performer"] = [json_copy(response.get("author") or response["subject"])]
            _copy(answer, value_key, observation, value_key)
            slot = f"observation@{path}" if number == 1 else f"observation@{_step(path, 'answer', number)}"
            found.append(Extracted(observation, slot, (*rank, (-1, number))))
    return found


def _copy(source: Resource, key: str, target: Resource, name: str) -> None:
    """A primitive copied with its ``_key`` sibling (id and extensions), as FHIR JSON keeps them."""
    target[name] = json_copy(source[key])
    if f"_{key}" in source:
        target[f"_{name}"] = json_copy(source[f"_{key}"])


def extract(
    response: Resource,
    questionnaire: Resource | None = None,
    *,
    artifacts: Artifacts | None = None,
    earlier_tasks: Sequence[Resource] = (),
) -> Resource:
    """Turn a response into a transaction Bundle; the same response always gives the same bundle.

    ``questionnaire`` defaults to the published one the response names. An invalid response raises
    :class:`InvalidInputError` carrying the validation OperationOutcome; nothing is extracted.
    So does a draft (``in-progress``) or ``stopped`` response. An ``entered-in-error`` response
    gives the retraction: the same entries, marked entered-in-error (see ``_status``).

    A response to the companion Questionnaire ``re-integratie`` gives the legal clock as Tasks and
    a CarePlan (see ``_reintegratie``); ``earlier_tasks``, the EPD's Tasks of an earlier
    computation, keep a milestone done.
    """
    return extract_with(response, questionnaire, artifacts=artifacts, earlier_tasks=earlier_tasks)


def extract_with(
    response: Resource,
    questionnaire: Resource | None = None,
    *,
    artifacts: Artifacts | None = None,
    fast: bool = True,
    earlier_tasks: Sequence[Resource] = (),
) -> Resource:
    """:func:`extract`; ``fast=False`` evaluates every template expression with fhirpathpy (the
    reference the differential test compares the compiled subset with)."""
    check_extractable(response)
    artifacts = artifacts or published()
    chosen = questionnaire if questionnaire is not None else resolve_questionnaire(response, artifacts)
    form = usable_questionnaire(chosen, artifacts)
    result = validate_response(response, form, artifacts=artifacts)
    if has_errors(result):
        raise InvalidInputError(result, status=422)
    if str(form.get("url")) == QUESTIONNAIRE_URL:
        return reintegratie_bundle(response, earlier_tasks)
    compiled = compiled_form(form)
    walked = _walked(response, compiled)
    extracted = _observation_resources(response, compiled, walked) + _template_resources(
        response, compiled, fast=fast, walked=walked
    )
    if response.get("status") == ENTERED_IN_ERROR:
        extracted = [replace(e, resource=retracted(e.resource)) for e in extracted]
    return narrated_bundle(build_bundle(response, extracted))
