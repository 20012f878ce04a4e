"""``fhir-werk push`` through typer's CliRunner: output, exit codes, secrets kept out of sight."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import respx
from typer.testing import CliRunner

import fhir_werk.cli._push  # noqa: F401  (registers the command on the app)
from fhir_werk.cli._app import app
from fhir_werk.delivery._audit import AuditLog

BUNDLE_FILE = Path(__file__).parent / "fixtures" / "push" / "bundle.json"
BASE = "http://epd.test/fhir"
runner = CliRunner()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.setenv("FHIR_WERK_FILE_DIRECTORY", str(tmp_path / "uit"))
    monkeypatch.setenv("FHIR_WERK_ACTOR", "j.jansen")
    monkeypatch.setenv("FHIR_WERK_AUDIT_PATH", str(tmp_path / "audit.sqlite3"))
    monkeypatch.setenv("FHIR_WERK_LEDGER_PATH", str(tmp_path / "ledger.sqlite3"))
    return tmp_path


@pytest.fixture
def server() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=BASE, assert_all_called=False) as mock:
        mock.get("/metadata").respond(
            200,
            json={
                "resourceType": "CapabilityStatement",
                "rest": [{"mode": "server", "interaction": [{"code": "transaction"}]}],
            },
        )
        # Searches for what fhir-werk wrote before (by extraction identifier): nothing yet.
        mock.route(method="GET", path__regex=r"/[A-Za-z]+$").respond(
            200, json={"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
        )
        yield mock


def transaction_reply(status: str) -> dict[str, Any]:
    entries = json.loads(BUNDLE_FILE.read_text(encoding="utf-8"))["entry"]
    replies = [
        {"response": {"status": status, "location": f"{e['resource']['resourceType']}/{i}/_history/1"}}
        for i, e in enumerate(entries, 1)
    ]
    return {"resourceType": "Bundle", "type": "transaction-response", "entry": replies}


def test_push_to_a_named_adapter_prints_a_table_and_audits(env: Path) -> None:
    result = runner.invoke(app, ["push", str(BUNDLE_FILE), "--target", "file"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["Resource", "Id", "Status", "Locatie"]
    assert lines[1].split() == ["QuestionnaireResponse", "-", "aangemaakt", "push-careplan-1.json"]
    assert len(lines) == 10
    (event,) = AuditLog(env / "audit.sqlite3").query()
    assert event["agent"][0]["who"] == {"identifier": {"value": "j.jansen"}}
    where = (env / "uit").resolve().as_uri()
    assert result.stderr == f"Verstuurd naar {where}: 9 aangemaakt. AuditEvent {event['id']} vastgelegd.\n"
    again = runner.invoke(app, ["push", str(BUNDLE_FILE), "--target", "file"])
    assert again.exit_code == 0
    assert again.stdout.splitlines()[1].split()[2:4] == ["ongewijzigd", "(stond"]


def test_refusal_exits_3_with_the_outcome_and_sends_nothing(env: Path) -> None:
    result = runner.invoke(app, ["push", str(BUNDLE_FILE), "--target", "file", "--recipient", "uwv"])
    assert result.exit_code == 3
    outcome = json.loads(result.stdout)
    assert outcome["issue"][0]["code"] == "forbidden"
    assert result.stderr == (
        "fout: Geen actieve toestemming van de patiënt om te delen met 'uwv' voor doel 're-integratie'. "
        "De toestemming noemt 'uwv' niet als ontvanger (wel: werkgever). "
        "[Consent.provision.provision.actor.role]\n"
    )
    assert not (env / "uit").exists() or list((env / "uit").iterdir()) == []
    assert [e["outcome"] for e in AuditLog(env / "audit.sqlite3").query()] == ["4"]


def test_dry_run_shows_what_would_be_sent(env: Path) -> None:
    result = runner.invoke(
        app, ["push", str(BUNDLE_FILE), "--target", "file", "--recipient", "werkgever", "--dry-run"]
    )
    assert result.exit_code == 0
    rows = [line.split()[0] for line in result.stdout.splitlines()[1:] if "zou worden verstuurd" in line]
    assert rows == ["Goal", "Goal", "CarePlan", "Consent"]
    assert result.stderr == "Proefrun: er is niets verstuurd.\n"
    assert not (env / "audit.sqlite3").exists()


def test_url_target_with_a_bearer_token_from_the_environment(
    env: Path, server: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EPD_TOKEN", "geheim-token-42")
    post = server.post(BASE).respond(200, json=transaction_reply("201 Created"))
    args = ["push", str(BUNDLE_FILE), "--target", BASE, "--auth", "bearer", "--token-env", "EPD_TOKEN"]
    result = runner.invoke(app, [*args, "--audit-db", str(env / "elders.sqlite3")])
    assert result.exit_code == 0, result.output
    assert post.calls.last.request.headers["Authorization"] == "Bearer geheim-token-42"
    assert "geheim-token-42" not in result.output
    assert result.stdout.splitlines()[7].split() == ["CarePlan", "7", "aangemaakt", "CarePlan/7/_history/1"]
    assert len(AuditLog(env / "elders.sqlite3").query()) == 1


def test_remote_failure_exits_3_without_leaking_the_password(
    env: Path, server: respx.MockRouter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EPD_WACHTWOORD", "zeer-geheim-99")
    server.post(BASE).respond(401, text="Unauthorized")
    args = [
        "push",
        str(BUNDLE_FILE),
        "--target",
        BASE,
        "--auth",
        "basic",
        "--user",
        "fw",
        "--password-env",
        "EPD_WACHTWOORD",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 3
    assert result.stderr.startswith("fout: De server weigerde de toegang (HTTP 401 Unauthorized).")
    assert "zeer-geheim-99" not in result.output


def test_password_variable_that_is_missing_exits_1(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GEEN_WACHTWOORD", raising=False)
    args = [
        "push",
        str(BUNDLE_FILE),
        "--target",
        BASE,
        "--auth",
        "basic",
        "--user",
        "u",
        "--password-env",
        "GEEN_WACHTWOORD",
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert (
        result.stderr
        == "fout: Omgevingsvariabele 'GEEN_WACHTWOORD' is leeg of bestaat niet. [password-env]\n"
    )


def test_unknown_adapter_exits_2(env: Path) -> None:
    result = runner.invoke(app, ["push", str(BUNDLE_FILE), "--target", "onbekend-epd"])
    assert result.exit_code == 2
    assert result.stderr.startswith("fout: Onbekende adapter 'onbekend-epd'; bekend zijn: ")


def test_unreadable_or_wrong_input_exits_2(env: Path, tmp_path: Path) -> None:
    broken = tmp_path / "kapot.json"
    broken.write_text("{niet json", encoding="utf-8")
    patient = tmp_path / "patient.json"
    patient.write_text(json.dumps({"resourceType": "Patient"}), encoding="utf-8")
    first = runner.invoke(app, ["push", str(broken), "--target", "file"])
    second = runner.invoke(app, ["push", str(patient), "--target", "file"])
    assert (first.exit_code, second.exit_code) == (2, 2)
    assert first.stderr == f"fout: Bestand '{broken}' is geen geldige JSON (regel 1, kolom 2).\n"
    assert second.stderr == (
        f"fout: Bestand '{patient}' is geen Bundle of QuestionnaireResponse maar een Patient."
        " [resourceType]\n"
    )


def test_unknown_recipient_exits_1(env: Path) -> None:
    result = runner.invoke(app, ["push", str(BUNDLE_FILE), "--target", "file", "--recipient", "buurman"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["issue"][0]["expression"] == ["recipient"]


def test_a_response_is_extracted_then_pushed(env: Path) -> None:
    root = Path(__file__).parents[1]
    response = root / "questionnaires/voorbeelden/QuestionnaireResponse-mohamed-ziek-met-contract.json"
    result = runner.invoke(app, ["push", str(response), "--target", "file"])
    assert result.exit_code == 0, result.output
    written = json.loads(next((env / "uit").glob("*.json")).read_text(encoding="utf-8"))
    golden = json.loads(
        (root / "tests/golden/mohamed-ziek-met-contract.bundle.json").read_text(encoding="utf-8")
    )
    assert written == golden
