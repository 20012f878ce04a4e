"""The web package's face, and the page as the service serves it (no browser)."""

from __future__ import annotations

import types
import warnings
from pathlib import Path

import fhir_werk.web
from fhir_werk.service import ServiceSettings, create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient


def test_the_face_exports_exactly_its_all() -> None:
    public = {
        name
        for name in dir(fhir_werk.web)
        if not name.startswith("_") and not isinstance(getattr(fhir_werk.web, name), types.ModuleType)
    }
    assert fhir_werk.web.__doc__
    assert public - {"annotations"} == set(fhir_werk.web.__all__) == {"STATIC_DIR", "mount_page"}


def test_the_service_serves_the_page_its_settings_and_assets(tmp_path: Path) -> None:
    with TestClient(create_app(ServiceSettings(data_dir=tmp_path), worker=False)) as client:
        index = client.get("/")
        assert index.status_code == 200
        assert index.headers["content-type"].startswith("text/html")
        assert "default-src 'self'" in index.headers["content-security-policy"]
        assert '<html lang="nl">' in index.text
        assert client.get("/pagina.json").json() == {"lokaal": True}
        script = client.get("/assets/pagina.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
        assert script.headers["content-encoding"] == "gzip"
        api = client.get("/fhir/metadata", headers={"Accept-Encoding": "gzip"})
        assert "content-encoding" not in api.headers
        assert client.get("/assets/bestaat-niet.js").status_code == 404
        # The page adds no catch-all: the API's own 404 is still an OperationOutcome.
        missing = client.get("/fhir/Bestaat-niet")
        assert missing.headers["content-type"].startswith("application/fhir+json")


def test_a_service_on_another_interface_has_no_local_banner(tmp_path: Path) -> None:
    from fastapi import FastAPI

    app = FastAPI()
    fhir_werk.web.mount_page(app, local=False, static_dir=tmp_path)
    with TestClient(app) as client:
        assert client.get("/pagina.json").json() == {"lokaal": False}
        unbuilt = client.get("/")
        assert unbuilt.status_code == 503
        assert "scripts/build-web" in unbuilt.text
