"""Wrong settings are wrong use or an unreachable database, each a Dutch OperationOutcome with
its exit code, never an internal error; a password in the database URL is never printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from fhir_werk.cli import app as cli


@pytest.mark.parametrize(
    ("env", "code", "text"),
    [
        (
            {"FHIR_WERK_SERVICE_PORT": "abc"},
            2,
            "Instelling FHIR_WERK_SERVICE_PORT heeft een ongeldige waarde",
        ),
        ({"FHIR_WERK_SERVICE_MAX_ATTEMPTS": "0"}, 2, "FHIR_WERK_SERVICE_MAX_ATTEMPTS"),
        ({"FHIR_WERK_SERVICE_AUTH_ISSUER": "   "}, 2, "FHIR_WERK_SERVICE_AUTH_ISSUER"),
        ({"FHIR_WERK_SERVICE_AUTH_AUDIENCE": " "}, 2, "FHIR_WERK_SERVICE_AUTH_AUDIENCE"),
        ({"FHIR_WERK_DATABASE_URL": "onzin"}, 2, "De database-URL (FHIR_WERK_DATABASE_URL) is ongeldig"),
        ({"FHIR_WERK_DATABASE_URL": "mysql://x:geheim@127.0.0.1:1/db"}, 2, "zonder stuurprogramma"),
        (
            {"FHIR_WERK_DATABASE_URL": "postgresql+psycopg://x:geheim@127.0.0.1:1/db"},
            3,
            "De database is niet bereikbaar",
        ),
    ],
)
@pytest.mark.parametrize("command", [["outbox", "list"], ["worker", "--once"], ["serve"]])
def test_bad_settings(tmp_path: Path, env: dict[str, str], code: int, text: str, command: list[str]) -> None:
    result = CliRunner().invoke(cli, command, env={"FHIR_WERK_DATA_DIR": str(tmp_path)} | env)
    assert result.exit_code == code, result.output
    assert text in result.output
    assert "geheim" not in result.output
    assert "Interne fout" not in result.output
