"""The one place where every error becomes an OperationOutcome with the right HTTP status.

Errors come from three sides::

    FhirWerkError (fhir_werk.shared)     the stages and this service: carries .outcome and .status
    starlette HTTPException               routing: unknown path (404), method not allowed (405)
    RequestValidationError (FastAPI)     a query or path parameter of the wrong type (400)
    anything else                        500, the exception's type only (its text may quote
                                         patient data), never a traceback on the wire or in the log

:class:`InternalErrorGuard` is pure ASGI middleware inside Starlette's own error middleware, so an
unexpected exception is answered and logged here and never reaches the server's traceback print.
"""

from __future__ import annotations

import logging
from typing import Any, Final

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fhir_werk.service.core._http import dumps, fhir_response
from fhir_werk.shared import FhirWerkError, IssueCode, Resource, issue, outcome

logger = logging.getLogger("fhir_werk.service")

_HTTP_ISSUES: Final[dict[int, tuple[IssueCode, str, str]]] = {
    404: ("not-found", "Onbekend adres op deze dienst.", "Unknown address on this service."),
    405: (
        "not-supported",
        "Deze methode wordt op dit adres niet ondersteund (zie /fhir/metadata).",
        "This method is not supported at this address (see /fhir/metadata).",
    ),
}


def internal_outcome(error: BaseException) -> Resource:
    """The outcome of an unexpected failure: the exception type, never its message."""
    kind = type(error).__name__
    return outcome(
        [
            issue(
                "error",
                "exception",
                f"Interne fout in fhir-werk ({kind}); meld het probleem aan de beheerder.",
                f"Internal error in fhir-werk ({kind}); report the problem to the administrator.",
            )
        ]
    )


async def _fhir_werk_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, FhirWerkError)
    return fhir_response(request, exc.outcome, exc.status, getattr(exc, "headers", None))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code, nl, en = _HTTP_ISSUES.get(
        exc.status_code, ("processing", "Het verzoek kan niet worden verwerkt.", "The request failed.")
    )
    headers = dict(exc.headers or {})
    return fhir_response(request, outcome([issue("error", code, nl, en)]), exc.status_code, headers)


def _location(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc[1:]) or str(loc[0]) if loc else "request"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    issues = [
        issue(
            "error",
            "invalid",
            f"Ongeldige waarde voor '{_location(tuple(e.get('loc', ())))}'.",
            f"Invalid value for '{_location(tuple(e.get('loc', ())))}'.",
            _location(tuple(e.get("loc", ()))),
        )
        for e in exc.errors()
    ]
    return fhir_response(request, outcome(issues), 400)


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers and the guard on ``app``."""
    app.add_exception_handler(FhirWerkError, _fhir_werk_error)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_middleware(InternalErrorGuard)


class InternalErrorGuard:
    """Answer any exception a route lets through with a 500 OperationOutcome; log its type only."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; an exception before the answer started becomes the 500 outcome."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:  # noqa: BLE001 - the one boundary: nothing may end in a traceback
            logger.error("interne fout: %s op %s %s", type(exc).__name__, scope.get("method"), _route(scope))
            if started:
                return
            body = dumps(internal_outcome(exc))
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [
                        (b"content-type", b"application/fhir+json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})


def _route(scope: Scope) -> str:
    """The matched route's template (``/fhir/QuestionnaireResponse/{id}``), never the raw path,
    whose id or query could identify a patient."""
    route = scope.get("route")
    return str(getattr(route, "path", "?"))
