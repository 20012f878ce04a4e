"""Prometheus ``/metrics``: requests by route template (never an id), outbox depth from the
database, delivery attempts by outcome."""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from fhir_werk.service import ServiceSettings, Worker

from .kit import Serve, TestClient, example, post

MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(answer.text)
        for s in family.samples
    }


def test_requests_are_counted_by_route_template(client: TestClient) -> None:
    client.get("/fhir/QuestionnaireResponse/geheim-id-1")
    client.get("/fhir/QuestionnaireResponse/geheim-id-2")
    client.get("/fhir/bestaat/niet")
    samples = _samples(client)
    key = (
        "fhir_werk_http_requests_total",
        (("method", "GET"), ("route", "/fhir/QuestionnaireResponse/{id}"), ("status", "404")),
    )
    assert samples[key] == 2
    assert (
        samples[
            ("fhir_werk_http_requests_total", (("method", "GET"), ("route", "(onbekend)"), ("status", "404")))
        ]
        == 1
    )
    assert "geheim-id" not in client.get("/metrics").text


def test_outbox_depth_and_delivery_outcomes(client: TestClient, settings: ServiceSettings) -> None:
    post(client, example())
    post(client, example("sanne-werkt-met-klachten"))
    assert _samples(client)[("fhir_werk_outbox_jobs", (("state", "queued"),))] == 2
    metrics = client.app.state.metrics  # type: ignore[attr-defined]
    worker = Worker(client.app.state.service.store, settings, on_outcome=metrics.delivery)  # type: ignore[attr-defined]
    worker.deliver_one()
    samples = _samples(client)
    assert samples[("fhir_werk_outbox_jobs", (("state", "queued"),))] == 1
    assert samples[("fhir_werk_outbox_jobs", (("state", "delivered"),))] == 1
    assert samples[("fhir_werk_delivery_attempts_total", (("outcome", "delivered"),))] == 1
    worker.close()


def _metadata_count(text: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "fhir_werk_http_requests_total" and s.labels.get("route") == "/fhir/metadata"
    )


def _per_process(directory: Path) -> dict[str, float]:
    """The metadata requests each process counted, from its own file of the multiprocess directory."""
    counts = {}
    for path in directory.glob("counter_*.db"):
        with tempfile.TemporaryDirectory() as alone:
            shutil.copy(path, Path(alone) / path.name)
            registry = CollectorRegistry()
            MultiProcessCollector(registry, path=alone)  # type: ignore[no-untyped-call]
            counts[path.stem] = _metadata_count(generate_latest(registry).decode())
    return counts


def test_serve_with_two_workers_counts_the_requests_of_both(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    serve = Serve(tmp_path / "data", "--workers", "2", "--no-worker", env={MULTIPROCESS: str(directory)})
    sent = 0
    try:
        # New connections from several threads at once, until both processes have answered some.
        for _ in range(20):
            with ThreadPoolExecutor(8) as pool:
                answers = list(pool.map(lambda _: httpx.get(f"{serve.base}/fhir/metadata"), range(40)))
            assert all(a.status_code == 200 for a in answers)
            sent += len(answers)
            served = _per_process(directory)
            if sum(1 for n in served.values() if n > 0) >= 2:
                break
        served = _per_process(directory)
        assert len([n for n in served.values() if n > 0]) == 2, served
        assert sum(served.values()) == sent
        # Every scrape, whichever process answers it, counts the requests of both.
        for _ in range(6):
            answer = httpx.get(f"{serve.base}/metrics")
            assert _metadata_count(answer.text) == sent
    finally:
        code, _ = serve.stop()
    assert code in (0, -15, 143)


def test_serve_makes_its_own_metrics_directory_and_removes_it(tmp_path: Path) -> None:
    env = {"TMPDIR": str(tmp_path)}  # where serve's own directory goes, so this test sees it
    serve = Serve(tmp_path / "data", "--workers", "2", "--no-worker", env=env)
    try:
        (made,) = tmp_path.glob("fhir-werk-metrics-*")
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: httpx.get(f"{serve.base}/fhir/metadata"), range(40)))
        # A process writes its file once it counts something; which ones did is the other test's.
        assert list(made.glob("counter_*.db"))
        for _ in range(4):
            assert _metadata_count(httpx.get(f"{serve.base}/metrics").text) == 40
    finally:
        serve.stop()
    assert not made.exists()
