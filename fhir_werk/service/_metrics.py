"""Prometheus metrics at ``GET /metrics`` (prometheus-client, one registry per app).

- ``fhir_werk_http_requests_total{method,route,status}`` and
  ``fhir_werk_http_request_seconds{method,route}``: labelled by the route's template
  (``/fhir/QuestionnaireResponse/{id}``), never the path itself, so no id becomes a label and
  the number of series stays bounded.
- ``fhir_werk_outbox_jobs{state}``: read from the database at each scrape, so it is right for
  every process that shares the database (``serve``, ``worker``, more machines).
- ``fhir_werk_delivery_attempts_total{outcome}``: delivered, retrying, dead; counted by the
  worker threads of the serving processes (a separate ``fhir-werk worker`` has no HTTP face).

With ``serve --workers N`` the counters are prometheus-client's multiprocess mode: ``serve`` gives
the run a fresh directory (:func:`multiprocess_directory`, ``PROMETHEUS_MULTIPROC_DIR``) before
uvicorn starts the processes, each process writes its samples there, and whichever process
answers ``/metrics`` adds up every process's files. prometheus-client picks the mode when it is
imported, so the variable must be set before the processes start, which is why ``serve`` does it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fhir_werk.service.storage._queue import STATES
from fhir_werk.service.storage._schema import deliveries

_UNMATCHED: Final = "(onbekend)"
MULTIPROCESS_VARIABLE: Final = "PROMETHEUS_MULTIPROC_DIR"


class _OutboxCollector(Collector):
    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily(
            "fhir_werk_outbox_jobs", "Afleveringen in de outbox per toestand.", labels=["state"]
        )
        counts = dict.fromkeys(STATES, 0)
        try:
            with self.engine.connect() as db:
                rows = db.execute(sa.select(deliveries.c.state, sa.func.count()).group_by(deliveries.c.state))
                counts.update({str(state): int(n) for state, n in rows})
        except sa.exc.SQLAlchemyError:
            return  # no database: no outbox figures (readyz says why)
        for state, n in sorted(counts.items()):
            family.add_metric([state], n)
        yield family


class Metrics:
    """The app's registry and its instruments."""

    def __init__(self, engine: sa.Engine) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fhir_werk_http_requests",
            "HTTP-verzoeken.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fhir_werk_http_request_seconds",
            "Duur van HTTP-verzoeken.",
            ["method", "route"],
            registry=self.registry,
        )
        self.deliveries = Counter(
            "fhir_werk_delivery_attempts",
            "Afleverpogingen per uitkomst.",
            ["outcome"],
            registry=self.registry,
        )
        self.outbox = _OutboxCollector(engine)
        self.registry.register(self.outbox)

    def exposition(self) -> bytes:
        """The text format of every metric: this process's, or with several processes (the
        multiprocess directory set) the sum over all of their files."""
        directory = os.environ.get(MULTIPROCESS_VARIABLE)
        if not directory:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        registry.register(self.outbox)  # from the database: the same for every process
        return generate_latest(registry)

    def delivery(self, outcome: str) -> None:
        """Count one delivery attempt with its outcome (delivered, retrying, dead)."""
        self.deliveries.labels(outcome).inc()


class MetricsMiddleware:
    """Times every HTTP request and counts it by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; record it when the answer has been sent."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            route = str(getattr(scope.get("route"), "path", _UNMATCHED))
            method = str(scope.get("method", "?"))
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)
            self.metrics.requests.labels(method, route, str(status)).inc()


def metrics_endpoint(request: Request) -> Response:
    """``GET /metrics`` in the Prometheus text format."""
    metrics: Metrics = request.app.state.metrics
    return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)


@contextmanager
def multiprocess_directory() -> Iterator[str]:
    """A fresh directory for the metrics of one ``serve --workers N`` run, put in the environment
    the processes inherit, and removed when the run ends. A directory already set (an operator's
    own, e.g. to keep counts across restarts) is used as it is and kept."""
    given = os.environ.get(MULTIPROCESS_VARIABLE)
    if given:
        yield given
        return
    directory = tempfile.mkdtemp(prefix="fhir-werk-metrics-")
    os.environ[MULTIPROCESS_VARIABLE] = directory
    try:
        yield directory
    finally:
        os.environ.pop(MULTIPROCESS_VARIABLE, None)
        shutil.rmtree(directory, ignore_errors=True)
