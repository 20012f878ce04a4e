"""Stage 2: validation of a QuestionnaireResponse against its Questionnaire.

In: untrusted bytes (:func:`load_resource`, :func:`parse_json`, within :class:`InputLimits`) or
a QuestionnaireResponse (parsed JSON) and the published artifacts. Out: the parsed resource, or
an OperationOutcome whose issues name the offending item by its linkId path; nothing else is
read or written.
"""

from fhir_werk.validation._reader import InputLimits, load_resource, parse_json
from fhir_werk.validation._validate import resolve_questionnaire, validate_response

__all__ = ["InputLimits", "load_resource", "parse_json", "resolve_questionnaire", "validate_response"]
