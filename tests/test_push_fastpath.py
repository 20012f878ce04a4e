"""The first push of a response the ledger never saw: one transaction, and when the server answers
200 instead of 201 (a match existed), the same outcome as the push that asks first.

A small FHIR server behind respx that versions what it stores, resolves ``urn:uuid`` in a
transaction (to the match of a conditional create too), checks ``If-Match`` and answers
searches inside a batch.
"""

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

from fhir_werk.adapters.fhir import FhirAdapter, FhirAdapterSettings  # type: ignore[import-not-found]
from fhir_werk.client import RetryPolicy, make_http_client
from fhir_werk.delivery import AuditLog, Ledger, PushContext, PushResult
from fhir_werk.shared import ConflictError, Resource

BASE = "http://epd.test/fhir"
BUNDLE: Resource = json.loads(
    (Path(__file__).parent / "fixtures" / "push" / "bundle.json").read_text(encoding="utf-8")
)
GOAL = BUNDLE["entry"][3]
QR = BUNDLE["entry"][0]


class Server:
    """Just enough FHIR for the life cycle: versions, conditional create, If-Match, batch searches."""

    def __init__(self, *, refuse_delete: bool = False) -> None:
        self.store: dict[str, Resource] = {}
        self.ids = count(1)
        self.requests: list[tuple[str, list[str]]] = []
        """(bundle type, each entry's 'METHOD url') per POSTed bundle."""
        self.refuse_delete = refuse_delete

    def put(self, resource: Resource) -> str:
        """Store ``resource`` as someone else wrote it (version 1); its reference."""
        ref = f"{resource['resourceType']}/{next(self.ids)}"
        self.store[ref] = {**copy.deepcopy(resource), "id": ref.split("/")[1], "meta": {"versionId": "1"}}
        return ref

    def _match(self, resource_type: str, query: str) -> str | None:
        name, _, token = query.partition("=")
        system, _, value = token.rpartition("|")
        for ref, held in self.store.items():
            if not ref.startswith(f"{resource_type}/"):
                continue
            if name == "_tag":
                tags = held.get("meta", {}).get("tag", [])
                if any(t.get("system") == system and t.get("code") == value for t in tags):
                    return ref
            else:
                found = held.get("identifier", [])
                found = found if isinstance(found, list) else [found]
                if any(i.get("system") == system and i.get("value") == value for i in found):
                    return ref
        return None

    def _searchset(self, url: str) -> Resource:
        parsed = httpx.URL(f"{BASE}/{url}")
        kind = parsed.path.rsplit("/", 1)[-1]
        name = "identifier" if "identifier" in parsed.params else "_tag"
        found = {self._match(kind, f"{name}={v}") for v in str(parsed.params[name]).split(",")}
        hits = [{"resource": copy.deepcopy(self.store[r])} for r in sorted(r for r in found if r)]
        return {"resourceType": "Bundle", "type": "searchset", "entry": hits}

    def metadata(self, request: httpx.Request) -> httpx.Response:
        rest = {"mode": "server", "interaction": [{"code": "transaction"}, {"code": "batch"}]}
        return httpx.Response(200, json={"resourceType": "CapabilityStatement", "rest": [rest]})

    def bundle(self, request: httpx.Request) -> httpx.Response:
        bundle = json.loads(request.content)
        entries = bundle["entry"]
        self.requests.append(
            (bundle["type"], [f"{e['request']['method']} {e['request']['url']}" for e in entries])
        )
        if bundle["type"] == "batch":
            replies = [
                {"response": {"status": "200 OK"}, "resource": self._searchset(e["request"]["url"])}
                for e in entries
            ]
            return httpx.Response(
                200, json={"resourceType": "Bundle", "type": "batch-response", "entry": replies}
            )
        return self._transaction(entries)

    def _transaction(self, entries: list[Resource]) -> httpx.Response:
        staged = copy.deepcopy(self.store)
        refs: dict[str, str] = {}
        replies: list[Resource] = []
        for entry in entries:  # who is who first: a match, a PUT's own id or a new id
            request = entry["request"]
            if request["method"] == "POST":
                kind = entry["resource"]["resourceType"]
                refs[entry["fullUrl"]] = (
                    self._match(kind, request["ifNoneExist"]) or f"{kind}/{next(self.ids)}"
                )
        for entry in entries:
            request = entry["request"]
            if request["method"] == "DELETE":
                if self.refuse_delete:
                    return httpx.Response(409, json={"resourceType": "OperationOutcome", "issue": []})
                staged.pop(request["url"], None)
                replies.append({"response": {"status": "204 No Content"}})
                continue
            text = json.dumps(entry["resource"])
            for full_url, resolved in refs.items():
                text = text.replace(f'"{full_url}"', f'"{resolved}"')
            resource = json.loads(text)
            ref = refs[entry["fullUrl"]] if request["method"] == "POST" else str(request["url"])
            held = staged.get(ref)
            if request["method"] == "POST" and held is not None:
                replies.append({"response": {"status": "200 OK", "location": f"{ref}/_history/1"}})
                continue
            if request["method"] == "PUT":
                assert held is not None, ref
                if request.get("ifMatch") != f'W/"{held["meta"]["versionId"]}"':
                    return httpx.Response(412, json={"resourceType": "OperationOutcome", "issue": []})
            version = str(int(held["meta"]["versionId"]) + 1) if held else "1"
            staged[ref] = {
                **resource,
                "id": ref.split("/")[1],
                "meta": {**resource.get("meta", {}), "versionId": version},
            }
            status = "201 Created" if held is None else "200 OK"
            replies.append({"response": {"status": status, "location": f"{ref}/_history/{version}"}})
        self.store = staged
        return httpx.Response(
            200, json={"resourceType": "Bundle", "type": "transaction-response", "entry": replies}
        )


