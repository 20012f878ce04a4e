"""fhir-werk: work in the mental-health treatment plan, as FHIR R4.

The stages are plain functions over FHIR resources (parsed JSON), each in a subpackage of its
own (see ``docs/architecture.md``): questionnaires (:mod:`fhir_werk.publishing`:
:func:`published`, :func:`assemble`) → :mod:`fhir_werk.validation` (:func:`validate_response`)
→ :mod:`fhir_werk.extraction` (:func:`extract`) → :mod:`fhir_werk.delivery`
(:func:`get_adapter`, :func:`run_push`) → adapters (``fhir_werk.adapters``).
"""

import importlib as _importlib
import typing as _typing

if _typing.TYPE_CHECKING:
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
    from fhir_werk.shared import (
        ConsentRefusedError,
        FhirWerkError,
        InvalidInputError,
        NotFoundError,
        RemoteError,
    )
    from fhir_werk.validation import resolve_questionnaire, validate_response

# Each name is imported from its stage on first use (PEP 562), so a command imports only the
# stages it needs: ``fhir-werk extract`` never loads the HTTP client (httpx, joserfc: ~0.2 s).
_HOME: dict[str, str] = {
    "FhirClient": "client",
    "make_http_client": "client",
    "EpdAdapter": "delivery",
    "PushContext": "delivery",
    "PushResult": "delivery",
    "check_consent": "delivery",
    "get_adapter": "delivery",
    "permitted_bundle": "delivery",
    "run_push": "delivery",
    "extract": "extraction",
    "Artifacts": "publishing",
    "assemble": "publishing",
    "build_package": "publishing",
    "published": "publishing",
    "ConsentRefusedError": "shared",
    "FhirWerkError": "shared",
    "InvalidInputError": "shared",
    "NotFoundError": "shared",
    "RemoteError": "shared",
    "resolve_questionnaire": "validation",
    "validate_response": "validation",
}

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


def __getattr__(name: str) -> _typing.Any:
    stage = _HOME.get(name)
    if stage is None:
        raise AttributeError(f"module 'fhir_werk' has no attribute {name!r}")
    value = getattr(_importlib.import_module(f"fhir_werk.{stage}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
