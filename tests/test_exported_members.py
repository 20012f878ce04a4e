"""The public surface of ``fhir_werk`` and of each stage is exactly what ``__all__`` lists, pinned
as httpx pins its own."""

import importlib
import subprocess
import sys
import types
from pathlib import Path

import pytest

import fhir_werk

STAGES = (
    "shared",
    "reintegratie",
    "narrative",
    "publishing",
    "authoring",
    "validation",
    "extraction",
    "extraction.sdc",
    "client",
    "delivery",
    "interop",
    "followup",
    "service",
)


def _public(module: types.ModuleType) -> set[str]:
    # Subpackages and submodules show up as attributes once imported; they are not names of the surface.
    return {
        name
        for name in dir(module)
        if not name.startswith("_") and not isinstance(getattr(module, name), types.ModuleType)
    }


def test_all_names_are_exported_and_nothing_public_is_missing() -> None:
    assert _public(fhir_werk) == set(fhir_werk.__all__)
    assert all(getattr(fhir_werk, name) is not None for name in fhir_werk.__all__)


@pytest.mark.parametrize("stage", STAGES)
def test_each_stage_exports_exactly_its_all(stage: str) -> None:
    module = importlib.import_module(f"fhir_werk.{stage}")
    assert module.__doc__
    assert _public(module) - {"annotations"} == set(module.__all__)
    assert all(getattr(module, name) is not None for name in module.__all__)


def test_every_name_has_a_home_stage() -> None:
    assert set(fhir_werk._HOME) == set(fhir_werk.__all__)
    assert set(fhir_werk._HOME.values()) <= set(STAGES)


def test_the_validate_and_extract_commands_do_not_load_the_http_client() -> None:
    # Each command imports only what it uses: the HTTP client (httpx, joserfc) is ~0.2 s of a cold
    # start that validate and extract never need. The figure is in docs/performance.md.
    probe = (
        "import sys, fhir_werk, fhir_werk.cli, fhir_werk.extraction, fhir_werk.validation;"
        "heavy = ('httpx', 'joserfc', 'fhir_werk.client', 'fhir_werk.authoring');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"


def test_the_delivery_face_exports_the_store_ports_the_sqlite_files_satisfy(tmp_path: Path) -> None:
    # The adapters depend on these Protocols, so the service can keep ledger and audit log in its
    # own database; the CLI's SQLite files must go on satisfying them unchanged.
    from fhir_werk import delivery

    assert {"AuditStore", "LedgerStore"} <= set(delivery.__all__)
    assert isinstance(delivery.Ledger(tmp_path / "ledger.sqlite3"), delivery.LedgerStore)
    assert isinstance(delivery.AuditLog(tmp_path / "audit.sqlite3"), delivery.AuditStore)
    assert not isinstance(object(), delivery.LedgerStore)
    assert not isinstance(object(), delivery.AuditStore)
