"""The fhir adapter against the real HAPI FHIR test server (validation and referential integrity on)."""

from __future__ import annotations

import json
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


def remove(fhir_server_url: str, *names: str) -> None:
    """Delete what a test put on the server, with whatever refers to it (the test server's
    CascadingDeleteInterceptor), so no other test sees it."""
    for name in names:
        response = httpx.delete(
            f"{fhir_server_url}/{name}",
            params={"_cascade": "delete"},
            headers={"Accept": "application/fhir+json"},
            timeout=60,
        )
        assert response.status_code in (200, 204, 404), response.text[:2000]


@pytest.fixture
def patient(patient: str, fhir_server_url: str) -> Iterator[str]:
    """The suite's fresh Patient, and after the test everything pushed for it is deleted."""
    yield patient
    remove(fhir_server_url, f"Patient/{patient}")


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


def test_push_is_accepted_while_our_code_systems_are_on_the_server(
    fhir_server_url: str, client: FhirClient, patient: str, make_adapter: MakeAdapter
) -> None:
    """With our CodeSystems stored, the server checks every code of ours in the fixture, as it
    does after the interop tests. They are the server's configuration (the same published content
    on every PUT) and stay: deleting a CodeSystem and storing it again can fail in HAPI 8.8 (409,
    unique index on TRM_CODESYSTEM_VER)."""
    used = {c["system"] for c in _codings(bundle_for(patient))}
    stored = [cs for url, cs in published_code_systems().items() if url in used]
    assert len(stored) >= 3
    for code_system in stored:
        client.update(code_system)
    result = make_adapter(fhir_server_url, mode="transaction").push(bundle_for(patient), PushContext())
    assert [e.status for e in result.entries] == ["created"] * 9


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
    fhir_server_url: str, client: FhirClient, make_adapter: MakeAdapter, mode: str
) -> None:
    """A bundle as the extraction writes it (tests/golden) goes in, and a second push adds nothing."""
    golden = Path(__file__).parent / "golden" / "mohamed-ziek-met-contract.bundle.json"
    bundle = json.loads(golden.read_text(encoding="utf-8"))
    people = ["Patient/voorbeeld-mohamed", "Practitioner/voorbeeld-behandelaar"]
    for name in people:
        kind, ident = name.split("/")
        client.update({"resourceType": kind, "id": ident, "name": [{"family": "Voorbeeld"}]})
    try:
        adapter = make_adapter(fhir_server_url, mode=mode)
        first = adapter.push(bundle, PushContext())
        # The interop tests may have stored this example before: found, not created twice.
        assert {e.status for e in first.entries} <= {"created", "unchanged"}
        again = adapter.push(bundle, PushContext())
        assert [e.status for e in again.entries] == ["unchanged"] * len(bundle["entry"])
        assert [e.id for e in again.entries] == [e.id for e in first.entries]
    finally:
        # The patient with all that was pushed for it; the practitioner is every test's shared author.
        remove(fhir_server_url, people[0])
