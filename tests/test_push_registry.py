"""The adapter registry: entry points, settings from the environment, clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_werk.adapters.fhir import FhirAdapter  # type: ignore[import-not-found]
from fhir_werk.adapters.file import FileAdapter  # type: ignore[import-not-found]
from fhir_werk.delivery import (
    EpdAdapter,
    PushContext,
    adapter_names,
    get_adapter,
    load_adapter,
    rewrite_references,
)
from fhir_werk.delivery._audit import AuditLog
from fhir_werk.shared._outcomes import InvalidInputError, NotFoundError


def test_built_in_adapters_are_registered() -> None:
    assert {"fhir", "file"} <= set(adapter_names())
    assert load_adapter("fhir") is FhirAdapter
    assert load_adapter("file") is FileAdapter


def test_unknown_adapter_lists_the_known_ones() -> None:
    with pytest.raises(NotFoundError) as caught:
        load_adapter("chipsoft")
    (only,) = caught.value.outcome["issue"]
    assert (caught.value.status, only["code"], only["expression"]) == (404, "not-found", ["target"])
    assert (
        only["details"]["text"] == f"Onbekende adapter 'chipsoft'; bekend zijn: {', '.join(adapter_names())}."
    )


def test_missing_setting_names_its_environment_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FHIR_WERK_FHIR_BASE_URL", raising=False)
    with pytest.raises(InvalidInputError) as caught:
        get_adapter("fhir", audit=AuditLog(tmp_path / "a.sqlite3"))
    (only,) = caught.value.outcome["issue"]
    assert (only["code"], only["expression"]) == ("required", ["base_url"])
    assert only["details"]["text"] == (
        "Instelling 'base_url' ontbreekt of is ongeldig (omgevingsvariabele FHIR_WERK_FHIR_BASE_URL)."
    )


def test_invalid_setting_value_is_reported(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError) as caught:
        get_adapter(
            "file", {"directory": str(tmp_path), "format": "xml"}, audit=AuditLog(tmp_path / "a.sqlite3")
        )
    (only,) = caught.value.outcome["issue"]
    assert (only["code"], only["expression"]) == ("value", ["format"])


def test_adapters_satisfy_the_protocol(tmp_path: Path) -> None:
    adapter = get_adapter("file", {"directory": str(tmp_path)}, audit=AuditLog(tmp_path / "a.sqlite3"))
    assert isinstance(adapter, EpdAdapter)
    assert (adapter.name, adapter.settings_type.__name__) == ("file", "FileAdapterSettings")


def test_default_audit_log_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FHIR_WERK_AUDIT_PATH", str(tmp_path / "log.sqlite3"))
    get_adapter("file", {"directory": str(tmp_path)})
    assert (tmp_path / "log.sqlite3").exists()


def test_unknown_purpose_is_invalid() -> None:
    with pytest.raises(InvalidInputError) as caught:
        PushContext(purpose="marketing")
    assert caught.value.outcome["issue"][0]["details"]["text"] == (
        "Onbekend doel 'marketing'; kies uit: re-integratie, behandeling."
    )


def test_rewrite_references_only_touches_references() -> None:
    value = {
        "goal": [{"reference": "urn:uuid:1"}],
        "note": [{"text": "urn:uuid:1"}],
        "reference": {"display": "x"},
    }
    assert rewrite_references(value, {"urn:uuid:1": "Goal/9"}) == {
        "goal": [{"reference": "Goal/9"}],
        "note": [{"text": "urn:uuid:1"}],
        "reference": {"display": "x"},
    }
