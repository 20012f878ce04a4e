"""Prometheus ``/metrics``: requests by route template (never an id), outbox depth from the
database, delivery attempts by outcome."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from fhir_werk.service import ServiceSettings, Worker

from .kit import TestClient, example, post


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
