"""The fhir adapter against a small in-memory FHIR server behind respx: modes, idempotence, failures."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

from fhir_werk.adapters.fhir import FhirAdapter, FhirAdapterSettings, dependency_layers, parse_location  # type: ignore[import-not-found]
from fhir_werk.client._client import make_http_client
from fhir_werk.client._retry import RetryPolicy
from fhir_werk.delivery import PushContext, get_adapter
from fhir_werk.delivery._audit import AuditLog
from fhir_werk.shared._outcomes import (
    ConsentRefusedError,
    InvalidInputError,
    RemoteAuthError,
    RemoteRejectedError,
    Resource,
)

BASE = "http://epd.test/fhir"
BUNDLE = json.loads((Path(__file__).parent / "fixtures" / "push" / "bundle.json").read_text(encoding="utf-8"))
REJECTION = {
    "resourceType": "OperationOutcome",
    "issue": [
        {
            "severity": "error",
            "code": "processing",
            "diagnostics": "CarePlan.intent: unknown code",
            "expression": ["CarePlan.intent"],
        }
    ],
}


class FakeFhirServer:
    """Just enough FHIR: conditional create, transaction (resolving urn:uuid), batch (not resolving)."""

    def __init__(self, interactions: list[str], reject: str | None = None) -> None:
        self.interactions = interactions
        self.reject = reject
        self.store: dict[str, Resource] = {}
        self.matches: dict[str, str] = {}
        self.ids = count(1)
        self.posts: list[httpx.Request] = []

    def metadata(self, request: httpx.Request) -> httpx.Response:
        rest = {"mode": "server", "interaction": [{"code": code} for code in self.interactions]}
        return httpx.Response(200, json={"resourceType": "CapabilityStatement", "rest": [rest]})

    def _create(self, resource: Resource, condition: str | None) -> tuple[int, str, Resource | None]:
        if resource["resourceType"] == self.reject:
            return 422, "", REJECTION
        if condition and condition in self.matches:
            return 200, self.matches[condition], None
        ref = f"{resource['resourceType']}/{next(self.ids)}"
        self.store[ref] = {**resource, "id": ref.split("/")[1]}
        if condition:
            self.matches[condition] = ref
        return 201, ref, None

    def single(self, request: httpx.Request) -> httpx.Response:
        self.posts.append(request)
        resource = json.loads(request.content)
        if "urn:uuid:" in request.content.decode():
            return httpx.Response(400, json=REJECTION)
        status, ref, problem = self._create(resource, request.headers.get("If-None-Exist"))
        if problem is not None:
            return httpx.Response(status, json=problem)
        return httpx.Response(status, headers={"Location": f"{BASE}/{ref}/_history/1"}, json=self.store[ref])

    def bundle(self, request: httpx.Request) -> httpx.Response:
        bundle = json.loads(request.content)
        if not all(e["request"]["method"] == "GET" for e in bundle["entry"]):
            self.posts.append(request)  # writes only: the searches before a push are not posts
        replies = []
        if bundle["type"] == "transaction":
            if any(e["resource"]["resourceType"] == self.reject for e in bundle["entry"]):
                return httpx.Response(422, json=REJECTION)
            text = json.dumps(bundle)
            for entry in bundle["entry"]:  # resolve every urn:uuid the way a server does
                condition = entry["request"].get("ifNoneExist")
                ref = self.matches.get(condition) or f"{entry['resource']['resourceType']}/{next(self.ids)}"
                text = text.replace(f'"{entry["fullUrl"]}"', f'"{ref}"')
                entry["_ref"] = ref
            resolved = json.loads(text)
            for entry, original in zip(resolved["entry"], bundle["entry"], strict=True):
                condition = entry["request"].get("ifNoneExist")
                if condition in self.matches:
                    replies.append(
                        {"response": {"status": "200 OK", "location": original["_ref"] + "/_history/1"}}
                    )
                    continue
                self.store[original["_ref"]] = {**entry["resource"], "id": original["_ref"].split("/")[1]}
                self.matches[condition] = original["_ref"]
                replies.append(
                    {"response": {"status": "201 Created", "location": original["_ref"] + "/_history/1"}}
                )
            return httpx.Response(
                200, json={"resourceType": "Bundle", "type": "transaction-response", "entry": replies}
            )
        for entry in bundle["entry"]:
            if entry["request"]["method"] == "GET":  # a search inside the batch
                searchset = self._searchset(httpx.URL(f"{BASE}/{entry['request']['url']}"))
                replies.append({"response": {"status": "200 OK"}, "resource": searchset})
                continue
            if "urn:uuid:" in json.dumps(entry["resource"]):
                replies.append({"response": {"status": "400 Bad Request", "outcome": REJECTION}})
                continue
            status, ref, problem = self._create(entry["resource"], entry["request"].get("ifNoneExist"))
            reply: Resource = {"status": f"{status} {'Created' if status == 201 else 'OK'}"}
            if problem is not None:
                reply = {"status": f"{status} Unprocessable Entity", "outcome": problem}
            else:
                reply["location"] = f"{ref}/_history/1"
            replies.append({"response": reply})
        return httpx.Response(
            200, json={"resourceType": "Bundle", "type": "batch-response", "entry": replies}
        )

    def search(self, request: httpx.Request) -> httpx.Response:
        """``Type?identifier=a,b``: the stored resources of that type carrying one of the identifiers."""
        return httpx.Response(200, json=self._searchset(request.url))

    def _searchset(self, url: httpx.URL) -> Resource:
        resource_type = url.path.rsplit("/", 1)[-1]
        wanted = set(str(url.params.get("identifier", "")).split(","))
        tags = set(str(url.params.get("_tag", "")).split(","))
        found = [
            {"resource": {**resource, "meta": {**resource.get("meta", {}), "versionId": "1"}}}
            for ref, resource in self.store.items()
            if ref.startswith(f"{resource_type}/")
            and (
                any(f"{i.get('system', '')}|{i.get('value')}" in wanted for i in _identifiers(resource))
                or any(f"{t['system']}|{t['code']}" in tags for t in resource.get("meta", {}).get("tag", []))
            )
        ]
        return {"resourceType": "Bundle", "type": "searchset", "entry": found}

    def count_of(self, resource_type: str) -> int:
        return sum(ref.startswith(f"{resource_type}/") for ref in self.store)


def _identifiers(resource: Resource) -> list[Resource]:
    found = resource.get("identifier", [])
    return found if isinstance(found, list) else [found]


@pytest.fixture
def mock() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


def serve(mock: respx.MockRouter, server: FakeFhirServer, consents: list[Resource] | None = None) -> None:
    mock.get("/metadata").mock(side_effect=server.metadata)
    mock.post(BASE).mock(side_effect=server.bundle)
    mock.post(url__regex=rf"^{BASE}/[A-Za-z]+$").mock(side_effect=server.single)
    found = [{"resource": c} for c in consents or []]
    mock.get("/Consent", params={"status": "active"}).respond(
        200, json={"resourceType": "Bundle", "type": "searchset", "entry": found}
    )
    mock.get(url__regex=rf"^{BASE}/[A-Za-z]+\?").mock(side_effect=server.search)


def adapter(tmp_path: Path, mode: str = "auto", **settings: Any) -> FhirAdapter:
    options = FhirAdapterSettings(base_url=BASE, mode=mode, **settings)
    http = make_http_client(BASE, timeout=5)
    return FhirAdapter(
        options,
        audit=AuditLog(tmp_path / "audit.sqlite3"),
        http=http,
        retry=RetryPolicy(sleep=lambda _: None),
    )


def statuses(result: Any) -> list[tuple[str, str]]:
    return [(e.resource_type, e.status) for e in result.entries]


def test_transaction_when_the_server_declares_it_and_twice_is_once(
    tmp_path: Path, mock: respx.MockRouter
) -> None:
    server = FakeFhirServer(["transaction", "batch"])
    serve(mock, server)
    fhir = adapter(tmp_path)
    first = fhir.push(BUNDLE, PushContext())
    assert {status for _, status in statuses(first)} == {"created"}
    assert len(server.posts) == 1
    assert json.loads(server.posts[0].content)["type"] == "transaction"
    second = fhir.push(BUNDLE, PushContext())
    assert {status for _, status in statuses(second)} == {"unchanged"}
    assert [e.id for e in second.entries] == [e.id for e in first.entries]
    assert len(server.store) == 9  # no duplicates
    assert mock.routes[0].call_count == 1  # the CapabilityStatement is read once
    plan = server.store[f"CarePlan/{first.entries[6].id}"]
    assert plan["goal"] == [
        {"reference": f"Goal/{first.entries[3].id}"},
        {"reference": f"Goal/{first.entries[4].id}"},
    ]


def test_batch_in_dependency_layers_with_references_rewritten(tmp_path: Path, mock: respx.MockRouter) -> None:
    server = FakeFhirServer(["batch"])
    serve(mock, server)
    result = adapter(tmp_path).push(BUNDLE, PushContext())
    assert {status for _, status in statuses(result)} == {"created"}
    layers = [[e["resource"]["resourceType"] for e in json.loads(p.content)["entry"]] for p in server.posts]
    assert layers == [
        ["QuestionnaireResponse", "Goal", "Goal", "ServiceRequest"],
        ["Observation", "Observation", "Consent"],
        ["CarePlan"],
        ["Provenance"],
    ]
    assert all(json.loads(p.content)["type"] == "batch" for p in server.posts)
    ids = {e.full_url: f"{e.resource_type}/{e.id}" for e in result.entries}
    plan = server.store[ids[BUNDLE["entry"][6]["fullUrl"]]]
    assert plan["activity"] == [{"reference": {"reference": ids[BUNDLE["entry"][5]["fullUrl"]]}}]
    assert result.audit_event["subtype"][1]["code"] == "batch"
    again = adapter(tmp_path).push(BUNDLE, PushContext())
    assert {status for _, status in statuses(again)} == {"unchanged"}
    assert len(server.store) == 9


def test_single_requests_keep_if_none_exist(tmp_path: Path, mock: respx.MockRouter) -> None:
    server = FakeFhirServer([])
    serve(mock, server)
    result = adapter(tmp_path).push(BUNDLE, PushContext())
    assert len(server.posts) == 9
    assert [p.headers["If-None-Exist"] for p in server.posts] == [
        BUNDLE["entry"][i]["request"]["ifNoneExist"] for i in (0, 3, 4, 5, 1, 2, 7, 6, 8)
    ]
    assert (result.audit_event["subtype"][1]["code"], result.audit_event["action"]) == ("create", "C")
    again = adapter(tmp_path).push(BUNDLE, PushContext())
    assert {status for _, status in statuses(again)} == {"unchanged"}
    assert len(server.store) == 9


def test_forced_mode_skips_the_capability_statement(tmp_path: Path, mock: respx.MockRouter) -> None:
    server = FakeFhirServer(["transaction"])
    serve(mock, server)
    adapter(tmp_path, mode="batch").push(BUNDLE, PushContext())
    assert mock.routes[0].call_count == 0
    assert json.loads(server.posts[0].content)["type"] == "batch"


def test_rejected_transaction_reports_the_server_outcome(tmp_path: Path, mock: respx.MockRouter) -> None:
    serve(mock, FakeFhirServer(["transaction"], reject="CarePlan"))
    fhir = adapter(tmp_path)
    with pytest.raises(RemoteRejectedError) as caught:
        fhir.push(BUNDLE, PushContext())
    assert caught.value.status == 422
    assert caught.value.outcome["issue"][1] == REJECTION["issue"][0]
    (event,) = AuditLog(tmp_path / "audit.sqlite3").query()
    assert (event["outcome"], event["outcomeDesc"]) == (
        "4",
        "De server weigerde de aanvraag (HTTP 422 Unprocessable Entity).",
    )


def test_batch_entry_failure_names_the_entry_and_keeps_what_was_written(
    tmp_path: Path, mock: respx.MockRouter
) -> None:
    server = FakeFhirServer(["batch"], reject="CarePlan")
    serve(mock, server)
    with pytest.raises(RemoteRejectedError) as caught:
        adapter(tmp_path).push(BUNDLE, PushContext())
    summary, server_issue = caught.value.outcome["issue"]
    assert (summary["code"], summary["expression"]) == ("processing", ["Bundle.entry[6]"])
    assert server_issue == REJECTION["issue"][0]
    (event,) = AuditLog(tmp_path / "audit.sqlite3").query()
    written = [e["what"]["reference"].split("/")[0] for e in event["entity"][1:]]
    assert written == [
        "QuestionnaireResponse",
        "Goal",
        "Goal",
        "ServiceRequest",
        "Observation",
        "Observation",
        "Consent",
    ]


def test_refused_push_sends_nothing(tmp_path: Path, mock: respx.MockRouter) -> None:
    server = FakeFhirServer(["transaction"])
    serve(mock, server)
    no_consent = {
        **BUNDLE,
        "entry": [e for e in BUNDLE["entry"] if e["resource"]["resourceType"] != "Consent"],
    }
    with pytest.raises(ConsentRefusedError):
        adapter(tmp_path).push(no_consent, PushContext(recipient="uwv"))
    assert server.posts == []
    search = mock.routes[3]
    assert search.call_count == 1
    assert dict(search.calls.last.request.url.params) == {"patient": "Patient/fw-push-1", "status": "active"}


def test_consent_on_the_server_permits(tmp_path: Path, mock: respx.MockRouter) -> None:
    on_server = copy.deepcopy(BUNDLE["entry"][7]["resource"])
    on_server["id"] = "c9"
    server = FakeFhirServer(["transaction"])
    serve(mock, server, consents=[on_server])
    no_consent = {
        **BUNDLE,
        "entry": [e for e in BUNDLE["entry"] if e["resource"]["resourceType"] != "Consent"],
    }
    result = adapter(tmp_path).push(no_consent, PushContext(recipient="werkgever"))
    assert result.decision.consent_ref == "Consent/c9"
    sent = json.loads(server.posts[0].content)
    assert [e["resource"]["resourceType"] for e in sent["entry"]] == ["Goal", "Goal", "CarePlan"]


def test_audit_event_is_posted_when_asked(tmp_path: Path, mock: respx.MockRouter) -> None:
    server = FakeFhirServer(["transaction"])
    serve(mock, server)
    result = adapter(tmp_path, send_audit=True).push(BUNDLE, PushContext())
    assert result.audit_sent is True
    posted = json.loads(server.posts[-1].content)
    assert posted == result.audit_event
    assert server.count_of("AuditEvent") == 1


def test_unauthorised_push_is_an_auth_error(tmp_path: Path, mock: respx.MockRouter) -> None:
    mock.post(BASE).respond(401, json={"resourceType": "OperationOutcome", "issue": []})
    mock.get(url__regex=rf"^{BASE}/[A-Za-z]+\?").respond(
        401, json={"resourceType": "OperationOutcome", "issue": []}
    )
    with pytest.raises(RemoteAuthError):
        adapter(tmp_path, mode="transaction").push(BUNDLE, PushContext())
    (event,) = AuditLog(tmp_path / "audit.sqlite3").query()
    assert event["outcome"] == "4"


def test_timed_out_transaction_is_replayed_safely(tmp_path: Path, mock: respx.MockRouter) -> None:
    server = FakeFhirServer(["transaction"])
    serve(mock, server)
    route = mock.routes[1]
    attempts = []

    def slow_then_fine(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)["type"] == "transaction":
            attempts.append(request)
            if len(attempts) == 1:
                raise httpx.ReadTimeout("slow", request=request)
        return server.bundle(request)

    route.side_effect = slow_then_fine
    result = adapter(tmp_path).push(BUNDLE, PushContext())
    assert len(attempts) == 2  # the transaction: timed out once, replayed once
    assert {status for _, status in statuses(result)} == {"created"}


def test_env_settings_and_injected_client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, mock: respx.MockRouter
) -> None:
    monkeypatch.setenv("FHIR_WERK_FHIR_BASE_URL", BASE)
    monkeypatch.setenv("FHIR_WERK_FHIR_MODE", "single")
    server = FakeFhirServer([])
    serve(mock, server)
    fhir = get_adapter("fhir", audit=AuditLog(tmp_path / "a.sqlite3"), http=make_http_client(BASE))
    assert isinstance(fhir, FhirAdapter)
    assert (fhir.settings.mode, fhir.address) == ("single", BASE)
    fhir.push(BUNDLE, PushContext())
    assert len(server.posts) == 9


def test_circular_references_need_a_transaction() -> None:
    a = {
        "fullUrl": "urn:uuid:a",
        "resource": {"resourceType": "Goal", "addresses": [{"reference": "urn:uuid:b"}]},
    }
    b = {
        "fullUrl": "urn:uuid:b",
        "resource": {"resourceType": "Goal", "addresses": [{"reference": "urn:uuid:a"}]},
    }
    with pytest.raises(InvalidInputError) as caught:
        dependency_layers([a, b])
    assert caught.value.outcome["issue"][0]["expression"] == ["Bundle.entry[0]", "Bundle.entry[1]"]


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("http://x/fhir/Goal/7/_history/1", ("Goal", "7")),
        ("Goal/7", ("Goal", "7")),
        ("", None),
        ("Goal", None),
    ],
)
def test_parse_location(location: str, expected: tuple[str, str] | None) -> None:
    assert parse_location(location) == expected


def test_close_releases_only_a_client_the_adapter_built(tmp_path: Path) -> None:
    injected = make_http_client(BASE)
    with adapter(tmp_path) as borrowed:
        assert borrowed.client.base_url == BASE
    own = FhirAdapter(FhirAdapterSettings(base_url=BASE), audit=AuditLog(tmp_path / "a.sqlite3"))
    own.close()
    assert own._owned is not None
    assert own._owned.is_closed
    FhirAdapter(
        FhirAdapterSettings(base_url=BASE), audit=AuditLog(tmp_path / "a.sqlite3"), http=injected
    ).close()
    assert not injected.is_closed
    injected.close()
