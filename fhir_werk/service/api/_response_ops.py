"""QuestionnaireResponse ``$validate`` and SDC ``$extract``: answered, nothing stored.

- ``$validate`` (https://hl7.org/fhir/R4/resource-operation-validate.html): 200 with the
  OperationOutcome of :func:`fhir_werk.validation.validate_response`, errors included (the
  validation ran; the request was fine).
- ``$extract`` (https://hl7.org/fhir/uv/sdc/STU4/OperationDefinition-QuestionnaireResponse-extract.html):
  the transaction Bundle of :func:`fhir_werk.extraction.extract`; 422 with the outcome when the
  response is invalid or a draft.

The body is the response itself or Parameters holding it as ``resource`` (``$validate``) or
``questionnaire-response`` (``$extract``).

``$extract`` in SDC 4.0's Parameters form takes any Questionnaire: with a ``questionnaire`` other
than the leidraad's, or a ``comparison-source-response`` (CSIRO's name; modifications only), the
general engine (:mod:`fhir_werk.extraction.sdc`) extracts it and the answer is Parameters with
``return`` (the Bundle) and ``issues`` (what it did not support or what failed), as the
operation defines its outputs.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.extraction import extract
from fhir_werk.extraction.sdc import extract as sdc_extract
from fhir_werk.publishing import assemble, needs_assembly
from fhir_werk.service.api._service import BodyDep, Service, ServiceDep
from fhir_werk.service.core._http import fhir_response, parse_resource
from fhir_werk.service.core._references import reference_of
from fhir_werk.service.core._routes import Route
from fhir_werk.service.storage import _plan_store
from fhir_werk.shared import (
    BASE,
    InvalidInputError,
    NotFoundError,
    Resource,
    UnreadableInputError,
    bad_request,
    has_errors,
)
from fhir_werk.validation import resolve_questionnaire, validate_response

VALIDATE: Final = "http://hl7.org/fhir/OperationDefinition/Resource-validate"
EXTRACT: Final = "http://hl7.org/fhir/uv/sdc/OperationDefinition/QuestionnaireResponse-extract"
REINTEGRATIE: Final = f"{BASE}/Questionnaire/re-integratie"
EXTRACTED_STATUSES: Final = frozenset({"completed", "amended", "entered-in-error"})
"""Statuses whose responses are extracted and delivered; a draft or stopped one is only stored."""


def _parameter(given: Resource, name: str, kind: str) -> Resource | None:
    """The resource of kind ``kind`` that Parameters ``given`` holds as ``name``, if any."""
    for part in given.get("parameter", []) if isinstance(given.get("parameter"), list) else []:
        if isinstance(part, dict) and part.get("name") == name:
            resource = part.get("resource")
            if isinstance(resource, dict) and resource.get("resourceType") == kind:
                return resource
    return None


def response_of(body: bytes, service: Service, parameter: str) -> Resource:
    """The QuestionnaireResponse in ``body``: itself, or inside Parameters as ``parameter``."""
    return _response_in(_parsed(body, service), parameter)


def _parsed(body: bytes, service: Service) -> Resource:
    return parse_resource(body, ("QuestionnaireResponse", "Parameters"), service.settings.max_body_bytes)


def _response_in(given: Resource, parameter: str) -> Resource:
    if given["resourceType"] == "QuestionnaireResponse":
        return given
    found = _parameter(given, parameter, "QuestionnaireResponse")
    if found is not None:
        return found
    raise UnreadableInputError(
        bad_request(
            f"Parameters mist de parameter '{parameter}' met een QuestionnaireResponse.",
            f"Parameters lacks the parameter '{parameter}' holding a QuestionnaireResponse.",
            f"Parameters.parameter.where(name='{parameter}')",
        ),
        400,
    )


def _questionnaire(service: Service, response: Resource) -> Resource:
    questionnaire = resolve_questionnaire(response, service.artifacts)
    if needs_assembly(questionnaire):
        return assemble(questionnaire, service.artifacts.get)
    return questionnaire


def validation_outcome(service: Service, response: Resource) -> Resource:
    """The validation OperationOutcome of ``response``; an unknown Questionnaire is one of its
    errors."""
    try:
        questionnaire = _questionnaire(service, response)
    except (NotFoundError, InvalidInputError) as exc:
        return exc.outcome
    return validate_response(response, questionnaire, artifacts=service.artifacts)


def accepted(service: Service, response: Resource) -> Resource | None:
    """What a write stores next to ``response``: the extracted Bundle, or None for a draft or
    stopped response (stored, not delivered). 422 with the outcome when it is invalid."""
    if response.get("status") not in EXTRACTED_STATUSES:
        result = validation_outcome(service, response)
        if has_errors(result):
            raise InvalidInputError(result, 422)
        return None
    try:
        return extract(response, artifacts=service.artifacts, earlier_tasks=_earlier_tasks(service, response))
    except (NotFoundError, InvalidInputError) as exc:
        raise InvalidInputError(exc.outcome, 422) from exc


def _earlier_tasks(service: Service, response: Resource) -> list[Resource]:
    """The patient's stored milestone Tasks, for a ``re-integratie`` response: one the service
    holds as ``completed`` stays done when the answers are corrected (as ``fhir-werk extract
    --taken`` does with the EPD's Tasks). None for any other response (no query)."""
    canonical = str(response.get("questionnaire", "")).split("|")[0]
    patient = reference_of(response.get("subject"))
    if canonical != REINTEGRATIE or patient is None:
        return []
    return _plan_store.all_of(service.engine, "Task", ["/".join(patient)])


def validate(request: Request, service: ServiceDep, body: BodyDep) -> Response:
    """``POST /QuestionnaireResponse/$validate``."""
    return fhir_response(request, validation_outcome(service, response_of(body, service, "resource")))


def extract_operation(request: Request, service: ServiceDep, body: BodyDep) -> Response:
    """``POST /QuestionnaireResponse/$extract``."""
    given = _parsed(body, service)
    response = _response_in(given, "questionnaire-response")
    questionnaire = _parameter(given, "questionnaire", "Questionnaire")
    earlier = _parameter(given, "comparison-source-response", "QuestionnaireResponse")
    werk = questionnaire is None or str(questionnaire.get("url", "")).startswith(f"{BASE}/")
    try:
        if werk and earlier is None:
            return fhir_response(request, extract(response, questionnaire, artifacts=service.artifacts))
        chosen = questionnaire if questionnaire is not None else _questionnaire(service, response)
        bundle, issues = sdc_extract(response, chosen, comparison_source=earlier)
    except (NotFoundError, InvalidInputError) as exc:
        raise InvalidInputError(exc.outcome, 422) from exc
    output = {
        "resourceType": "Parameters",
        "parameter": [{"name": "return", "resource": bundle}, {"name": "issues", "resource": issues}],
    }
    return fhir_response(request, output)


ROUTES: Final = (
    Route(
        "POST",
        "/QuestionnaireResponse/$validate",
        validate,
        "Valideren (niets opgeslagen)",
        "QuestionnaireResponse",
        operation="validate",
        definition=VALIDATE,
        body=True,
    ),
    Route(
        "POST",
        "/QuestionnaireResponse/$extract",
        extract_operation,
        "SDC $extract (niets opgeslagen)",
        "QuestionnaireResponse",
        operation="extract",
        definition=EXTRACT,
        body=True,
    ),
)
