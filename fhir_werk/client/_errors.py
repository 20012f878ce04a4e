"""The one place where HTTP failures become fhir-werk errors.

Every httpx exception and every HTTP error status a remote FHIR server or token endpoint
answers is translated here into the :mod:`fhir_werk.shared._outcomes` tree, so callers only ever
catch :class:`~fhir_werk.shared._outcomes.FhirWerkError`::

    401, 403                     -> RemoteAuthError
    409, 412                     -> RemoteConflictError
    400, 404, 410, 422, other 4xx -> RemoteRejectedError
    429, 5xx, timeouts, network  -> RemoteUnavailableError
    local misuse (bad URL, ...)  -> RemoteError

The server's OperationOutcome is kept: our Dutch summary issue comes first, the server's own
issues follow unchanged. The summary's ``diagnostics`` (and so the exception's message) also
says in one shortened line what the server objected to (:func:`server_summary`: its first
issues' severity, code, expression and diagnostics) — only the server's answer, never the
request. Its ``details.text`` stays fhir-werk's own sentence: that is what the audit log keeps.
A body that is not an OperationOutcome (an HTML error page, an OAuth error) is kept as raw text
in the summary's diagnostics, shortened.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Final

import httpx

from fhir_werk.shared import (
    IssueCode,
    RemoteAuthError,
    RemoteConflictError,
    RemoteError,
    RemoteRejectedError,
    RemoteUnavailableError,
    Resource,
    issue,
)

HTTPX_ERRORS: Final = (httpx.HTTPError, httpx.InvalidURL, httpx.CookieConflict, httpx.StreamError)
"""Every exception httpx raises: catch this tuple, then call :func:`error_from_exception`."""

_RAW_TEXT_LIMIT: Final = 500
_SERVER_ISSUES: Final = 3
_DIAGNOSTICS_LIMIT: Final = 200
_SERVER_SUMMARY_LIMIT: Final = 600

_CLASS_BY_STATUS: Final[dict[int, type[RemoteError]]] = {
    401: RemoteAuthError,
    403: RemoteAuthError,
    409: RemoteConflictError,
    412: RemoteConflictError,
    429: RemoteUnavailableError,
}

_CODE_BY_STATUS: Final[dict[int, IssueCode]] = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    410: "not-found",
    412: "conflict",
    422: "processing",
    429: "throttled",
    504: "timeout",
}


def error_class_for_status(status: int) -> type[RemoteError]:
    """The error class for an HTTP error status (4xx or 5xx)."""
    if status in _CLASS_BY_STATUS:
        return _CLASS_BY_STATUS[status]
    if status >= 500:
        return RemoteUnavailableError
    return RemoteRejectedError


def _issue_code(status: int) -> IssueCode:
    return _CODE_BY_STATUS.get(status, "transient" if status >= 500 else "invalid")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


# What the server did, in Dutch and English, by the error class its status maps to.
_WHAT: dict[type[RemoteError], tuple[str, str]] = {
    RemoteAuthError: ("weigerde de toegang", "refused access"),
    RemoteConflictError: ("meldt een conflict met wat er al staat", "reports a conflict with existing state"),
    RemoteUnavailableError: ("is (tijdelijk) niet beschikbaar", "is (temporarily) unavailable"),
}
_REJECTED = ("weigerde de aanvraag", "rejected the request")


def _summaries(status: int) -> tuple[str, str]:
    nl, en = _WHAT.get(error_class_for_status(status), _REJECTED)
    http = f"(HTTP {status} {_phrase(status)})"
    return f"De server {nl} {http}.", f"The server {en} {http}."


def _parse_body(text: str) -> Resource | None:
    """The body as an OperationOutcome when it is one; None for anything else."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if (
        isinstance(parsed, dict)
        and parsed.get("resourceType") == "OperationOutcome"
        and isinstance(parsed.get("issue"), list)
    ):
        return parsed
    return None


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _one_line(server_issue: Resource) -> str:
    head = " ".join(str(server_issue[k]) for k in ("severity", "code") if server_issue.get(k))
    places = server_issue.get("expression") or server_issue.get("location") or []
    where = f" [{places[0]}]" if isinstance(places, list) and places else ""
    text = server_issue.get("diagnostics") or (server_issue.get("details") or {}).get("text") or ""
    return f"{head}{where}: {_shorten(str(text), _DIAGNOSTICS_LIMIT)}" if text else f"{head}{where}"


def server_summary(server_issues: list[Resource]) -> str:
    """The server's first issues in one line, errors first, shortened; "" if there are none.

    >>> server_summary([{"severity": "error", "code": "code-invalid", "expression": ["Goal.category[0]"],
    ...                  "diagnostics": "Unknown code 'x'"}])
    "error code-invalid [Goal.category[0]]: Unknown code 'x'"
    """
    issues = [i for i in server_issues if isinstance(i, dict)]
    errors = [i for i in issues if i.get("severity") in ("error", "fatal")]
    shown = (errors or issues)[:_SERVER_ISSUES]
    if not shown:
        return ""
    line = " | ".join(_one_line(i) for i in shown)
    more = len(errors or issues) - len(shown)
    line += f" (+{more} more)" if more else ""
    return _shorten(line, _SERVER_SUMMARY_LIMIT)


