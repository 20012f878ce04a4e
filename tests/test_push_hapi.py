"""The fhir adapter against the real HAPI FHIR test server (validation and referential integrity on)."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

import fhir_werk.cli._push  # noqa: F401  (registers the command on the app)
from fhir_werk.adapters.fhir import FhirAdapter, FhirAdapterSettings  # type: ignore[import-not-found]
from fhir_werk.cli._app import app
from fhir_werk.client._client import FhirClient
from fhir_werk.delivery import PushContext, PushResult
from fhir_werk.delivery._audit import AuditLog
from fhir_werk.shared._outcomes import RemoteRejectedError, Resource

pytestmark = pytest.mark.hapi

BUNDLE_FILE = Path(__file__).parent / "fixtures" / "push" / "bundle.json"
EXTRACTION = "https://fhir-werk.nl/fhir/NamingSystem/extractie"
EXAMPLE = "https://fhir-werk.nl/fhir/NamingSystem/voorbeeld"
DOELSOORT = "https://fhir-werk.nl/fhir/CodeSystem/doelsoort"
MakeAdapter = Callable[..., FhirAdapter]


def bundle_for(patient_id: str) -> Resource:
    """The fixture bundle for this patient, with identifiers unique to it."""
    text = BUNDLE_FILE.read_text(encoding="utf-8").replace("Patient/fw-push-1", f"Patient/{patient_id}")
    bundle: Resource = json.loads(text.replace("push-", f"{patient_id}-"))
    return bundle


@pytest.fixture
def make_adapter(tmp_path: Path) -> Iterator[MakeAdapter]:
    """Adapters that build their own HTTP client, as the CLI's do; closed after the test."""
    built: list[FhirAdapter] = []

    def make(url: str, mode: str = "auto", **settings: object) -> FhirAdapter:
        options = FhirAdapterSettings(base_url=url, mode=mode, timeout=60, **settings)
        built.append(FhirAdapter(options, audit=AuditLog(tmp_path / "audit.sqlite3")))
        return built[-1]

    yield make
    for adapter in built:
        adapter.close()


def on_server(client: FhirClient, resource_type: str, patient_id: str) -> list[Resource]:
    param = "patient" if resource_type == "Consent" else "subject"
    found = client.search(resource_type, {param: f"Patient/{patient_id}"}, follow_next=True)
    return [e["resource"] for e in found.get("entry", [])]


def assert_linked(client: FhirClient, result: PushResult) -> None:
    """The CarePlan on the server refers to the Goals the push created (urn:uuid resolved)."""
    ids = {e.resource_type: e.id for e in result.entries}
    plan = client.read("CarePlan", str(ids["CarePlan"])).resource
    assert plan is not None
    goals = [e.id for e in result.entries if e.resource_type == "Goal"]
    assert [g["reference"] for g in plan["goal"]] == [f"Goal/{g}" for g in goals]


