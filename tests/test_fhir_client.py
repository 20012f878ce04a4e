"""FhirClient against respx mocks: every status code, every httpx failure, the retry rules."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import respx

from fhir_werk.client._client import FhirClient, make_http_client
from fhir_werk.client._errors import error_from_exception
from fhir_werk.client._retry import RetryPolicy
from fhir_werk.shared._outcomes import (
    RemoteAuthError,
    RemoteConflictError,
    RemoteError,
    RemoteRejectedError,
    RemoteUnavailableError,
)

BASE = "http://epd.test/fhir"
NOW = datetime(2026, 11, 24, 12, 0, 0, tzinfo=UTC)
SERVER_ISSUE = {
    "severity": "error",
    "code": "processing",
    "diagnostics": "HAPI-0450: Failed to parse request body",
}
SERVER_OUTCOME = {"resourceType": "OperationOutcome", "issue": [SERVER_ISSUE]}
PATIENT = {"resourceType": "Patient", "id": "p1"}


@pytest.fixture
def server() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        yield mock


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def client(sleeps: list[float]) -> FhirClient:
    policy = RetryPolicy(
        max_attempts=3, base_delay=0.5, sleep=sleeps.append, random=lambda: 0.5, now=lambda: NOW
    )
    return FhirClient(make_http_client(BASE, timeout=5), retry=policy)


def conditional_bundle(conditional: bool = True) -> dict[str, Any]:
    request = {"method": "POST", "url": "Goal"}
    if conditional:
        request["ifNoneExist"] = "identifier=https://fhir-werk.nl/fhir/NamingSystem/extractie|g1"
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"fullUrl": "urn:uuid:1", "resource": {"resourceType": "Goal"}, "request": request}],
    }


# --- success statuses ---------------------------------------------------------------------------


def test_read_200_returns_resource_and_sends_fhir_accept(
    client: FhirClient, server: respx.MockRouter
) -> None:
    route = server.get("/Patient/p1").respond(200, json=PATIENT, headers={"ETag": 'W/"2"'})
    answer = client.read("Patient", "p1")
    assert (answer.status, answer.resource, answer.etag) == (200, PATIENT, 'W/"2"')
    assert route.calls.last.request.headers["Accept"] == "application/fhir+json"


def test_create_201_returns_location_and_sends_fhir_json(
    client: FhirClient, server: respx.MockRouter
) -> None:
    route = server.post("/Goal").respond(201, headers={"Location": f"{BASE}/Goal/7/_history/1"})
    answer = client.create({"resourceType": "Goal"}, if_none_exist="identifier=x|1")
    assert (answer.status, answer.location, answer.resource) == (201, f"{BASE}/Goal/7/_history/1", None)
    request = route.calls.last.request
    assert request.headers["Content-Type"] == "application/fhir+json; charset=utf-8"
    assert request.headers["If-None-Exist"] == "identifier=x|1"
    assert json.loads(request.content) == {"resourceType": "Goal"}


def test_conditional_read_304_is_not_an_error(client: FhirClient, server: respx.MockRouter) -> None:
    route = server.get("/Patient/p1").respond(304)
    answer = client.read(
        "Patient", "p1", if_none_match='W/"2"', if_modified_since="Tue, 24 Nov 2026 10:00:00 GMT"
    )
    assert (answer.status, answer.resource) == (304, None)
    headers = route.calls.last.request.headers
    assert (headers["If-None-Match"], headers["If-Modified-Since"]) == (
        'W/"2"',
        "Tue, 24 Nov 2026 10:00:00 GMT",
    )


def test_update_sends_if_match_and_vread_delete_use_their_urls(
    client: FhirClient, server: respx.MockRouter
) -> None:
    put = server.put("/Patient/p1").respond(200, json=PATIENT)
    vread = server.get("/Patient/p1/_history/2").respond(200, json=PATIENT)
    delete = server.delete("/Patient/p1").respond(204)
    assert client.update(PATIENT, if_match='W/"2"').status == 200
    assert put.calls.last.request.headers["If-Match"] == 'W/"2"'
    assert client.vread("Patient", "p1", "2").resource == PATIENT
    assert (client.delete("Patient", "p1").status, delete.call_count, vread.call_count) == (204, 1, 1)


def test_capabilities_are_read_once_per_client(client: FhirClient, server: respx.MockRouter) -> None:
    statement = {
        "resourceType": "CapabilityStatement",
        "rest": [{"mode": "server", "interaction": [{"code": "batch"}]}],
    }
    route = server.get("/metadata").respond(200, json=statement)
    assert client.capabilities() == statement
    assert client.system_interactions() == frozenset({"batch"})
    assert route.call_count == 1


def test_success_without_a_fhir_body_is_rejected(client: FhirClient, server: respx.MockRouter) -> None:
    server.get("/metadata").respond(200, text="<html>hallo</html>")
    with pytest.raises(RemoteRejectedError) as caught:
        client.capabilities()
    first = caught.value.outcome["issue"][0]
    assert (caught.value.status, first["code"]) == (502, "structure")
    assert first["details"]["text"] == "De server antwoordde zonder CapabilityStatement (HTTP 200)."


def test_search_follows_next_links(client: FhirClient, server: respx.MockRouter) -> None:
    page_2 = f"{BASE}?_getpages=abc&_getpagesoffset=1"
    first = {
        "resourceType": "Bundle",
        "type": "searchset",
        "link": [{"relation": "next", "url": page_2}],
        "entry": [{"resource": {"resourceType": "Consent", "id": "c1"}}],
    }
    second = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": {"resourceType": "Consent", "id": "c2"}}],
    }
    search = server.get("/Consent", params={"patient": "Patient/p1"}).respond(200, json=first)
    server.get(BASE, params={"_getpages": "abc"}).respond(200, json=second)
    assert [e["resource"]["id"] for e in client.search("Consent", {"patient": "Patient/p1"})["entry"]] == [
        "c1"
    ]
    found = client.search("Consent", {"patient": "Patient/p1"}, follow_next=True)
    assert [e["resource"]["id"] for e in found["entry"]] == ["c1", "c2"]
    assert search.call_count == 2


@pytest.mark.parametrize("status", [200, 400, 422])
def test_validate_returns_the_outcome_without_raising(
    client: FhirClient, server: respx.MockRouter, status: int
) -> None:
    route = server.post("/Goal/$validate").respond(status, json=SERVER_OUTCOME)
    assert (
        client.validate({"resourceType": "Goal"}, profile="http://x/StructureDefinition/y") == SERVER_OUTCOME
    )
    assert route.calls.last.request.url.params["profile"] == "http://x/StructureDefinition/y"


def test_validate_raises_on_a_server_failure(client: FhirClient, server: respx.MockRouter) -> None:
    server.post("/Goal/$validate").respond(500, json=SERVER_OUTCOME)
    with pytest.raises(RemoteUnavailableError):
        client.validate({"resourceType": "Goal"})


# --- error statuses -----------------------------------------------------------------------------

ERRORS = [
    (400, RemoteRejectedError, "invalid", "De server weigerde de aanvraag (HTTP 400 Bad Request).", 1),
    (401, RemoteAuthError, "login", "De server weigerde de toegang (HTTP 401 Unauthorized).", 1),
    (403, RemoteAuthError, "forbidden", "De server weigerde de toegang (HTTP 403 Forbidden).", 1),
    (404, RemoteRejectedError, "not-found", "De server weigerde de aanvraag (HTTP 404 Not Found).", 1),
    (
        409,
        RemoteConflictError,
        "conflict",
        "De server meldt een conflict met wat er al staat (HTTP 409 Conflict).",
        1,
    ),
    (
        412,
        RemoteConflictError,
        "conflict",
        "De server meldt een conflict met wat er al staat (HTTP 412 Precondition Failed).",
        1,
    ),
    (
        422,
        RemoteRejectedError,
        "processing",
        "De server weigerde de aanvraag (HTTP 422 Unprocessable Entity).",
        1,
    ),
    (
        429,
        RemoteUnavailableError,
        "throttled",
        "De server is (tijdelijk) niet beschikbaar (HTTP 429 Too Many Requests).",
        3,
    ),
    (
        500,
        RemoteUnavailableError,
        "transient",
        "De server is (tijdelijk) niet beschikbaar (HTTP 500 Internal Server Error).",
        1,
    ),
    (
        502,
        RemoteUnavailableError,
        "transient",
        "De server is (tijdelijk) niet beschikbaar (HTTP 502 Bad Gateway).",
        3,
    ),
    (
        503,
        RemoteUnavailableError,
        "transient",
        "De server is (tijdelijk) niet beschikbaar (HTTP 503 Service Unavailable).",
        3,
    ),
    (
        504,
        RemoteUnavailableError,
        "timeout",
        "De server is (tijdelijk) niet beschikbaar (HTTP 504 Gateway Timeout).",
        3,
    ),
]


@pytest.mark.parametrize(("status", "error_class", "code", "text", "attempts"), ERRORS)
def test_error_status_keeps_the_server_outcome(
    client: FhirClient,
    server: respx.MockRouter,
    status: int,
    error_class: type[RemoteError],
    code: str,
    text: str,
    attempts: int,
) -> None:
    route = server.get("/Patient/p1").respond(status, json=SERVER_OUTCOME)
    with pytest.raises(error_class) as caught:
        client.read("Patient", "p1")
    assert type(caught.value) is error_class
    assert caught.value.status == status
    summary, server_issue = caught.value.outcome["issue"]
    assert (summary["severity"], summary["code"], summary["details"]["text"]) == ("error", code, text)
    assert server_issue == SERVER_ISSUE
    assert route.call_count == attempts


def test_error_body_that_is_not_an_outcome_is_kept_as_text(
    client: FhirClient, server: respx.MockRouter
) -> None:
    server.post("/Goal").respond(500, text="<html><body>Proxy error</body></html>")
    with pytest.raises(RemoteUnavailableError) as caught:
        client.create({"resourceType": "Goal"})
    (only,) = caught.value.outcome["issue"]
    assert only["diagnostics"] == (
        "The server is (temporarily) unavailable (HTTP 500 Internal Server Error). "
        "Server said: <html><body>Proxy error</body></html>"
    )


# --- retries ------------------------------------------------------------------------------------


def test_retry_after_seconds_is_honoured(
    client: FhirClient, server: respx.MockRouter, sleeps: list[float]
) -> None:
    route = server.get("/Patient/p1")
    route.side_effect = [httpx.Response(429, headers={"Retry-After": "7"}), httpx.Response(200, json=PATIENT)]
    assert client.read("Patient", "p1").resource == PATIENT
    assert sleeps == [7.0]


def test_retry_after_http_date_is_honoured(
    client: FhirClient, server: respx.MockRouter, sleeps: list[float]
) -> None:
    route = server.get("/Patient/p1")
    later = {"Retry-After": "Tue, 24 Nov 2026 12:00:05 GMT"}
    route.side_effect = [httpx.Response(503, headers=later), httpx.Response(200, json=PATIENT)]
    client.read("Patient", "p1")
    assert sleeps == [5.0]


def test_retry_after_beyond_the_limit_ends_the_retries(
    client: FhirClient, server: respx.MockRouter, sleeps: list[float]
) -> None:
    route = server.get("/Patient/p1").respond(503, headers={"Retry-After": "3600"})
    with pytest.raises(RemoteUnavailableError):
        client.read("Patient", "p1")
    assert (route.call_count, sleeps) == (1, [])


def test_backoff_is_exponential_with_jitter(
    client: FhirClient, server: respx.MockRouter, sleeps: list[float]
) -> None:
    route = server.get("/Patient/p1")
    route.side_effect = [httpx.Response(503), httpx.Response(502), httpx.Response(200, json=PATIENT)]
    client.read("Patient", "p1")
    assert sleeps == [0.25, 0.5]  # random 0.5 x (0.5, 1.0)


def test_plain_create_is_never_replayed(
    client: FhirClient, server: respx.MockRouter, sleeps: list[float]
) -> None:
    route = server.post("/Goal").respond(503)
    with pytest.raises(RemoteUnavailableError):
        client.create({"resourceType": "Goal"})
    assert (route.call_count, sleeps) == (1, [])


def test_conditional_create_is_replayed(client: FhirClient, server: respx.MockRouter) -> None:
    route = server.post("/Goal")
    route.side_effect = [httpx.Response(503), httpx.Response(201, headers={"Location": "Goal/1"})]
    assert client.create({"resourceType": "Goal"}, if_none_exist="identifier=x|1").status == 201
    assert route.call_count == 2


def test_transaction_of_conditional_creates_is_replayed(client: FhirClient, server: respx.MockRouter) -> None:
    route = server.post(BASE)
    reply = {"resourceType": "Bundle", "type": "transaction-response", "entry": []}
    route.side_effect = [httpx.Response(504), httpx.Response(200, json=reply)]
    assert client.transaction(conditional_bundle()) == reply
    assert route.call_count == 2


def test_transaction_with_a_plain_create_is_not_replayed(
    client: FhirClient, server: respx.MockRouter
) -> None:
    route = server.post(BASE).respond(504)
    with pytest.raises(RemoteUnavailableError):
        client.transaction(conditional_bundle(conditional=False))
    assert route.call_count == 1


def test_batch_posts_a_batch_bundle(client: FhirClient, server: respx.MockRouter) -> None:
    route = server.post(BASE).respond(200, json={"resourceType": "Bundle", "type": "batch-response"})
    client.batch(conditional_bundle())
    assert json.loads(route.calls.last.request.content)["type"] == "batch"


def test_read_timeout_on_a_get_is_retried(client: FhirClient, server: respx.MockRouter) -> None:
    route = server.get("/Patient/p1")
    route.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(200, json=PATIENT)]
    assert client.read("Patient", "p1").status == 200


def test_read_timeout_on_a_plain_create_is_not_retried(client: FhirClient, server: respx.MockRouter) -> None:
    route = server.post("/Goal")
    route.side_effect = [httpx.ReadTimeout("slow"), httpx.Response(201)]
    with pytest.raises(RemoteUnavailableError) as caught:
        client.create({"resourceType": "Goal"})
    (only,) = caught.value.outcome["issue"]
    assert (caught.value.status, only["code"], only["details"]["text"]) == (
        504,
        "timeout",
        "De server antwoordde niet op tijd.",
    )
    assert route.call_count == 1


def test_connect_error_is_retried_for_any_request(client: FhirClient, server: respx.MockRouter) -> None:
    route = server.post("/Goal")
    route.side_effect = [httpx.ConnectError("refused"), httpx.Response(201)]
    assert client.create({"resourceType": "Goal"}).status == 201


def test_retries_stop_after_max_attempts(
    client: FhirClient, server: respx.MockRouter, sleeps: list[float]
) -> None:
    route = server.get("/Patient/p1")
    route.side_effect = httpx.ConnectTimeout("no answer")
    with pytest.raises(RemoteUnavailableError) as caught:
        client.read("Patient", "p1")
    assert caught.value.outcome["issue"][0]["code"] == "timeout"
    assert (route.call_count, len(sleeps)) == (3, 2)


# --- the one translation of httpx exceptions ------------------------------------------------------

EXPECTED_MAPPING: dict[str, tuple[type[RemoteError], str]] = {
    "CloseError": (RemoteUnavailableError, "transient"),
    "ConnectError": (RemoteUnavailableError, "transient"),
    "ConnectTimeout": (RemoteUnavailableError, "timeout"),
    "CookieConflict": (RemoteError, "exception"),
    "DecodingError": (RemoteError, "processing"),
    "HTTPError": (RemoteError, "exception"),
    "HTTPStatusError": (RemoteRejectedError, "not-found"),
    "InvalidURL": (RemoteError, "value"),
    "LocalProtocolError": (RemoteError, "exception"),
    "NetworkError": (RemoteUnavailableError, "transient"),
    "PoolTimeout": (RemoteUnavailableError, "timeout"),
    "ProtocolError": (RemoteUnavailableError, "transient"),
    "ProxyError": (RemoteUnavailableError, "transient"),
    "ReadError": (RemoteUnavailableError, "transient"),
    "ReadTimeout": (RemoteUnavailableError, "timeout"),
    "RemoteProtocolError": (RemoteUnavailableError, "transient"),
    "RequestError": (RemoteError, "exception"),
    "RequestNotRead": (RemoteError, "exception"),
    "ResponseNotRead": (RemoteError, "exception"),
    "StreamClosed": (RemoteError, "exception"),
    "StreamConsumed": (RemoteError, "exception"),
    "StreamError": (RemoteError, "exception"),
    "TimeoutException": (RemoteUnavailableError, "timeout"),
    "TooManyRedirects": (RemoteError, "processing"),
    "TransportError": (RemoteUnavailableError, "transient"),
    "UnsupportedProtocol": (RemoteError, "not-supported"),
    "WriteError": (RemoteUnavailableError, "transient"),
    "WriteTimeout": (RemoteUnavailableError, "timeout"),
}


def _instance(cls: type[Exception]) -> Exception:
    request = httpx.Request("GET", f"{BASE}/Patient/secret-id")
    if cls is httpx.HTTPStatusError:
        return cls("boom", request=request, response=httpx.Response(404, request=request))
    try:
        return cls("boom")
    except TypeError:
        return cls()


def test_every_httpx_exception_is_mapped() -> None:
    exported = {
        name
        for name in httpx.__all__
        if isinstance(getattr(httpx, name), type) and issubclass(getattr(httpx, name), BaseException)
    }
    assert exported == set(EXPECTED_MAPPING)
    for name, (error_class, code) in EXPECTED_MAPPING.items():
        error = error_from_exception(_instance(getattr(httpx, name)))
        assert (type(error), error.outcome["issue"][0]["code"]) == (error_class, code), name
        assert "secret-id" not in json.dumps(error.outcome), name


def test_a_foreign_exception_is_not_silently_mapped() -> None:
    with pytest.raises(TypeError):
        error_from_exception(ValueError("not httpx"))


# --- the client factory ---------------------------------------------------------------------------


def test_factory_sets_timeout_on_every_phase() -> None:
    http = make_http_client(BASE + "/", timeout=7.5)
    assert http.timeout == httpx.Timeout(7.5)
    assert str(http.base_url) == BASE + "/"


def test_logs_name_types_but_not_ids_or_search_parameters(
    client: FhirClient, server: respx.MockRouter, caplog: pytest.LogCaptureFixture
) -> None:
    server.get("/Patient/secret-id").respond(200, json=PATIENT)
    server.get("/Consent").respond(200, json={"resourceType": "Bundle", "type": "searchset"})
    with caplog.at_level(logging.DEBUG, logger="fhir_werk.http"):
        client.read("Patient", "secret-id")
        client.search("Consent", {"patient": "Patient/secret-id"})
    assert "<- GET epd.test/*/Patient/* 200" in caplog.text
    assert "<- GET epd.test/*/Consent 200" in caplog.text
    assert "secret-id" not in caplog.text
