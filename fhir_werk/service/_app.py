"""The app factory: routes from the table, one error boundary, the database migrated, and (by
default) a delivery worker thread that lives as long as the app."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Final

from fastapi import Depends, FastAPI
from fastapi.params import Depends as DependsParam

from fhir_werk.publishing import published
from fhir_werk.service._docs import install_docs
from fhir_werk.service._metrics import Metrics, MetricsMiddleware, metrics_endpoint
from fhir_werk.service._openapi import install_openapi
from fhir_werk.service.api import (
    _audit_read,
    _capabilities,
    _delivery_state,
    _plan_read,
    _populate,
    _questionnaire,
    _response_delete,
    _response_ops,
    _response_read,
    _response_write,
    _worklist,
)
from fhir_werk.service.api._health import healthz, readyz
from fhir_werk.service.api._service import Service
from fhir_werk.service.auth import _smart_config
from fhir_werk.service.auth._audit import AccessAudit
from fhir_werk.service.auth._guard import build_auth
from fhir_werk.service.auth._scopes import route_permission
from fhir_werk.service.core._errors import install_error_handlers
from fhir_werk.service.core._http import BODY_SCHEMA, check_format
from fhir_werk.service.core._origin import LocalHostOnly
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._settings import ServiceSettings
from fhir_werk.service.outbox._worker import AdapterFactory, Worker
from fhir_werk.service.storage._audit import SqlAuditLog
from fhir_werk.service.storage._database import open_database
from fhir_werk.service.storage._folder_import import import_folder_files
from fhir_werk.service.storage._store import Store
from fhir_werk.shared import VERSION
from fhir_werk.web import mount_page

ROUTES: Final[tuple[Route, ...]] = (
    *_capabilities.ROUTES,
    *_populate.ROUTES,
    *_questionnaire.ROUTES,
    # Operations ($validate, $extract, $delivery) before the {id} routes they would match.
    *_response_ops.ROUTES,
    *_delivery_state.ROUTES,
    *_response_write.ROUTES,
    *_response_delete.ROUTES,
    *_response_read.ROUTES,
    *_plan_read.ROUTES,
    *_worklist.ROUTES,
    *_audit_read.ROUTES,
)
"""Every FHIR route; the CapabilityStatement is built from this very tuple."""


def create_app(
    settings: ServiceSettings | None = None,
    *,
    auth: Callable[..., Any] | None = None,
    worker: bool | None = None,
    adapters: AdapterFactory | None = None,
) -> FastAPI:
    """The FHIR service as an ASGI app.

    ``auth`` is a FastAPI dependency run before every ``/fhir`` route; None means the bearer
    JWT guard the settings configure (``FHIR_WERK_SERVICE_AUTH_*``), or no authentication when
    they configure none (the local mode); ``worker`` overrides ``settings.in_process_worker``;
    ``adapters`` builds each target's adapter (default: from the entry points and the
    environment).
    """
    settings = settings or ServiceSettings()
    for route in ROUTES:
        route_permission(route)  # every route has its SMART permission, also in local mode
    if auth is None:
        # From the settings, so that each process of `serve --workers` (built by uvicorn from the
        # bare factory) guards itself as well.
        auth = build_auth(settings, ROUTES)
    engine = open_database(settings.database)
    import_folder_files(settings, engine)  # an older data folder's ledger and audit files, once
    service = Service(settings, engine, Store(engine, settings.targets), published(), ROUTES)
    run_worker = settings.in_process_worker if worker is None else worker
    metrics = Metrics(engine)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        thread = None
        if run_worker:
            deliverer = Worker(service.store, settings, adapters, on_outcome=metrics.delivery)
            thread = threading.Thread(
                target=deliverer.run, args=(stop,), name="fhir-werk-worker", daemon=True
            )
            thread.start()
        try:
            yield
        finally:
            stop.set()
            if thread is not None:
                thread.join(timeout=settings.lease_seconds)
            engine.dispose()

    app = FastAPI(
        title="fhir-werk",
        version=VERSION,
        description="FHIR R4-dienst van fhir-werk: vragenlijsten, ingevulde leidraden en hun aflevering.",
        docs_url=None,  # served by install_docs: Swagger UI without a CDN
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.public_base_url = settings.public_base_url
    app.state.metrics = metrics
    install_error_handlers(app)
    # Outside the error guard: a 500 is audited too, and an audit that fails is itself a 500.
    app.add_middleware(AccessAudit, routes=ROUTES, audit=SqlAuditLog(engine), authenticated=auth is not None)
    # Outermost: it also times the 500 answers of the error guard.
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    if auth is None and settings.local:
        # No token guards the local mode: a page of another site must not reach it by DNS rebinding.
        app.add_middleware(LocalHostOnly)
    guards: list[DependsParam] = [Depends(check_format)]
    if auth is not None:
        guards.append(Depends(auth))
    _register(app, ROUTES, guards)
    app.add_api_route("/healthz", healthz, methods=["GET"], summary="Liveness", tags=["probes"])
    app.add_api_route("/readyz", readyz, methods=["GET"], summary="Readiness", tags=["probes"])
    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], summary="Prometheus", tags=["probes"])
    for path in _smart_config.PATHS:  # open: it tells a client where to get a token
        app.add_api_route(
            path, _smart_config.well_known, methods=["GET"], summary="SMART-configuratie", tags=["SMART"]
        )
    install_openapi(app, ROUTES, authenticated=auth is not None)
    install_docs(app)
    mount_page(app, local=auth is None)
    return app


def _register(app: FastAPI, routes: Sequence[Route], guards: list[DependsParam]) -> None:
    for route in routes:
        app.add_api_route(
            f"/fhir{route.path}",
            route.endpoint,
            methods=[route.method],
            summary=route.summary,
            tags=[route.resource or "system"],
            dependencies=guards,
            openapi_extra=BODY_SCHEMA if route.body else None,
        )
