"""fhir-werk: work in the mental-health treatment plan, as FHIR R4.

The stages are plain functions over FHIR resources (parsed JSON):
questionnaires (:func:`published`, :func:`assemble`) → :func:`validate_response` →
:func:`extract` → adapters (:func:`get_adapter`, :func:`run_push`).
"""

from fhir_werk._artifacts import Artifacts, published
from fhir_werk._assemble import assemble
from fhir_werk._consent import check_consent, permitted_bundle
from fhir_werk._extract import extract
from fhir_werk._fhir_client import FhirClient, make_http_client
from fhir_werk._outcomes import (
    ConsentRefusedError,
    FhirWerkError,
    InvalidInputError,
    NotFoundError,
    RemoteError,
)
from fhir_werk._package import build_package
from fhir_werk._push import EpdAdapter, PushContext, PushResult, get_adapter, run_push
from fhir_werk._validate import resolve_questionnaire, validate_response

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
