"""Output files are written whole or not at all: ``extract -o``, ``package --out``, ``push --force``."""

from __future__ import annotations

import errno
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from fhir_werk.cli import app
from fhir_werk.delivery import PushContext, PushEntry

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-mohamed-ziek-met-contract.json"
GOLDEN = ROOT / "tests" / "golden" / "mohamed-ziek-met-contract.bundle.json"
GOOD = b'{"resourceType": "Bundle", "type": "transaction", "entry": []}\n'
runner = CliRunner()


def first_issue(result: Result) -> dict[str, Any]:
    issue: dict[str, Any] = json.loads(result.stdout)["issue"][0]
    return issue


@pytest.fixture
def existing(tmp_path: Path) -> Path:
    folder = tmp_path / "uitvoer"
    folder.mkdir()
    path = folder / "bundel.json"
    path.write_bytes(GOOD)
    path.chmod(0o640)
    return path


def test_extract_replaces_the_file_whole_and_keeps_its_mode(existing: Path) -> None:
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-o", str(existing)])
    assert result.exit_code == 0, result.output
    assert json.loads(existing.read_text(encoding="utf-8")) == json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert existing.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in existing.parent.iterdir()) == ["bundel.json"]
    assert result.stderr.startswith("Bundel: ")


def test_a_new_file_gets_the_mode_of_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "nieuw.json"
    mask = os.umask(0o022)
    try:
        result = runner.invoke(app, ["extract", str(EXAMPLE), "-o", str(target)])
    finally:
        os.umask(mask)
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o777 == 0o644


def test_invalid_input_leaves_an_existing_file_as_it_was(existing: Path, tmp_path: Path) -> None:
    broken = tmp_path / "kapot.json"
    broken.write_text("{", encoding="utf-8")
    result = runner.invoke(app, ["extract", str(broken), "-o", str(existing)])
    assert result.exit_code == 2
    assert existing.read_bytes() == GOOD
    assert sorted(p.name for p in existing.parent.iterdir()) == ["bundel.json"]


@pytest.mark.parametrize("where", ["write", "fsync", "replace"])
def test_a_failing_write_is_exit_3_keeps_the_file_and_leaves_no_temporary_file(
    where: str, existing: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    if where == "write":
        monkeypatch.setattr("fhir_werk.cli._io.os.fdopen", lambda *_a, **_k: full())
    elif where == "fsync":
        monkeypatch.setattr("fhir_werk.cli._io.os.fsync", full)
    else:
        monkeypatch.setattr("fhir_werk.cli._io.os.replace", full)
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-o", str(existing)])
    assert result.exit_code == 3, result.output
    issue = first_issue(result)
    assert (issue["code"], issue["expression"]) == ("exception", ["--output"])
    assert issue["details"]["text"] == (
        f"Kan niet schrijven naar '{existing}': de schijf is vol. Er is niets veranderd."
    )
    assert existing.read_bytes() == GOOD
    assert sorted(p.name for p in existing.parent.iterdir()) == ["bundel.json"]


PROC = Path("/proc")


@pytest.mark.parametrize("name", ["bundel.json", "version"], ids=["new-file", "existing-file"])
def test_an_unwritable_folder_is_exit_3(name: str) -> None:
    # /proc is a folder in which no one can create a file, root included (CI runs as root, and a
    # chmod 500 folder does not stop root). "version" exists there: it must keep its bytes.
    assert (PROC / "self").is_dir(), "this test runs on Linux with procfs, as CI does"
    target = PROC / name
    before = target.read_bytes() if target.exists() else None
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-o", str(target)])
    assert result.exit_code == 3, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    issue = first_issue(result)
    assert (issue["severity"], issue["code"], issue["expression"]) == ("error", "exception", ["--output"])
    text = issue["details"]["text"]
    assert text.startswith(f"Kan niet schrijven naar '{target}': "), text
    assert text.endswith(". Er is niets veranderd."), text
    if before is None:
        assert not target.exists()
    else:
        assert target.read_bytes() == before
    assert not list(PROC.glob(f".{name}.*.tmp"))


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("geen-map/bundel.json", "De map '{root}/geen-map' bestaat niet; maak haar eerst aan."),
        ("een-map", "'{root}/een-map' is een map; geef de naam van een bestand."),
        ("een-bestand/bundel.json", "'{root}/een-bestand' is geen map."),
    ],
)
def test_an_output_path_that_can_never_be_a_file_is_wrong_use_exit_2(
    name: str, text: str, tmp_path: Path
) -> None:
    (tmp_path / "een-map").mkdir()
    (tmp_path / "een-bestand").write_bytes(b"blijft")
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = runner.invoke(app, ["extract", str(EXAMPLE), "-o", str(tmp_path / name)])
    assert result.exit_code == 2
    issue = first_issue(result)
    assert (issue["code"], issue["expression"]) == ("invalid", ["--output"])
    assert issue["details"]["text"] == text.format(root=tmp_path)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert (tmp_path / "een-bestand").read_bytes() == b"blijft"


