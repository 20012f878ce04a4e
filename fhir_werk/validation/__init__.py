"""Stage 2: validation of a QuestionnaireResponse against its Questionnaire.

In: a QuestionnaireResponse (parsed JSON) and the published artifacts. Out: an OperationOutcome
whose issues name the offending item by its linkId path; nothing else is read or written.
"""

from fhir_werk.validation._validate import resolve_questionnaire, validate_response

__all__ = ["resolve_questionnaire", "validate_response"]
