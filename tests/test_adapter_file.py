"""The file adapter: atomic, write-once bundles and NDJSON folders."""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path

import pytest

from fhir_werk.adapters.file import (  # type: ignore[import-not-found]
    STALE_AFTER_S,
    FileAdapter,
    FileAdapterSettings,
    bundle_name,
    remove_stale_temporaries,
    write_once,
)
from fhir_werk.delivery import PushContext, get_adapter
from fhir_werk.delivery._audit import AuditLog
from fhir_werk.shared._outcomes import ConsentRefusedError, RemoteConflictError

BUNDLE = json.loads((Path(__file__).parent / "fixtures" / "push" / "bundle.json").read_text(encoding="utf-8"))


def make(tmp_path: Path, format: str = "bundle", **settings: object) -> FileAdapter:
    options = FileAdapterSettings(directory=tmp_path / "uit", format=format, **settings)
    return FileAdapter(options, audit=AuditLog(tmp_path / "audit.sqlite3"))


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_bundle_is_written_once_under_its_stable_name(tmp_path: Path) -> None:
    adapter = make(tmp_path)
    first = adapter.push(BUNDLE, PushContext())
    assert files(tmp_path / "uit") == ["push-careplan-1.json"]
    assert json.loads((tmp_path / "uit" / "push-careplan-1.json").read_text(encoding="utf-8")) == BUNDLE
    assert {e.status for e in first.entries} == {"created"}
    assert first.entries[0].location == "push-careplan-1.json"
    second = adapter.push(BUNDLE, PushContext())
    assert {e.status for e in second.entries} == {"unchanged"}
    assert first.audit_event["agent"][1]["network"]["address"] == (tmp_path / "uit").resolve().as_uri()


def test_a_changed_bundle_is_a_new_version_beside_the_first_never_an_overwrite(tmp_path: Path) -> None:
    # An amended response yields the same identities with new content: the first file stays as
    # it was and the update goes next to it, as conditional updates an importing EPD applies.
    adapter = make(tmp_path)
    adapter.push(BUNDLE, PushContext())
    changed = copy.deepcopy(BUNDLE)
    changed["entry"][3]["resource"]["lifecycleStatus"] = "completed"
    result = adapter.push(changed, PushContext())
    (later,) = set(files(tmp_path / "uit")) - {"push-careplan-1.json"}
    assert later.startswith("push-careplan-1.")
    assert later.endswith(".json")
    assert json.loads((tmp_path / "uit" / "push-careplan-1.json").read_text(encoding="utf-8")) == BUNDLE
    update = json.loads((tmp_path / "uit" / later).read_text(encoding="utf-8"))
    goal = update["entry"][3]
    assert goal["resource"]["lifecycleStatus"] == "completed"
    assert goal["request"] == {"method": "PUT", "url": "Goal?" + BUNDLE["entry"][3]["request"]["ifNoneExist"]}
    assert [e.status for e in result.entries].count("updated") == 1
    assert {e.status for e in result.entries} == {"updated", "unchanged"}
    assert [e["outcome"] for e in AuditLog(tmp_path / "audit.sqlite3").query()] == ["0", "0"]
    again = adapter.push(changed, PushContext())
    assert {e.status for e in again.entries} == {"unchanged"}
    assert len(files(tmp_path / "uit")) == 2


def test_ndjson_per_resource_type_with_resolved_references(tmp_path: Path) -> None:
    adapter = make(tmp_path, format="ndjson")
    result = adapter.push(BUNDLE, PushContext())
    folder = tmp_path / "uit" / "push-careplan-1"
    assert files(folder) == [
        "CarePlan.ndjson",
        "Consent.ndjson",
        "Goal.ndjson",
        "Observation.ndjson",
        "Provenance.ndjson",
        "QuestionnaireResponse.ndjson",
        "ServiceRequest.ndjson",
    ]
    goals = [json.loads(line) for line in (folder / "Goal.ndjson").read_text(encoding="utf-8").splitlines()]
    assert [g["id"] for g in goals] == [
        "00000000-0000-4000-8000-000000000004",
        "00000000-0000-4000-8000-000000000005",
    ]
    (plan,) = [
        json.loads(line) for line in (folder / "CarePlan.ndjson").read_text(encoding="utf-8").splitlines()
    ]
    assert plan["goal"] == [{"reference": f"Goal/{g['id']}"} for g in goals]
    assert "urn:uuid" not in "".join(p.read_text(encoding="utf-8") for p in folder.iterdir())
    assert (result.entries[3].id, result.entries[3].location) == (
        goals[0]["id"],
        "push-careplan-1/Goal.ndjson",
    )
    again = adapter.push(BUNDLE, PushContext())
    assert {e.status for e in again.entries} == {"unchanged"}


