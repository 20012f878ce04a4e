"""The JSON in questionnaires/fhir/ is generated from the YAML sources and must be up to date."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from fhir_werk import authoring
from fhir_werk.authoring._generate import default_dirs
from fhir_werk.cli import app


def test_published_files_are_up_to_date_with_the_sources() -> None:
    assert authoring.check() == []


def test_check_reports_a_changed_source(tmp_path: Path) -> None:
    source, out = default_dirs()
    copy = tmp_path / "bron"
    shutil.copytree(source, copy)
    theme = copy / "thema-7-rechten-en-plichten.yaml"
    theme.write_text(
        theme.read_text(encoding="utf-8").replace("Welke vragen hebt u hierover?", "Welke vragen?"),
        encoding="utf-8",
    )
    assert authoring.check(out, copy) == [
        "verouderd: Questionnaire-leidraad-assembled.json",
        "verouderd: Questionnaire-thema-7.json",
        "verouderd: Questionnaire-vervolggesprek-assembled.json",
    ]


def test_write_removes_stale_files_and_is_reproducible(tmp_path: Path) -> None:
    (tmp_path / "Questionnaire-oud.json").write_text("{}", encoding="utf-8")
    names = authoring.write(tmp_path)
    assert not (tmp_path / "Questionnaire-oud.json").exists()
    assert sorted(p.name for p in tmp_path.glob("*.json")) == names
    assert authoring.check(tmp_path) == []


def test_cli_generate_check_exits_zero_when_up_to_date() -> None:
    result = CliRunner().invoke(app, ["generate", "--check"])
    assert result.exit_code == 0, result.output
