"""The engine's one entry point."""

from __future__ import annotations

from fhir_werk.extraction.sdc._engine import Made, Run
from fhir_werk.extraction.sdc._modified import modifications_only
from fhir_werk.extraction.sdc._shape import shape_issues
from fhir_werk.extraction.sdc._unsupported import orphans, unsupported
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
    if comparison_source is not None:
        _check(comparison_source, "QuestionnaireResponse", "comparison-source-response")
    wrong = shape_issues(response, questionnaire)
    if comparison_source is not None:
        wrong += shape_issues(comparison_source, {"resourceType": "Questionnaire"})
    if wrong:
        raise InvalidInputError(outcome(wrong), status=422)
    run = Run(response, questionnaire)
    bundle = _guarded(run)
    issues = unsupported(questionnaire) + orphans(questionnaire) + run.issues
    if comparison_source is not None:
        bundle = modifications_only(bundle, _guarded(Run(comparison_source, questionnaire)))
    return bundle, outcome(issues)


def _guarded(run: Run) -> Resource:
    """The run's bundle; a template whose JSON is not FHIR JSON (an extension that is no list ...)
    is an OperationOutcome, not a traceback."""
    try:
        return run.bundle()
    except (TypeError, AttributeError, KeyError, ValueError, RecursionError) as error:
        raise InvalidInputError(
            outcome(
                [
                    issue(
                        "error",
                        "structure",
                        "Een sjabloon of variabele in Questionnaire heeft niet de FHIR-JSON-vorm "
                        f"({type(error).__name__}); er is niets geëxtraheerd.",
                        "A template or variable in the Questionnaire does not have the FHIR JSON "
                        f"shape ({type(error).__name__}); nothing was extracted.",
                        "Questionnaire.contained",
                    )
                ]
            ),
            status=422,
        ) from error


def template_resources(
    response: Resource, questionnaire: Resource, *, fast: bool = True
) -> tuple[list[Made], list[Resource]]:
    """What the templateExtracts give, each resource with its template and response item, and the
    issues (OperationOutcome issues) of the run: for a layer that makes its own entries (identity,
    links, Provenance: the Werk layer). No observation- or definition-based extraction, no checks
    of the input (the caller validated it). ``fast=False`` evaluates everything with fhirpathpy
    (the reference the compiled fast path is tested against).
    """
    run = Run(response, questionnaire, fast=fast, templates_only=True)
    run.bundle()
    return run.made, run.issues
