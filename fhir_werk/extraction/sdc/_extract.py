"""The engine's one entry point."""

from __future__ import annotations

from fhir_werk.extraction.sdc._engine import Run
from fhir_werk.extraction.sdc._modified import modifications_only
from fhir_werk.extraction.sdc._unsupported import unsupported
from fhir_werk.shared import InvalidInputError, Resource, issue, outcome


def _check(resource: object, kind: str, name: str) -> Resource:
    if not isinstance(resource, dict) or resource.get("resourceType") != kind:
        raise InvalidInputError(
            outcome(
                [
                    issue(
                        "error",
                        "structure",
                        f"{name} is geen {kind}.",
                        f"{name} is not a {kind}.",
                        name,
                    )
                ]
            ),
            status=422,
        )
    return resource


def extract(
    response: Resource, questionnaire: Resource, *, comparison_source: Resource | None = None
) -> tuple[Resource, Resource]:
    """The transaction Bundle the response gives by the Questionnaire's mapping, and an
    OperationOutcome with what was not supported or went wrong (one 'all ok' issue when nothing).

    With ``comparison_source`` (an earlier response to the same Questionnaire), only what
    changed since: an entry whose resource came out the same is left out; a FHIRPatch keeps only
    the operations that changed. A response or Questionnaire that is not one raises
    :class:`~fhir_werk.shared.InvalidInputError`. The same input gives the same bundle.
    """
    _check(response, "QuestionnaireResponse", "questionnaire-response")
    _check(questionnaire, "Questionnaire", "questionnaire")
    run = Run(response, questionnaire)
    bundle = run.bundle()
    issues = unsupported(questionnaire) + run.issues
    if comparison_source is not None:
        _check(comparison_source, "QuestionnaireResponse", "comparison-source-response")
        earlier = Run(comparison_source, questionnaire)
        bundle = modifications_only(bundle, earlier.bundle())
    return bundle, outcome(issues)
