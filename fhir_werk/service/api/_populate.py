"""SDC ``$populate`` (https://hl7.org/fhir/uv/sdc/STU4/OperationDefinition-Questionnaire-populate.html):
the follow-up conversation pre-filled from what the service holds for the patient.

``POST /Questionnaire/{id}/$populate`` with exactly one Parameters ``subject`` (a Reference
``Patient/ID``, read by :func:`~fhir_werk.service.core._references.populate_subject` as the policy reads it);
the answer is Parameters ``response``: a new ``in-progress`` QuestionnaireResponse filled by the
Questionnaire's own rules (:func:`fhir_werk.followup.populate`). The record the rules query is
the patient's completed and amended responses in this service, each extracted again, oldest
first (so the latest conversation's plan and goals win): the service's own copy of the Werk
section, the same one it delivers. Nothing is stored.
"""

from __future__ import annotations

from typing import Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.extraction import extract
from fhir_werk.followup import BundleRecord, now, populate
from fhir_werk.service.api._questionnaire import assembled_questionnaire
from fhir_werk.service.api._service import BodyDep, Service, ServiceDep
from fhir_werk.service.core._http import fhir_response, parse_resource
from fhir_werk.service.core._references import populate_subject
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._search import Criteria
from fhir_werk.shared import FhirWerkError, Resource

POPULATE: Final = "http://hl7.org/fhir/uv/sdc/OperationDefinition/Questionnaire-populate"
_RECORDED: Final = ("completed", "amended")
_MAX_CONVERSATIONS: Final = 500


def _earlier_bundles(service: Service, patient: str) -> list[Resource]:
    criteria = Criteria(subjects=(f"Patient/{patient}",), statuses=_RECORDED)
    _, stored = service.store.search(criteria, _MAX_CONVERSATIONS, 0)
    bundles = []
    for each in reversed(stored):  # oldest first: a later conversation's copy wins
        try:
            bundles.append(extract(each.resource, artifacts=service.artifacts))
        except FhirWerkError:
            continue  # stored under an earlier Questionnaire version that no longer validates
    return bundles


def populate_operation(id: str, request: Request, service: ServiceDep, body: BodyDep) -> Response:
    """``POST /Questionnaire/{id}/$populate``."""
    parameters = parse_resource(body, "Parameters", service.settings.max_body_bytes)
    patient = populate_subject(parameters)
    questionnaire = assembled_questionnaire(service, id)
    record = BundleRecord(_earlier_bundles(service, patient))
    response = populate(questionnaire, record, patient=patient, authored=now())
    result = {"resourceType": "Parameters", "parameter": [{"name": "response", "resource": response}]}
    return fhir_response(request, result)


ROUTES: Final = (
    Route(
        "POST",
        "/Questionnaire/{id}/$populate",
        populate_operation,
        "SDC $populate: het vervolggesprek vooraf ingevuld (niets opgeslagen)",
        "Questionnaire",
        operation="populate",
        definition=POPULATE,
        body=True,
    ),
)
