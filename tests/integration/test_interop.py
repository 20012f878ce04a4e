"""``fhir-werk interop`` against the real HAPI FHIR JPA test server."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from fhir_werk.cli import app
from fhir_werk.client import _client
from fhir_werk.client._retry import RetryPolicy
from fhir_werk.extraction._extract import extract
from fhir_werk.publishing._artifacts import published

from hapi_kit import HapiCleanup

pytestmark = pytest.mark.hapi
ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "questionnaires" / "voorbeelden").glob("*.json"))


def _run(fhir_server_url: str, tmp_path: Path, cleanup: HapiCleanup, *extra: str) -> dict[str, Any]:
    """One interop run; what it created (the examples' people and data) is removed after the test."""
    report = tmp_path / "interop.json"
    result = CliRunner().invoke(app, ["interop", "--base", fhir_server_url, "--report", str(report), *extra])
    data: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
    cleanup.add(*data["created"])
    assert result.exit_code == 0, [c for c in data["checks"] if c["outcome"] != "ok"]
    return data


def test_cleanup_removes_what_the_run_created(
    fhir_server_url: str, tmp_path: Path, hapi_cleanup: HapiCleanup
) -> None:
    report = _run(fhir_server_url, tmp_path, hapi_cleanup, "--cleanup")
    # The configuration it uploads was on the server already (conftest's fhir_server_url): the run
    # created the examples' people and data only, and only that is cleaned up.
    uploaded = {c["resource"] for c in report["checks"] if c["check"] == "upload"}
    assert uploaded
    assert uploaded.isdisjoint(report["created"])
    assert {name.split("/")[0] for name in report["created"]} >= {"Patient", "CarePlan", "Goal"}
    cleaned = [c for c in report["checks"] if c["check"] == "opruimen"]
    assert len(cleaned) == len(set(report["created"]))
    for name in report["created"]:
        status = httpx.get(
            f"{fhir_server_url}/{name}", headers={"Accept": "application/fhir+json"}, timeout=30
        )
        assert status.status_code in (404, 410), name


def test_interop_has_no_errors_and_no_fixable_warnings(
    fhir_server_url: str, tmp_path: Path, hapi_cleanup: HapiCleanup
) -> None:
    report = _run(fhir_server_url, tmp_path, hapi_cleanup)
    assert report["errors"] == 0
    assert report["warnings"] == 0, [c["messages"] for c in report["checks"] if c["outcome"] == "warning"]
    assert report["software"].startswith("HAPI FHIR")
    kinds = {c["check"] for c in report["checks"]}
    assert {
        "capabilities",
        "upload",
        "$validate",
        "transactie",
        "teruglezen + $validate",
        "transactie opnieuw",
        "geen dubbelingen",
    } <= kinds
    uploads = [c for c in report["checks"] if c["check"] == "upload"]
    assert len(uploads) == len(published().resources)
    # Per claimed profile: every published resource that claims it was validated, none failed.
    claims = [p for r in published().resources for p in r.get("meta", {}).get("profile", [])]
    assert claims
    assert report["profiles"] == {p: {"validated": claims.count(p), "errors": 0} for p in set(claims)}


def test_idempotency_check_really_posted_twice(
    fhir_server_url: str, tmp_path: Path, hapi_cleanup: HapiCleanup
) -> None:
    report = _run(fhir_server_url, tmp_path, hapi_cleanup)
    assert report["transactions_posted"] == 2 * len(EXAMPLES)
    duplicates = [c for c in report["checks"] if c["check"] == "geen dubbelingen"]
    assert len(duplicates) == len(EXAMPLES)
    assert all(c["outcome"] == "ok" for c in duplicates)
    # The server holds exactly one CarePlan per example after all the posting.
    for path in EXAMPLES:
        bundle = extract(json.loads(path.read_text(encoding="utf-8")))
        plan = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "CarePlan")
        identifier = plan["identifier"][0]
        found = httpx.get(
            f"{fhir_server_url}/CarePlan",
            params={"identifier": f"{identifier['system']}|{identifier['value']}", "_summary": "count"},
            headers={"Accept": "application/fhir+json"},
            timeout=30,
        ).json()
        assert found["total"] == 1, path.name


def test_cli_exits_3_when_the_server_is_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every request is retried after a backoff before it counts as failed; those waits (two
    # minutes over the whole run) are recorded here instead of slept.
    waits: list[float] = []
    monkeypatch.setattr(_client, "RetryPolicy", partial(RetryPolicy, sleep=waits.append))
    result = CliRunner().invoke(app, ["interop", "--base", "http://127.0.0.1:9/fhir", "--timeout", "2"])
    assert result.exit_code == 3
    assert "fouten" in result.stderr
    assert waits  # the unreachable server was tried again before the run gave up
