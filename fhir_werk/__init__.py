"""fhir-werk: work in the mental-health treatment plan, as FHIR R4.

The stages are plain functions over FHIR resources (parsed JSON), each in a subpackage of its
own (see ``docs/architecture.md``): questionnaires (:mod:`fhir_werk.publishing`:
:func:`published`, :func:`assemble`) → :mod:`fhir_werk.validation` (:func:`validate_response`)
→ :mod:`fhir_werk.extraction` (:func:`extract`) → :mod:`fhir_werk.delivery`
(:func:`get_adapter`, :func:`run_push`) → adapters (``fhir_werk.adapters``).
"""

from fhir_werk.client import FhirClient, make_http_client
from fhir_werk.delivery import (
    EpdAdapter,
    PushContext,
    PushResult,
    check_consent,
    get_adapter,
    permitted_bundle,
    run_push,
)
from fhir_werk.extraction import extract
from fhir_werk.publishing import Artifacts, assemble, build_package, published
from fhir_werk.shared import ConsentRefusedError, FhirWerkError, InvalidInputError, NotFoundError, RemoteError
from fhir_werk.validation import resolve_questionnaire, validate_response

__all__ = [
    "Artifacts",
    "ConsentRefusedError",
    "EpdAdapter",
    "FhirClient",
    "FhirWerkError",
    "InvalidInputError",
    "NotFoundError",
    "PushContext",
    "PushResult",
    "RemoteError",
    "assemble",
    "build_package",
    "check_consent",
    "extract",
    "get_adapter",
    "make_http_client",
    "permitted_bundle",
    "published",
    "resolve_questionnaire",
    "run_push",
    "validate_response",
]
