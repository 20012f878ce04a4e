"""A small synchronous FHIR R4 REST client over an injected ``httpx.Client``.

Build the ``httpx.Client`` with :func:`make_http_client` (base URL, timeout, auth, logging
hooks) and hand it to :class:`FhirClient`; the client never opens sessions of its own, so
tests inject a mock transport and the CLI and service share one connection pool.

Every failure leaves this module as a :class:`~fhir_werk.shared._outcomes.RemoteError` (translated in
:mod:`fhir_werk.client._errors`); safe requests are retried per :mod:`fhir_werk.client._retry`.
Spec: https://hl7.org/fhir/R4/http.html
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import httpx

from fhir_werk.client._errors import HTTPX_ERRORS, error_from_exception, error_not_fhir, raise_for_status
from fhir_werk.client._retry import RetryPolicy, bundle_is_replayable
from fhir_werk.shared import Resource

FHIR_JSON: Final = "application/fhir+json"
_JSON_HEADERS: Final = {"Content-Type": f"{FHIR_JSON}; charset=utf-8"}
_VALIDATE_OUTCOME_STATUSES: Final = frozenset({200, 400, 412, 422})
_SAFE_SEGMENT: Final = re.compile(r"^(?:[A-Z][A-Za-z]+|\$[a-z-]+|_history|_search|metadata)$")

logger = logging.getLogger("fhir_werk.http")


def _safe_path(url: httpx.URL) -> str:
    """The URL's host and path with ids masked: logs name resource types, never patients."""
    parts = [seg if _SAFE_SEGMENT.match(seg) else "*" for seg in url.path.split("/") if seg]
    return f"{url.host}/{'/'.join(parts)}"


def _log_request(request: httpx.Request) -> None:
    logger.debug("-> %s %s", request.method, _safe_path(request.url))


def _log_response(response: httpx.Response) -> None:
    request = response.request
    logger.info("<- %s %s %s", request.method, _safe_path(request.url), response.status_code)


def make_http_client(
    base_url: str,
    *,
    timeout: float = 30.0,
    auth: httpx.Auth | None = None,
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """The one factory for HTTP clients talking to a FHIR server.

    Sets the base URL, a timeout on every phase of every call, FHIR JSON content negotiation,
    the auth (see :func:`fhir_werk.client._auth_options.build_auth`) and logging hooks that record
    method, host, resource type and status, but no bodies, ids or search parameters.
    """
    return httpx.Client(
        base_url=base_url.rstrip("/") + "/",
        timeout=httpx.Timeout(timeout),
        auth=auth,
        transport=transport,
        headers={"Accept": FHIR_JSON},
        event_hooks={"request": [_log_request], "response": [_log_response]},
        follow_redirects=False,
    )


@dataclass(frozen=True)
class FhirResponse:
    """What a single-resource interaction returned."""

    status: int
    resource: Resource | None
    """The body when it is a FHIR resource (absent on 304, 204 or ``Prefer: return=minimal``)."""
    location: str | None = None
    etag: str | None = None
    last_modified: str | None = None


def _body(response: httpx.Response) -> Resource | None:
    if not response.content:
        return None
    try:
        parsed = response.json()
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) and "resourceType" in parsed else None


def _require_resource(response: httpx.Response, expected: str) -> Resource:
    body = _body(response)
    if body is None or body.get("resourceType") != expected:
        raise error_not_fhir(response.status_code, expected)
    return body


def _to_fhir_response(response: httpx.Response) -> FhirResponse:
    return FhirResponse(
        status=response.status_code,
        resource=_body(response),
        location=response.headers.get("Location") or response.headers.get("Content-Location"),
        etag=response.headers.get("ETag"),
        last_modified=response.headers.get("Last-Modified"),
    )


