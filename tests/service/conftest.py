"""Fixtures of the service tests: an app on its own SQLite file in the test's folder, a TestClient
without the worker thread (tests deliver by hand, job by job)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from fhir_werk.service import ServiceSettings, Store, Worker, create_app

from .kit import TestClient


@pytest.fixture
def settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(data_dir=tmp_path / "data", backoff_seconds=0.001, lease_seconds=30)


@pytest.fixture
def client(settings: ServiceSettings) -> Iterator[TestClient]:
    app = create_app(settings, worker=False)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def worker(client: TestClient, settings: ServiceSettings) -> Iterator[Worker]:
    store: Store = client.app.state.service.store  # type: ignore[attr-defined]
    deliverer = Worker(store, settings)
    yield deliverer
    deliverer.close()
