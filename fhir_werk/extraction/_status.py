"""Which responses are extracted, and what their status does to what comes out.

R4 QuestionnaireResponse.status (https://hl7.org/fhir/R4/valueset-questionnaire-answers-status.html):

- ``completed``, ``amended``: extracted; the Provenance activity is CREATE resp. UPDATE
  (http://terminology.hl7.org/CodeSystem/v3-DataOperation).
- ``in-progress`` (a draft) and ``stopped`` (abandoned): not extracted. What the patient has not
  finished is not a treatment plan; :func:`check_extractable` refuses it with one issue.
- ``entered-in-error``: a *retraction*: the same entries with the same identities, every
  resource marked ``entered-in-error`` where it has such a status (:func:`retracted`), and the
  Provenance activity NULLIFY. Delivered, it retires what the response had put in the EPD.
"""

from __future__ import annotations

from typing import Final

from fhir_werk.shared import InvalidInputError, Resource, issue, outcome

DATA_OPERATION: Final = "http://terminology.hl7.org/CodeSystem/v3-DataOperation"
ENTERED_IN_ERROR: Final = "entered-in-error"

_ACTIVITY: Final = {"completed": "CREATE", "amended": "UPDATE", ENTERED_IN_ERROR: "NULLIFY"}
_STATUS_ELEMENT: Final = {
    "Goal": "lifecycleStatus",
    "CarePlan": "status",
    "Observation": "status",
    "ServiceRequest": "status",
    "Consent": "status",
}
"""The status element (with entered-in-error among its codes) of each extracted resource type."""

_REFUSED: Final = {
    "in-progress": (
        "Dit antwoord is een concept (status 'in-progress'): een concept wordt niet geëxtraheerd "
        "naar het behandelplan. Rond de vragenlijst af (status 'completed') en extraheer dan.",
        "This response is a draft (status 'in-progress'): a draft is not extracted into the "
        "treatment plan. Complete the questionnaire (status 'completed'), then extract.",
    ),
    "stopped": (
        "Dit antwoord is afgebroken (status 'stopped'): een afgebroken vragenlijst wordt niet "
        "geëxtraheerd naar het behandelplan.",
        "This response was stopped (status 'stopped'): an abandoned questionnaire is not "
        "extracted into the treatment plan.",
    ),
}


def check_extractable(response: Resource) -> None:
    """Raise :class:`InvalidInputError` (business-rule) for a draft or stopped response."""
    refused = _REFUSED.get(str(response.get("status")))
    if refused is not None:
        nl, en = refused
        raise InvalidInputError(
            outcome([issue("error", "business-rule", nl, en, "QuestionnaireResponse.status")])
        )


def provenance_activity(response: Resource) -> str:
    """The v3-DataOperation code of the Provenance for this response's status."""
    return _ACTIVITY.get(str(response.get("status")), "CREATE")


def retracted(resource: Resource) -> Resource:
    """``resource`` marked entered-in-error (a new dict); a type not known here only if it has
    a ``status`` already."""
    element = _STATUS_ELEMENT.get(str(resource.get("resourceType")))
    if element is None:
        if "status" not in resource:
            return resource
        element = "status"
    return resource | {element: ENTERED_IN_ERROR}