class FhirClient:
    """FHIR R4 interactions on one server: capabilities, transaction, batch, CRUD, search, $validate.

    >>> client = FhirClient(make_http_client("https://epd.example/fhir"))  # doctest: +SKIP
    >>> client.read("Patient", "123").resource["id"]  # doctest: +SKIP
    '123'
    """

    def __init__(self, http: httpx.Client, *, retry: RetryPolicy | None = None, max_pages: int = 100) -> None:
        self._http = http
        self._retry = retry or RetryPolicy()
        self._max_pages = max_pages
        self._capabilities: Resource | None = None

    @property
    def base_url(self) -> str:
        """The server's base URL, without a trailing slash."""
        return str(self._http.base_url).rstrip("/")

    def _send(
        self,
        method: str,
        url: str,
        *,
        replayable: bool,
        body: Resource | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request, retrying what is safe; httpx failures leave as RemoteError."""
        all_headers = {**(_JSON_HEADERS if body is not None else {}), **(headers or {})}
        content = json.dumps(body, ensure_ascii=False).encode() if body is not None else None
        request = self._http.build_request(method, url, params=params, headers=all_headers, content=content)
        try:
            response: httpx.Response = self._retry.retrying(replayable=replayable)(self._http.send, request)
        except HTTPX_ERRORS as exc:
            raise error_from_exception(exc) from exc
        return response

    def _interaction(self, method: str, url: str, *, replayable: bool, **kwargs: Any) -> httpx.Response:
        return raise_for_status(self._send(method, url, replayable=replayable, **kwargs))

    def capabilities(self) -> Resource:
        """The server's CapabilityStatement (``GET [base]/metadata``), fetched once per client."""
        if self._capabilities is None:
            response = self._interaction("GET", "metadata", replayable=True)
            self._capabilities = _require_resource(response, "CapabilityStatement")
        return self._capabilities

    def system_interactions(self) -> frozenset[str]:
        """The system-level interactions the server declares (``transaction``, ``batch`` ...)."""
        return frozenset(
            str(item.get("code"))
            for rest in self.capabilities().get("rest", [])
            if rest.get("mode", "server") == "server"
            for item in rest.get("interaction", [])
        )

    def _bundle_post(self, bundle: Resource, bundle_type: str) -> Resource:
        sent = {**bundle, "type": bundle_type}
        response = self._interaction("POST", self.base_url, replayable=bundle_is_replayable(sent), body=sent)
        return _require_resource(response, "Bundle")

    def transaction(self, bundle: Resource) -> Resource:
        """POST a transaction Bundle; returns the transaction-response Bundle (all or nothing)."""
        return self._bundle_post(bundle, "transaction")

    def batch(self, bundle: Resource) -> Resource:
        """POST a batch Bundle; returns the batch-response (each entry succeeds or fails alone)."""
        return self._bundle_post(bundle, "batch")

    def create(self, resource: Resource, *, if_none_exist: str | None = None) -> FhirResponse:
        """POST a resource; with ``if_none_exist`` (a search query) it is a conditional create."""
        headers = {"If-None-Exist": if_none_exist} if if_none_exist else None
        response = self._interaction(
            "POST", resource["resourceType"], replayable=bool(if_none_exist), body=resource, headers=headers
        )
        return _to_fhir_response(response)

    def read(
        self,
        resource_type: str,
        resource_id: str,
        *,
        if_none_match: str | None = None,
        if_modified_since: str | None = None,
    ) -> FhirResponse:
        """GET a resource; a conditional read answered 304 returns status 304 and no resource."""
        headers = {}
        if if_none_match:
            headers["If-None-Match"] = if_none_match
        if if_modified_since:
            headers["If-Modified-Since"] = if_modified_since
        response = self._interaction(
            "GET", f"{resource_type}/{resource_id}", replayable=True, headers=headers
        )
        return _to_fhir_response(response)

    def vread(self, resource_type: str, resource_id: str, version: str) -> FhirResponse:
        """GET one version of a resource."""
        url = f"{resource_type}/{resource_id}/_history/{version}"
        return _to_fhir_response(self._interaction("GET", url, replayable=True))

    def update(self, resource: Resource, *, if_match: str | None = None) -> FhirResponse:
        """PUT a resource by its id; ``if_match`` (an ETag such as ``W/"3"``) guards lost updates."""
        headers = {"If-Match": if_match} if if_match else None
        url = f"{resource['resourceType']}/{resource['id']}"
        return _to_fhir_response(
            self._interaction("PUT", url, replayable=True, body=resource, headers=headers)
        )

    def delete(self, resource_type: str, resource_id: str) -> FhirResponse:
        """DELETE a resource."""
        return _to_fhir_response(
            self._interaction("DELETE", f"{resource_type}/{resource_id}", replayable=True)
        )

    def search(
        self, resource_type: str, params: Mapping[str, str] | None = None, *, follow_next: bool = False
    ) -> Resource:
        """Search a type; returns the searchset Bundle, with every page's entries when ``follow_next``."""
        response = self._interaction("GET", resource_type, replayable=True, params=params)
        bundle = _require_resource(response, "Bundle")
        pages = 1
        while follow_next and pages < self._max_pages:
            next_url = next(
                (link["url"] for link in bundle.get("link", []) if link.get("relation") == "next"), None
            )
            if next_url is None:
                break
            page = _require_resource(self._interaction("GET", next_url, replayable=True), "Bundle")
            bundle = {
                **bundle,
                "entry": [*bundle.get("entry", []), *page.get("entry", [])],
                "link": page.get("link", []),
            }
            pages += 1
        return bundle

    def validate(self, resource: Resource, profile: str | None = None) -> Resource:
        """POST ``[type]/$validate``; returns the server's OperationOutcome, also when it finds errors."""
        params = {"profile": profile} if profile else None
        response = self._send(
            "POST", f"{resource['resourceType']}/$validate", replayable=True, body=resource, params=params
        )
        body = _body(response) if response.status_code in _VALIDATE_OUTCOME_STATUSES else None
        if body is not None and body.get("resourceType") == "OperationOutcome":
            return body
        raise_for_status(response)
        raise error_not_fhir(response.status_code, "OperationOutcome")
