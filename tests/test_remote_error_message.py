"""A server's refusal says why: the first issues of its OperationOutcome, shortened, in the
RemoteError's message and in the CLI's ``fout:`` line — never the request, never in the audit's
own sentence (``details.text``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import respx

from fhir_werk.cli._app import report, summary_line
from fhir_werk.client import FhirClient, make_http_client, server_summary
from fhir_werk.shared import RemoteError, RemoteRejectedError

BASE = "http://epd.test/fhir"
UNKNOWN_CODE = "Unknown code 'https://fhir-werk.nl/fhir/CodeSystem/doelsoort#werk' for in-memory expansion"
HAPI_OUTCOME: dict[str, Any] = {
    "resourceType": "OperationOutcome",
    "issue": [
        {
            "severity": "warning",
            "code": "processing",
            "diagnostics": "Profile reference 'http://hl7.org/fhir/uv/sdc' has not been checked",
        },
        {
            "severity": "error",
            "code": "code-invalid",
            "diagnostics": UNKNOWN_CODE,
            "location": ["Goal.category[0].coding[0]", "Line[1] Col[2]"],
        },
        {
            "severity": "error",
            "code": "invalid",
            "diagnostics": "The value provided ('misschien') was not found",
            "expression": ["Goal.lifecycleStatus"],
        },
    ],
}
GOAL = {
    "resourceType": "Goal",
    "lifecycleStatus": "proposed",
    "description": {"text": "Ik wil graag weer als kok werken"},
    "subject": {"reference": "Patient/jansen-1953"},
}


@pytest.fixture
def server() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def client() -> FhirClient:
    return FhirClient(make_http_client(BASE, timeout=5))


def rejected(client: FhirClient, server: respx.MockRouter, body: dict[str, Any]) -> RemoteError:
    server.post("/Goal").respond(422, json=body)
    with pytest.raises(RemoteRejectedError) as caught:
        client.create(GOAL)
    return caught.value


def test_the_message_names_the_servers_errors_with_code_and_place(
    client: FhirClient, server: respx.MockRouter
) -> None:
    error = rejected(client, server, HAPI_OUTCOME)
    assert str(error) == (
        "The server rejected the request (HTTP 422 Unprocessable Entity). Server: "
        f"error code-invalid [Goal.category[0].coding[0]]: {UNKNOWN_CODE}"
        " | error invalid [Goal.lifecycleStatus]: The value provided ('misschien') was not found"
    )
    # The warning is not why it was refused; the outcome itself is kept whole.
    assert "Profile reference" not in str(error)
    assert error.outcome["issue"][1:] == HAPI_OUTCOME["issue"]


def test_fhir_werks_own_sentence_stays_free_of_server_text(
    client: FhirClient, server: respx.MockRouter
) -> None:
    summary = rejected(client, server, HAPI_OUTCOME).outcome["issue"][0]
    assert summary["details"]["text"] == "De server weigerde de aanvraag (HTTP 422 Unprocessable Entity)."


def test_the_request_is_never_quoted(client: FhirClient, server: respx.MockRouter) -> None:
    error = rejected(client, server, HAPI_OUTCOME)
    text = str(error) + summary_line(error.outcome, from_server=True)
    assert "kok" not in text
    assert "jansen" not in text


def test_long_diagnostics_and_many_issues_are_shortened(client: FhirClient, server: respx.MockRouter) -> None:
    many = [
        {"severity": "error", "code": "invalid", "diagnostics": f"fout {n} " + "x" * 5000} for n in range(9)
    ]
    error = rejected(client, server, {"resourceType": "OperationOutcome", "issue": many})
    said = str(error).split(" Server: ", 1)[1]
    assert said.startswith("error invalid: fout 0 xxx")
    assert "fout 2" in said
    assert "fout 3" not in said
    assert len(said) <= 600
    assert said.endswith("…")
    assert len(server_summary(many[:1])) == len("error invalid: ") + 200


def test_the_count_of_issues_not_shown_is_given() -> None:
    issues = [{"severity": "error", "code": "invalid", "diagnostics": f"fout {n}"} for n in range(5)]
    assert server_summary(issues).endswith("error invalid: fout 2 (+2 more)")


def test_only_warnings_are_shown_when_the_server_sent_no_error() -> None:
    said = server_summary(HAPI_OUTCOME["issue"][:1])
    assert said == "warning processing: Profile reference 'http://hl7.org/fhir/uv/sdc' has not been checked"


def test_a_body_that_is_no_outcome_keeps_its_raw_text(client: FhirClient, server: respx.MockRouter) -> None:
    server.post("/Goal").respond(422, text="<html>Bad gateway config</html>")
    with pytest.raises(RemoteRejectedError) as caught:
        client.create(GOAL)
    assert "Server said: <html>Bad gateway config</html>" in str(caught.value)
    assert summary_line(caught.value.outcome, from_server=True) == (
        "fout: De server weigerde de aanvraag (HTTP 422 Unprocessable Entity)."
    )


def test_the_cli_fout_line_says_what_the_server_objected_to(
    client: FhirClient, server: respx.MockRouter, capsys: pytest.CaptureFixture[str]
) -> None:
    error = rejected(client, server, HAPI_OUTCOME)
    assert report(error.outcome, 3, from_server=True) == 3
    line = capsys.readouterr().err.strip()
    assert line.startswith("fout: De server weigerde de aanvraag (HTTP 422 Unprocessable Entity). Server: ")
    assert f"error code-invalid [Goal.category[0].coding[0]]: {UNKNOWN_CODE}" in line
    # An outcome of our own (not from a server) keeps the plain line with its count.
    assert summary_line(error.outcome) == (
        "fout: De server weigerde de aanvraag (HTTP 422 Unprocessable Entity). (en nog 2 fouten)"
    )