def test_ndjson_folder_is_not_overwritten(tmp_path: Path) -> None:
    adapter = make(tmp_path, format="ndjson")
    adapter.push(BUNDLE, PushContext())
    changed = copy.deepcopy(BUNDLE)
    changed["entry"][6]["resource"]["status"] = "revoked"
    result = adapter.push(changed, PushContext())
    assert '"status":"active"' in (tmp_path / "uit" / "push-careplan-1" / "CarePlan.ndjson").read_text(
        encoding="utf-8"
    )
    (later,) = {p.name for p in (tmp_path / "uit").iterdir()} - {"push-careplan-1"}
    assert '"status":"revoked"' in (tmp_path / "uit" / later / "CarePlan.ndjson").read_text(encoding="utf-8")
    assert [e.resource_type for e in result.entries if e.status == "updated"] == ["CarePlan"]


def test_no_temporary_files_are_left(tmp_path: Path) -> None:
    adapter = make(tmp_path, format="ndjson")
    adapter.push(BUNDLE, PushContext())
    make(tmp_path).push(BUNDLE, PushContext())
    assert [p.name for p in (tmp_path / "uit").iterdir() if p.name.startswith(".tmp-")] == []


def test_write_once_does_not_replace_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    assert write_once(path, b"een") == "created"
    assert write_once(path, b"een") == "unchanged"
    with pytest.raises(RemoteConflictError):
        write_once(path, b"twee")
    assert path.read_bytes() == b"een"


def test_only_the_permitted_part_is_written_for_a_third_party(tmp_path: Path) -> None:
    result = make(tmp_path).push(BUNDLE, PushContext(recipient="werkgever"))
    written = json.loads((tmp_path / "uit" / "push-careplan-1.json").read_text(encoding="utf-8"))
    assert [e["resource"]["resourceType"] for e in written["entry"]] == [
        "Goal",
        "Goal",
        "CarePlan",
        "Consent",
    ]
    assert [e.status for e in result.entries].count("refused") == 5


def test_consent_in_an_earlier_bundle_permits(tmp_path: Path) -> None:
    adapter = make(tmp_path)
    adapter.push(BUNDLE, PushContext())  # the own EPD gets everything, the Consent included
    later = copy.deepcopy(BUNDLE)
    later["entry"] = [
        e for e in later["entry"] if e["resource"]["resourceType"] not in ("Consent", "CarePlan")
    ]
    assert adapter.existing_consents("Patient/fw-push-1")[0]["resourceType"] == "Consent"
    assert adapter.existing_consents("Patient/iemand-anders") == []
    result = make(tmp_path, format="ndjson").push(later, PushContext(recipient="werkgever"))
    assert result.decision.permitted
    with pytest.raises(ConsentRefusedError):
        make(tmp_path).push(later, PushContext(recipient="uwv"))


def test_audit_event_written_next_to_the_bundles(tmp_path: Path) -> None:
    result = make(tmp_path, send_audit=True).push(BUNDLE, PushContext())
    stored = tmp_path / "uit" / "audit" / f"{result.audit_event['id']}.json"
    assert json.loads(stored.read_text(encoding="utf-8")) == result.audit_event
    assert result.audit_sent is True


def test_name_falls_back_to_the_first_stable_identifier_then_a_hash() -> None:
    no_plan = {**BUNDLE, "entry": [e for e in BUNDLE["entry"] if e["resource"]["resourceType"] != "CarePlan"]}
    assert bundle_name(no_plan) == "push-qr-1"
    bare = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"resource": {"resourceType": "Goal"}}],
    }
    assert len(bundle_name(bare)) == 32
    assert bundle_name(bare) == bundle_name(copy.deepcopy(bare))


def test_registry_builds_it_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("FHIR_WERK_FILE_DIRECTORY", str(tmp_path / "epd-import"))
    monkeypatch.setenv("FHIR_WERK_FILE_FORMAT", "ndjson")
    adapter = get_adapter("file", audit=AuditLog(tmp_path / "a.sqlite3"))
    assert isinstance(adapter, FileAdapter)
    assert adapter.settings.format == "ndjson"


def test_stale_temporaries_of_dead_writers_are_removed_fresh_ones_kept(tmp_path: Path) -> None:
    folder = tmp_path / "uit"
    folder.mkdir()
    stale_file, stale_dir, fresh = folder / ".tmp-dood", folder / ".tmp-doodmap", folder / ".tmp-bezig"
    stale_file.write_bytes(b"half")
    stale_dir.mkdir()
    (stale_dir / "Goal.ndjson").write_bytes(b"{}")
    fresh.write_bytes(b"wordt geschreven")
    old = time.time() - 2 * STALE_AFTER_S
    for path in (stale_file, stale_dir):
        os.utime(path, (old, old))
    make(tmp_path).push(BUNDLE, PushContext())
    assert sorted(p.name for p in folder.iterdir()) == [".tmp-bezig", "push-careplan-1.json"]
    assert remove_stale_temporaries(folder, now=time.time() + 2 * STALE_AFTER_S) == [".tmp-bezig"]