def _codings(value: object) -> Iterator[Resource]:
    if isinstance(value, dict):
        if "system" in value and "code" in value:
            yield value
        for inner in value.values():
            yield from _codings(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _codings(inner)


def published_code_systems() -> dict[str, Resource]:
    """The project's own CodeSystems by canonical URL, as published in questionnaires/fhir."""
    files = (Path(__file__).parents[1] / "questionnaires" / "fhir").glob("CodeSystem-*.json")
    systems = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    return {cs["url"]: cs for cs in systems}


def test_every_code_of_our_own_in_the_fixture_exists() -> None:
    """The fixture once had doelsoort#werk, a code that does not exist: HAPI accepted it while it
    did not know the CodeSystem (a warning) and refused it once it did (422)."""
    systems = published_code_systems()
    ours = [
        c for c in _codings(json.loads(BUNDLE_FILE.read_text(encoding="utf-8"))) if c["system"] in systems
    ]
    assert {c["system"].rsplit("/", 1)[1] for c in ours} >= {"doelsoort", "thema", "werksituatie"}
    unknown = [
        (c["system"], c["code"])
        for c in ours
        if c["code"] not in {k["code"] for k in systems[c["system"]].get("concept", [])}
    ]
    assert unknown == []


def with_goal_category(bundle: Resource, code: str) -> Resource:
    """The bundle with its first Goal's category (fhir-werk's doelsoort) set to ``code``."""
    goal = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal")
    (coding,) = [c for c in goal["category"][0]["coding"] if c["system"] == DOELSOORT]
    coding["code"] = code
    return bundle


def first_goal(bundle: Resource) -> Resource:
    goal: Resource = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Goal")
    return goal


def test_push_after_the_code_systems_outlived_the_servers_cache(
    fhir_server_url: str, client: FhirClient, new_patient: Callable[[], str], make_adapter: MakeAdapter
) -> None:
    """HAPI remembers a validation look-up for a while ("this CodeSystem is unknown" included); the
    test server keeps it 1 ms (tests/fhir-server). Here the CodeSystems have been on the server far
    longer than that, so the server checks each code of ours against them. Issue 23: with HAPI's
    10-minute cache the same push was a warning or a 422 depending on the clock; now what the
    server says depends on the code only. HAPI 8.8 names a code its CodeSystem lacks (the fixture's
    old doelsoort#werk) in a warning and stores the resource; fhir-werk's own guard is
    test_every_code_of_our_own_in_the_fixture_exists."""
    used = {c["system"] for c in _codings(bundle_for("p"))}
    ours = [cs for url, cs in published_code_systems().items() if url in used]
    assert {cs["id"] for cs in ours} >= {"doelsoort", "thema", "werksituatie"}
    for code_system in ours:  # configuration: stored again with the same content, never deleted
        assert client.update(code_system).status == 200  # already there (conftest's fhir_server_url)
    time.sleep(0.05)  # 50 times the server's cache
    adapter = make_adapter(fhir_server_url, mode="transaction")
    right, wrong = bundle_for(new_patient()), with_goal_category(bundle_for(new_patient()), "werk")

    pushed = [adapter.push(bundle, PushContext()) for bundle in (right, wrong)]
    said = [client.validate(first_goal(bundle))["issue"] for bundle in (right, wrong)]

    assert [[e.status for e in result.entries] for result in pushed] == [["created"] * 9] * 2
    about_ours = [
        [(i["severity"], i.get("diagnostics", "")) for i in issues if DOELSOORT in json.dumps(i)]
        for issues in said
    ]
    assert about_ours == [
        [],
        [
            (
                "warning",
                f"Unable to validate code {DOELSOORT}#werk - Code is not found in CodeSystem: {DOELSOORT}",
            )
        ],
    ]
    assert [i for issues in said for i in issues if i["severity"] in ("error", "fatal")] == []


def test_push_twice_creates_each_resource_once(
    fhir_server_url: str, client: FhirClient, patient: str, make_adapter: MakeAdapter
) -> None:
    adapter = make_adapter(fhir_server_url)
    assert adapter.mode() == "transaction"
    first = adapter.push(bundle_for(patient), PushContext())
    assert [e.status for e in first.entries] == ["created"] * 9
    assert_linked(client, first)
    second = adapter.push(bundle_for(patient), PushContext())
    assert [e.status for e in second.entries] == ["unchanged"] * 9
    assert [e.id for e in second.entries] == [e.id for e in first.entries]
    counts = {
        t: len(on_server(client, t, patient))
        for t in ("Observation", "Goal", "ServiceRequest", "CarePlan", "Consent")
    }
    assert counts == {"Observation": 2, "Goal": 2, "ServiceRequest": 1, "CarePlan": 1, "Consent": 1}


def test_batch_fallback_in_layers(
    fhir_server_url: str, client: FhirClient, patient: str, make_adapter: MakeAdapter
) -> None:
    adapter = make_adapter(fhir_server_url, mode="batch")
    first = adapter.push(bundle_for(patient), PushContext())
    assert [e.status for e in first.entries] == ["created"] * 9
    assert first.audit_event["subtype"][1]["code"] == "batch"
    assert_linked(client, first)
    again = adapter.push(bundle_for(patient), PushContext())
    assert [e.status for e in again.entries] == ["unchanged"] * 9
    assert len(on_server(client, "Goal", patient)) == 2


def test_single_requests(
    fhir_server_url: str, client: FhirClient, patient: str, make_adapter: MakeAdapter
) -> None:
    adapter = make_adapter(fhir_server_url, mode="single")
    first = adapter.push(bundle_for(patient), PushContext())
    assert [e.status for e in first.entries] == ["created"] * 9
    assert_linked(client, first)
    again = adapter.push(bundle_for(patient), PushContext())
    assert [e.status for e in again.entries] == ["unchanged"] * 9


def invalid_bundle(patient_id: str) -> Resource:
    bundle = bundle_for(patient_id)
    bundle["entry"][3]["resource"]["lifecycleStatus"] = "misschien"
    return bundle


def test_rejected_resource_reaches_the_user(
    fhir_server_url: str, client: FhirClient, patient: str, tmp_path: Path, make_adapter: MakeAdapter
) -> None:
    with pytest.raises(RemoteRejectedError) as caught:
        make_adapter(fhir_server_url).push(invalid_bundle(patient), PushContext())
    summary, *server_issues = caught.value.outcome["issue"]
    assert (caught.value.status, summary["details"]["text"]) == (
        422,
        "De server weigerde de aanvraag (HTTP 422 Unprocessable Entity).",
    )
    assert any("misschien" in json.dumps(i) for i in server_issues), server_issues
    # The message says what HAPI objected to; the audit log keeps only fhir-werk's own sentence.
    assert "Server: error" in str(caught.value)
    assert "lifecycleStatus" in str(caught.value), str(caught.value)
    assert on_server(client, "Goal", patient) == []  # a transaction is all or nothing
    (event,) = AuditLog(tmp_path / "audit.sqlite3").query()
    assert event["outcome"] == "4"
    assert "misschien" not in json.dumps(event)


def test_rejected_resource_through_the_cli(fhir_server_url: str, patient: str, tmp_path: Path) -> None:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(invalid_bundle(patient)), encoding="utf-8")
    args = ["push", str(path), "--target", fhir_server_url, "--audit-db", str(tmp_path / "a.sqlite3")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3
    assert "misschien" in result.stdout  # HAPI's own OperationOutcome is printed
    line = result.stderr.strip()
    assert line.startswith(
        "fout: De server weigerde de aanvraag (HTTP 422 Unprocessable Entity). Server: error"
    )
    assert "lifecycleStatus" in line, line  # what HAPI objected to, on the one line a user reads


def test_third_party_receives_only_the_permitted_part(
    fhir_server_url: str, client: FhirClient, patient: str, make_adapter: MakeAdapter
) -> None:
    result = make_adapter(fhir_server_url).push(bundle_for(patient), PushContext(recipient="werkgever"))
    sent = [e.resource_type for e in result.entries if e.status == "created"]
    assert sent == ["Goal", "Goal", "CarePlan", "Consent"]
    assert on_server(client, "Observation", patient) == []
    (plan,) = on_server(client, "CarePlan", patient)
    assert "supportingInfo" not in plan


def test_consent_on_the_server_permits_and_audit_event_is_accepted(
    fhir_server_url: str, client: FhirClient, patient: str, make_adapter: MakeAdapter
) -> None:
    adapter = make_adapter(fhir_server_url, send_audit=True)
    own = adapter.push(bundle_for(patient), PushContext(actor="j.jansen", address="10.1.2.3"))
    assert own.audit_sent is True  # HAPI validated and stored our AuditEvent
    later = bundle_for(patient)
    later["entry"] = [e for e in later["entry"] if e["resource"]["resourceType"] != "Consent"]
    shared = adapter.push(later, PushContext(recipient="werkgever"))
    consent_id = next(e.id for e in own.entries if e.resource_type == "Consent")
    assert shared.decision.consent_ref == f"Consent/{consent_id}"
    stored = client.search("AuditEvent", {"entity": f"Patient/{patient}"})
    assert stored.get("total", len(stored.get("entry", []))) == 2


def test_server_is_reachable_with_fhir_json(fhir_server_url: str) -> None:
    response = httpx.get(
        f"{fhir_server_url}/metadata", headers={"Accept": "application/fhir+json"}, timeout=30
    )
    assert response.headers["Content-Type"].startswith("application/fhir+json")


@pytest.mark.parametrize("mode", ["transaction", "batch", "single"])
def test_extraction_output_pushes_in_every_mode(
    fhir_server_url: str, patient: str, make_adapter: MakeAdapter, mode: str
) -> None:
    """A bundle as the extraction writes it (tests/golden) goes in, and a second push adds nothing.
    Its patient and identifiers are this test's own, so nothing another test stored is found."""
    golden = Path(__file__).parent / "golden" / "mohamed-ziek-met-contract.bundle.json"
    text = golden.read_text(encoding="utf-8").replace("Patient/voorbeeld-mohamed", f"Patient/{patient}")
    # Every identifier (and the Provenance's tag) is a digest: give each this test's suffix.
    bundle = json.loads(re.sub(r"\b([0-9a-f]{32})\b", rf"\1-{patient}", text))
    bundle["entry"][0]["resource"]["identifier"]["value"] = patient
    bundle["entry"][0]["request"]["ifNoneExist"] = f"identifier={EXAMPLE}|{patient}"
    adapter = make_adapter(fhir_server_url, mode=mode)
    first = adapter.push(bundle, PushContext())
    assert [e.status for e in first.entries] == ["created"] * len(bundle["entry"])
    again = adapter.push(bundle, PushContext())
    assert [e.status for e in again.entries] == ["unchanged"] * len(bundle["entry"])
    assert [e.id for e in again.entries] == [e.id for e in first.entries]