@pytest.fixture
def server() -> Iterator[Server]:
    found = Server()
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        router.get("/metadata").mock(side_effect=found.metadata)
        router.post(BASE).mock(side_effect=lambda request: found.bundle(request))
        yield found


def fhir(tmp_path: Path, ledger: Ledger | None = None) -> FhirAdapter:
    return FhirAdapter(
        FhirAdapterSettings(base_url=BASE),
        audit=AuditLog(tmp_path / "audit.sqlite3"),
        ledger=ledger or Ledger(tmp_path / "ledger.sqlite3"),
        http=make_http_client(BASE, timeout=5),
        retry=RetryPolicy(sleep=lambda _: None),
    )


class AsksFirst(FhirAdapter):  # type: ignore[misc]
    """The push as it was: without ``withdraw`` a target never takes the first-push path."""

    withdraw = None


def asks_first(tmp_path: Path) -> FhirAdapter:
    return AsksFirst(
        FhirAdapterSettings(base_url=BASE),
        audit=AuditLog(tmp_path / "slow-audit.sqlite3"),
        ledger=Ledger(tmp_path / "slow-ledger.sqlite3"),
        http=make_http_client(BASE, timeout=5),
        retry=RetryPolicy(sleep=lambda _: None),
    )


def statuses(result: PushResult) -> list[tuple[str, str]]:
    return [(e.resource_type, e.status) for e in result.entries]


def kinds(server: Server) -> list[str]:
    return [kind for kind, _ in server.requests]


def changed_goal() -> Resource:
    return {**copy.deepcopy(GOAL["resource"]), "description": {"text": "Door de behandelaar anders gezet."}}


def test_a_new_response_is_one_transaction(tmp_path: Path, server: Server) -> None:
    result = fhir(tmp_path).push(BUNDLE, PushContext())
    assert {status for _, status in statuses(result)} == {"created"}
    assert kinds(server) == ["transaction"]  # no search batch before it
    rows = Ledger(tmp_path / "ledger.sqlite3").lookup(
        BASE, [e["request"]["ifNoneExist"] for e in BUNDLE["entry"]]
    )
    assert len(rows) == 9
    assert {w.version for w in rows.values()} == {"1"}
    again = fhir(tmp_path).push(BUNDLE, PushContext())  # the ledger knows it now: ask first
    assert {status for _, status in statuses(again)} == {"unchanged"}
    assert kinds(server) == ["transaction", "batch"]
    assert len(server.store) == 9


def test_a_match_with_our_content_is_unchanged_as_when_asking_first(tmp_path: Path, server: Server) -> None:
    goal = server.put(GOAL["resource"])
    result = fhir(tmp_path).push(BUNDLE, PushContext())
    assert kinds(server) == ["transaction", "batch"]  # the 200 is checked: one search for it
    (search,) = server.requests[1][1]
    assert httpx.URL(search.removeprefix("GET ")).params["identifier"] == GOAL["request"]["ifNoneExist"][11:]
    assert statuses(result)[3] == ("Goal", "unchanged")
    assert [s for i, (_, s) in enumerate(statuses(result)) if i != 3] == ["created"] * 8
    (entry,) = [e for e in result.entries if e.resource_type == "Goal" and e.status == "unchanged"]
    assert (f"Goal/{entry.id}", entry.version) == (goal, "1")
    assert server.store[goal]["meta"]["versionId"] == "1"  # no new version
    plan = next(r for r in server.store.values() if r["resourceType"] == "CarePlan")
    assert {"reference": goal} in plan["goal"]  # the new CarePlan refers to the Goal that was there
    written = Ledger(tmp_path / "ledger.sqlite3").lookup(BASE, [GOAL["request"]["ifNoneExist"]])
    assert written[GOAL["request"]["ifNoneExist"]].version == "1"

    slow = asks_first(tmp_path).push(BUNDLE, PushContext())  # what asking first says of the same state
    assert {s for _, s in statuses(slow)} == {"unchanged"}