def outcome_for_status(status: int, body: str = "", expression: str | None = None) -> Resource:
    """An OperationOutcome for an HTTP error status, keeping the server's outcome if ``body`` is one.

    >>> outcome_for_status(404)["issue"][0]["code"]
    'not-found'
    """
    summary = issue("error", _issue_code(status), *_summaries(status), expression)
    server = _parse_body(body) if body else None
    if server is not None:
        said = server_summary(server["issue"])
        if said:
            summary["diagnostics"] = f"{summary['diagnostics']} Server: {said}"
        return {**server, "issue": [summary, *server["issue"]]}
    if body.strip():
        # Not an OperationOutcome (an HTML page, an OAuth error): keep the text for the reader.
        raw = body.strip()[:_RAW_TEXT_LIMIT]
        summary["diagnostics"] = f"{summary['diagnostics']} Server said: {raw}"
    return {"resourceType": "OperationOutcome", "issue": [summary]}


def error_from_status(
    status: int, server_outcome: Resource | None = None, expression: str | None = None
) -> RemoteError:
    """The error for an HTTP error status, e.g. from one entry of a batch-response."""
    body = json.dumps(server_outcome) if server_outcome is not None else ""
    return error_class_for_status(status)(outcome_for_status(status, body, expression), status)


def error_from_response(response: httpx.Response) -> RemoteError:
    """The error for a response with an error status (4xx/5xx). The body must have been read."""
    return error_class_for_status(response.status_code)(
        outcome_for_status(response.status_code, response.text), response.status_code
    )


def error_not_fhir(status: int, expected: str) -> RemoteRejectedError:
    """The error for a success status whose body is not the FHIR resource the interaction returns."""
    found = issue(
        "error",
        "structure",
        f"De server antwoordde zonder {expected} (HTTP {status}).",
        f"The server answered without a {expected} (HTTP {status}).",
    )
    return RemoteRejectedError({"resourceType": "OperationOutcome", "issue": [found]}, 502)


def raise_for_status(response: httpx.Response) -> httpx.Response:
    """Return ``response`` if it is not an error (below 400; 304 included), else raise its error."""
    if response.status_code >= 400:
        response.read()
        raise error_from_response(response)
    return response


_EXCEPTION_TEXT: Final[dict[type, tuple[type[RemoteError], IssueCode, str, str]]] = {
    httpx.TimeoutException: (
        RemoteUnavailableError,
        "timeout",
        "De server antwoordde niet op tijd.",
        "The server did not answer in time.",
    ),
    httpx.ConnectError: (
        RemoteUnavailableError,
        "transient",
        "Geen verbinding met de server mogelijk.",
        "Could not connect to the server.",
    ),
    httpx.NetworkError: (
        RemoteUnavailableError,
        "transient",
        "De netwerkverbinding met de server viel weg.",
        "The network connection to the server failed.",
    ),
    httpx.ProxyError: (
        RemoteUnavailableError,
        "transient",
        "De proxy naar de server gaf een fout.",
        "The proxy to the server failed.",
    ),
    httpx.RemoteProtocolError: (
        RemoteUnavailableError,
        "transient",
        "De server verbrak het HTTP-protocol.",
        "The server broke the HTTP protocol.",
    ),
    httpx.TransportError: (
        RemoteUnavailableError,
        "transient",
        "De verbinding met de server faalde.",
        "The connection to the server failed.",
    ),
    httpx.LocalProtocolError: (
        RemoteError,
        "exception",
        "De aanvraag kon niet volgens het HTTP-protocol worden verstuurd.",
        "The request could not be sent according to the HTTP protocol.",
    ),
    httpx.UnsupportedProtocol: (
        RemoteError,
        "not-supported",
        "Het adres van de server gebruikt een niet-ondersteund protocol (verwacht http of https).",
        "The server address uses an unsupported protocol (expected http or https).",
    ),
    httpx.InvalidURL: (
        RemoteError,
        "value",
        "Het adres van de server is ongeldig.",
        "The server address is invalid.",
    ),
    httpx.TooManyRedirects: (
        RemoteError,
        "processing",
        "De server stuurde te vaak door.",
        "The server redirected too many times.",
    ),
    httpx.DecodingError: (
        RemoteError,
        "processing",
        "Het antwoord van de server kon niet worden gedecodeerd.",
        "The server's answer could not be decoded.",
    ),
    httpx.CookieConflict: (
        RemoteError,
        "exception",
        "Tegenstrijdige cookies van de server.",
        "Conflicting cookies from the server.",
    ),
    httpx.StreamError: (
        RemoteError,
        "exception",
        "Interne fout bij het lezen of versturen van een HTTP-bericht.",
        "Internal error while reading or sending an HTTP message.",
    ),
    httpx.HTTPError: (
        RemoteError,
        "exception",
        "Onverwachte fout in de communicatie met de server.",
        "Unexpected error communicating with the server.",
    ),
}


def error_from_exception(exc: Exception) -> RemoteError:
    """The error for an httpx exception; the most specific entry of the mapping wins.

    The exception text is not copied: httpx puts URLs (with search parameters that may name a
    patient) into its messages, and the outcome reaches logs and terminals.
    """
    if isinstance(exc, httpx.HTTPStatusError):
        exc.response.read()
        return error_from_response(exc.response)
    for cls in type(exc).__mro__:
        mapped = _EXCEPTION_TEXT.get(cls)
        if mapped is not None:
            error_class, code, nl, en = mapped
            found = issue("error", code, nl, f"{en} ({type(exc).__name__})")
            status = 504 if code == "timeout" else 503 if error_class is RemoteUnavailableError else 502
            return error_class({"resourceType": "OperationOutcome", "issue": [found]}, status)
    raise TypeError(f"not an httpx exception: {type(exc).__name__}") from exc
