"""The FHIR HTTP client that delivery and interop use: interactions, status mapping, retries, auth.

In: an ``httpx.Client`` (injected) and FHIR resources. Out: FHIR resources, or a
:class:`~fhir_werk.shared.RemoteError` subclass for every failure the server or network produced.
"""

from fhir_werk.client._auth_options import AuthOptions, build_auth
from fhir_werk.client._client import FhirClient, FhirResponse, make_http_client
from fhir_werk.client._errors import error_from_status, server_summary
from fhir_werk.client._retry import RetryPolicy

__all__ = [
    "AuthOptions",
    "FhirClient",
    "FhirResponse",
    "RetryPolicy",
    "build_auth",
    "error_from_status",
    "make_http_client",
    "server_summary",
]