def test_a_match_with_other_content_is_the_same_conflict_and_nothing_stays(
    tmp_path: Path, server: Server
) -> None:
    goal = server.put(changed_goal())
    with pytest.raises(ConflictError) as slow:
        asks_first(tmp_path).push(BUNDLE, PushContext())
    assert kinds(server) == ["batch"]  # asking first: refused before anything is sent
    server.requests.clear()

    with pytest.raises(ConflictError) as fast:
        fhir(tmp_path).push(BUNDLE, PushContext())
    assert (fast.value.status, fast.value.outcome) == (slow.value.status, slow.value.outcome)
    problem = fast.value.outcome["issue"][0]
    assert problem["details"]["text"].startswith("Goal (op het doel, niet door fhir-werk geschreven)")
    assert kinds(server) == ["transaction", "batch", "transaction"]  # creates, the check, the withdrawal
    withdrawn = server.requests[2][1]
    assert len(withdrawn) == 8
    assert all(r.startswith("DELETE ") for r in withdrawn)
    assert withdrawn[0].startswith("DELETE Provenance/")  # newest first
    assert list(server.store) == [goal]  # as when asking first: only what was there
    assert server.store[goal]["description"]["text"] == "Door de behandelaar anders gezet."
    assert (
        Ledger(tmp_path / "ledger.sqlite3").lookup(
            BASE, [e["request"]["ifNoneExist"] for e in BUNDLE["entry"]]
        )
        == {}
    )
    (event,) = AuditLog(tmp_path / "audit.sqlite3").query()
    (slow_event,) = AuditLog(tmp_path / "slow-audit.sqlite3").query()
    assert (event["outcome"], event["outcomeDesc"]) == (slow_event["outcome"], slow_event["outcomeDesc"])
    assert len(event["entity"]) == len(slow_event["entity"]) == 1  # the patient; nothing written


def test_when_the_withdrawal_is_refused_the_conflict_stands_and_the_ledger_keeps_what_stayed(
    tmp_path: Path, server: Server
) -> None:
    server.refuse_delete = True
    server.put(changed_goal())
    with pytest.raises(ConflictError) as caught:
        fhir(tmp_path).push(BUNDLE, PushContext())
    assert caught.value.status == 412
    assert len(server.store) == 9
    rows = Ledger(tmp_path / "ledger.sqlite3").lookup(
        BASE, [e["request"]["ifNoneExist"] for e in BUNDLE["entry"]]
    )
    assert GOAL["request"]["ifNoneExist"] not in rows  # ours, not the conflicting one
    assert len(rows) == 8
    (event,) = AuditLog(tmp_path / "audit.sqlite3").query()
    assert event["outcome"] == "4"
    assert len(event["entity"]) == 1 + 8  # the patient and what stayed written

    server.refuse_delete = False
    forced = fhir(tmp_path).push(BUNDLE, PushContext(force=True))  # the ledger knows them: asks first
    assert ("Goal", "updated") in statuses(forced)


def test_force_after_a_200_follows_with_an_update_guarded_by_if_match(tmp_path: Path, server: Server) -> None:
    goal = server.put(changed_goal())
    result = fhir(tmp_path).push(BUNDLE, PushContext(force=True))
    assert kinds(server) == ["transaction", "batch", "transaction"]
    (put,) = server.requests[2][1]
    assert put == f"PUT {goal}"
    assert statuses(result)[3] == ("Goal", "updated")
    assert server.store[goal]["description"] == GOAL["resource"]["description"]
    assert server.store[goal]["meta"]["versionId"] == "2"
    assert "--force" in AuditLog(tmp_path / "audit.sqlite3").query()[-1]["outcomeDesc"]
    written = Ledger(tmp_path / "ledger.sqlite3").lookup(BASE, [GOAL["request"]["ifNoneExist"]])
    assert written[GOAL["request"]["ifNoneExist"]].version == "2"


def test_a_response_identifier_of_another_patient_is_refused_and_withdrawn(
    tmp_path: Path, server: Server
) -> None:
    theirs = server.put({**copy.deepcopy(QR["resource"]), "subject": {"reference": "Patient/iemand-anders"}})
    with pytest.raises(ConflictError) as caught:
        fhir(tmp_path).push(BUNDLE, PushContext())
    assert caught.value.status == 409
    assert "andere patiënt" in caught.value.outcome["issue"][0]["details"]["text"]
    assert list(server.store) == [theirs]  # nothing for our patient refers to their response


def test_the_callers_bundle_is_left_as_it_was(tmp_path: Path, server: Server) -> None:
    before = copy.deepcopy(BUNDLE)
    server.put(GOAL["resource"])
    fhir(tmp_path).push(BUNDLE, PushContext())
    fhir(tmp_path).push(BUNDLE, PushContext())
    assert before == BUNDLE


def test_a_target_without_withdraw_keeps_asking_first(tmp_path: Path, server: Server) -> None:
    result: Any = asks_first(tmp_path).push(BUNDLE, PushContext())
    assert {s for _, s in statuses(result)} == {"created"}
    assert kinds(server) == ["batch", "transaction"]