def test_package_writes_through_a_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = runner.invoke(app, ["package", "--out", str(tmp_path / "dist")])
    assert first.exit_code == 0, first.output
    (package,) = (tmp_path / "dist").iterdir()
    before = package.read_bytes()

    def full(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("fhir_werk.cli._io.os.replace", full)
    second = runner.invoke(app, ["package", "--out", str(tmp_path / "dist")])
    assert second.exit_code == 3
    assert first_issue(second)["expression"] == ["--out"]
    assert package.read_bytes() == before
    assert [p.name for p in (tmp_path / "dist").iterdir()] == [package.name]


def test_package_into_a_file_is_wrong_use_exit_2(tmp_path: Path) -> None:
    (tmp_path / "dist").write_bytes(b"blijft")
    result = runner.invoke(app, ["package", "--out", str(tmp_path / "dist")])
    assert result.exit_code == 2
    assert first_issue(result)["details"]["text"] == f"'{tmp_path / 'dist'}' is geen map."


# --- push: --force, and every status of the result with a Dutch label --------------------------------


@dataclass
class FakeResult:
    entries: tuple[PushEntry, ...]
    audit_event: dict[str, Any]


class FakeAdapter:
    address = "epd://test"

    def __init__(self, statuses: list[str]) -> None:
        self.statuses = statuses
        self.context: PushContext | None = None

    def push(self, bundle: dict[str, Any], context: PushContext) -> FakeResult:
        self.context = context
        entries = tuple(
            PushEntry(resource_type="Goal", status=s, id=str(i))  # type: ignore[arg-type]
            for i, s in enumerate(self.statuses, 1)
        )
        return FakeResult(entries, {"id": "audit-1"})

    def close(self) -> None:
        pass


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeAdapter:
    monkeypatch.setenv("FHIR_WERK_AUDIT_PATH", str(tmp_path / "audit.sqlite3"))
    monkeypatch.setenv("FHIR_WERK_ACTOR", "j.jansen")
    adapter = FakeAdapter(["created", "updated", "unchanged", "retired", "conflict", "refused", "nieuw"])
    monkeypatch.setattr("fhir_werk.cli._push.get_adapter", lambda *_a, **_k: adapter)
    return adapter


@pytest.mark.parametrize("force", [False, True])
def test_force_reaches_the_push_context(force: bool, fake: FakeAdapter) -> None:
    bundle = ROOT / "tests" / "fixtures" / "push" / "bundle.json"
    result = runner.invoke(app, ["push", str(bundle), "--target", "file", *(["--force"] if force else [])])
    assert result.exit_code == 0, result.output
    assert fake.context is not None
    assert fake.context.force is force


def test_every_status_in_the_result_is_shown_with_its_dutch_label(fake: FakeAdapter) -> None:
    bundle = ROOT / "tests" / "fixtures" / "push" / "bundle.json"
    result = runner.invoke(app, ["push", str(bundle), "--target", "file"])
    assert result.exit_code == 0, result.output
    statuses = [" ".join(line.split()[2:]) for line in result.stdout.splitlines()[1:]]
    assert statuses == [
        "aangemaakt -",
        "bijgewerkt -",
        "ongewijzigd (stond er al zo) -",
        "beëindigd (niet meer in het antwoord) -",
        "niet geschreven (elders gewijzigd) -",
        "niet verzonden (geen toestemming) -",
        "nieuw -",
    ]
    assert result.stderr == (
        "Verstuurd naar epd://test: 1 aangemaakt, 1 bijgewerkt, 1 ongewijzigd, 1 beëindigd, "
        "1 niet geschreven, 1 niet verzonden, 1 nieuw. AuditEvent audit-1 vastgelegd.\n"
    )


def test_force_is_explained_in_the_help() -> None:
    result = runner.invoke(app, ["push", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.stdout.split())
    assert (
        "Schrijf ook als iemand anders het EPD-exemplaar heeft gewijzigd sinds fhir-werk het schreef; "
        "wordt gelogd." in text
    )
