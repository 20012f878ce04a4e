"""OperationOutcome is the error currency of fhir-werk.

Every stage (validation, extraction, packaging, adapters, the service) reports problems as
FHIR OperationOutcome issues built by the factories here, each with a Dutch message (the
user-facing text, ``details.text``), its English translation (translation extension and
``diagnostics``) and, where it applies, the FHIRPath-style location in ``expression``
(for a QuestionnaireResponse: the linkId path).

Exception tree::

    FhirWerkError                 carries .outcome (an OperationOutcome dict) and .status
    ├── InvalidInputError         400/422: the input resource is wrong (validation, FHIR JSON rules)
    ├── UnreadableInputError      400: the input is no JSON resource at all (not a file, not UTF-8,
    │   │                         not JSON, not the resource type expected)
    │   └── InputTooLargeError    413: past a limit (size, nesting depth) before it was read whole
    ├── NotFoundError             404: a Questionnaire, resource or adapter is unknown
    ├── ConsentRefusedError       403: a push was refused for want of consent
    ├── ConflictError             409/412: a push would overwrite what someone else changed on the
    │                             target, or reuse a response identifier for another patient
    └── RemoteError               the remote FHIR server or EPD answered with an error
        ├── RemoteAuthError           401/403 from the server
        ├── RemoteConflictError       409/412 from the server
        ├── RemoteUnavailableError    429/5xx/timeouts after retries
        └── RemoteRejectedError       400/404/422 from the server
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal

from fhir_werk.shared._extensions import TRANSLATION

Severity = Literal["fatal", "error", "warning", "information"]
IssueCode = Literal[
    "invalid",
    "structure",
    "required",
    "value",
    "invariant",
    "security",
    "login",
    "forbidden",
    "processing",
    "not-supported",
    "duplicate",
    "not-found",
    "conflict",
    "transient",
    "timeout",
    "throttled",
    "exception",
    "informational",
    "code-invalid",
    "business-rule",
    "incomplete",
    "too-costly",
]

Resource = dict[str, Any]
"""A FHIR resource as parsed JSON. The stages work on plain dicts (fast, lossless)."""


def translated(nl: str, en: str) -> dict[str, Any]:
    """Return the ``_field`` companion that carries the English translation of a Dutch string."""
    return {
        "extension": [
            {
                "url": TRANSLATION,
                "extension": [
                    {"url": "lang", "valueCode": "en"},
                    {"url": "content", "valueString": en},
                ],
            }
        ]
    }


def issue(
    severity: Severity,
    code: IssueCode,
    nl: str,
    en: str,
    expression: str | Sequence[str] | None = None,
) -> Resource:
    """Build one OperationOutcome issue with a Dutch message and its English translation.

    >>> issue("error", "required", "Vraag ontbreekt", "Question missing", "item[0]")["expression"]
    ['item[0]']
    """
    result: Resource = {
        "severity": severity,
        "code": code,
        "details": {"text": nl, "_text": translated(nl, en)},
        "diagnostics": en,
    }
    if expression is not None:
        result["expression"] = [expression] if isinstance(expression, str) else list(expression)
    return result


def outcome(issues: Iterable[Resource]) -> Resource:
    """Wrap issues in an OperationOutcome; an empty list becomes one 'all ok' information issue."""
    collected = list(issues)
    if not collected:
        collected = [issue("information", "informational", "Geen problemen gevonden.", "No issues found.")]
    return {"resourceType": "OperationOutcome", "issue": collected}


def has_errors(result: Resource) -> bool:
    """True when an OperationOutcome holds an issue of severity error or fatal."""
    return any(i.get("severity") in ("error", "fatal") for i in result.get("issue", []))


def errors(result: Resource) -> list[Resource]:
    """The issues of severity error or fatal."""
    return [i for i in result.get("issue", []) if i.get("severity") in ("error", "fatal")]


def bad_request(nl: str, en: str, expression: str | Sequence[str] | None = None) -> Resource:
    """An OperationOutcome for input that is wrong (HTTP 400)."""
    return outcome([issue("error", "invalid", nl, en, expression)])


def not_found(nl: str, en: str, expression: str | Sequence[str] | None = None) -> Resource:
    """An OperationOutcome for something that does not exist (HTTP 404)."""
    return outcome([issue("error", "not-found", nl, en, expression)])


def forbidden(nl: str, en: str) -> Resource:
    """An OperationOutcome for an action that is not permitted (HTTP 403)."""
    return outcome([issue("error", "forbidden", nl, en)])


def conflict(nl: str, en: str) -> Resource:
    """An OperationOutcome for a conflict with existing state (HTTP 409)."""
    return outcome([issue("error", "conflict", nl, en)])


_STATUS_BY_CODE: Final[dict[str, int]] = {
    "not-found": 404,
    "forbidden": 403,
    "security": 403,
    "login": 401,
    "conflict": 409,
    "duplicate": 409,
    "not-supported": 405,
    "throttled": 429,
    "transient": 503,
    "timeout": 504,
    "exception": 500,
    "processing": 422,
    "business-rule": 422,
    "too-costly": 413,
}


def status_of(result: Resource) -> int:
    """The HTTP status that fits an OperationOutcome: decided by its first error issue."""
    first = next(iter(errors(result)), None)
    if first is None:
        return 200
    return _STATUS_BY_CODE.get(str(first.get("code")), 400)


class FhirWerkError(Exception):
    """Base of every fhir-werk error; carries the OperationOutcome that explains it."""

    def __init__(self, outcome: Resource, status: int | None = None) -> None:
        self.outcome = outcome
        self.status = status if status is not None else status_of(outcome)
        first = next(iter(errors(outcome)), None) or next(iter(outcome.get("issue", [])), {})
        super().__init__(str(first.get("diagnostics") or first.get("details", {}).get("text", "")))


class InvalidInputError(FhirWerkError):
    """The input resource is wrong; the outcome says where (linkId path or element path)."""


class UnreadableInputError(FhirWerkError):
    """The input could not be read as the JSON resource expected; nothing was validated."""


class InputTooLargeError(UnreadableInputError):
    """The input is past a limit (size in bytes, nesting depth); it was not read whole (413)."""


class ConflictError(FhirWerkError):
    """A push would overwrite a change someone else made on the target since fhir-werk wrote it,
    or would write one response identifier for two patients. Nothing of the push was sent."""


class NotFoundError(FhirWerkError):
    """A Questionnaire, resource or adapter that was asked for does not exist."""


class ConsentRefusedError(FhirWerkError):
    """A push to a third party was refused: no active Consent permits it. Nothing was sent."""


class RemoteError(FhirWerkError):
    """The remote FHIR server or EPD answered with an error (its OperationOutcome is kept)."""


class RemoteAuthError(RemoteError):
    """The remote server refused our credentials (401) or the action (403)."""


class RemoteConflictError(RemoteError):
    """The remote server reported a conflict (409) or a failed precondition (412)."""


class RemoteUnavailableError(RemoteError):
    """The remote server stayed unavailable (429, 5xx, timeouts) after the safe retries."""


class RemoteRejectedError(RemoteError):
    """The remote server rejected the request content (400, 404, 422)."""
