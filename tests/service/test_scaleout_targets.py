"""More than one target of one kind: ``ADAPTER:NAME`` targets with settings under a prefix of
their own (``fhir:epd-a`` → ``FHIR_WERK_FHIR_EPD_A_*``), delivered, shown and checked apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fhir_werk.service import ServiceSettings, Store, Worker, create_app
from fhir_werk.service.outbox._targets import adapter_of, named_settings
from fhir_werk.service.outbox._worker import default_adapters
from fhir_werk.shared import InvalidInputError

from .kit import TestClient, assert_outcome, example, post


def _parts(parameter: dict[str, object]) -> dict[str, object]:
    parts = parameter["part"]
    assert isinstance(parts, list)
    return {p["name"]: next(v for k, v in p.items() if k != "name") for p in parts if p["name"] != "written"}


def test_two_named_file_targets_each_get_the_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folders = {name: tmp_path / f"epd-{name}" for name in ("a", "b")}
    for name, folder in folders.items():
        monkeypatch.setenv(f"FHIR_WERK_FILE_{name.upper()}_DIRECTORY", str(folder))
    settings = ServiceSettings(
        data_dir=tmp_path / "data", targets=["file:a", "file:b"], backoff_seconds=0.001
    )
    with TestClient(create_app(settings, worker=False)) as client:
        stored = post(client, example()).json()
        assert client.get("/readyz").status_code == 200
        store: Store = client.app.state.service.store  # type: ignore[attr-defined]
        deliverer = Worker(store, settings)
        assert deliverer.deliver_one() is not None
        assert deliverer.deliver_one() is not None
        assert deliverer.deliver_one() is None
        deliverer.close()
        state = client.get(f"/fhir/QuestionnaireResponse/{stored['id']}/$delivery").json()
    found = {p["target"]: p["state"] for p in map(_parts, state["parameter"])}
    assert found == {"file:a": "delivered", "file:b": "delivered"}
    for folder in folders.values():
        (bundle,) = folder.glob("*.json")
        kinds = {e["resource"]["resourceType"] for e in json.loads(bundle.read_text("utf-8"))["entry"]}
        assert "QuestionnaireResponse" in kinds
    assert not (settings.delivery_directory).exists()  # the plain 'file' target is not one of them


def test_two_named_fhir_targets_read_their_own_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fhir_werk.service import make_engine, migrate

    monkeypatch.setenv("FHIR_WERK_FHIR_EPD_A_BASE_URL", "https://epd-a.example/fhir")
    monkeypatch.setenv("FHIR_WERK_FHIR_EPD_B_BASE_URL", "https://epd-b.example/fhir")
    monkeypatch.setenv("FHIR_WERK_FHIR_EPD_B_MAX_ATTEMPTS", "2")
    settings = ServiceSettings(data_dir=tmp_path / "data", targets=["fhir:epd-a", "fhir:epd-b"])
    engine = make_engine(settings.database)
    migrate(engine)
    build = default_adapters(settings, engine)
    adapters = [build("fhir:epd-a"), build("fhir:epd-b")]
    try:
        assert [a.settings.base_url for a in adapters] == [  # type: ignore[attr-defined]
            "https://epd-a.example/fhir",
            "https://epd-b.example/fhir",
        ]
        assert [a.settings.max_attempts for a in adapters] == [4, 2]  # type: ignore[attr-defined]
    finally:
        for adapter in adapters:
            adapter.close()
        engine.dispose()
    assert adapter_of("fhir:epd-a") == "fhir"
    assert named_settings("fhir") is None


def test_a_named_target_without_its_settings_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FHIR_WERK_FHIR_EPD_C_BASE_URL", raising=False)
    with pytest.raises(InvalidInputError) as raised:
        named_settings("fhir:epd-c")
    (issue,) = raised.value.outcome["issue"]
    assert issue["code"] == "required"
    assert issue["expression"] == ["FHIR_WERK_FHIR_EPD_C_BASE_URL"]
    assert issue["details"]["text"] == (
        "Doel 'fhir:epd-c': instelling FHIR_WERK_FHIR_EPD_C_BASE_URL ontbreekt of is ongeldig."
    )
    with pytest.raises(InvalidInputError) as bad_name:
        named_settings("fhir:EPD A")
    assert bad_name.value.outcome["issue"][0]["expression"] == ["FHIR_WERK_SERVICE_TARGETS"]


def test_a_job_for_a_named_target_without_settings_is_dead_with_the_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("FHIR_WERK_FHIR_EPD_D_BASE_URL", raising=False)
    settings = ServiceSettings(data_dir=tmp_path / "data", targets=["fhir:epd-d"], backoff_seconds=0.001)
    with TestClient(create_app(settings, worker=False)) as client:
        stored = post(client, example()).json()
        store: Store = client.app.state.service.store  # type: ignore[attr-defined]
        deliverer = Worker(store, settings)
        deliverer.deliver_one()
        deliverer.close()
        (state,) = client.get(f"/fhir/QuestionnaireResponse/{stored['id']}/$delivery").json()["parameter"]
    parts = _parts(state)
    assert (parts["target"], parts["state"]) == ("fhir:epd-d", "dead")
    assert "FHIR_WERK_FHIR_EPD_D_BASE_URL ontbreekt" in str(parts["lastError"])


def test_readiness_knows_a_named_targets_adapter(tmp_path: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path / "data", targets=["file", "onbekend:x"])
    with TestClient(create_app(settings, worker=False)) as client:
        assert_outcome(
            client.get("/readyz"), 503, "transient", "Doel 'onbekend:x' heeft geen geïnstalleerde adapter"
        )
