"""What every route needs, built once per app: settings, the database, the store, the artifacts.

Routes get it as a FastAPI dependency (:data:`ServiceDep`), so a test builds an app on its own
database and an auth dependency (issue 11's JWT session) can be added in one place
(``create_app(auth=...)``) without touching a route.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Request

from fhir_werk.publishing import Artifacts
from fhir_werk.service.core._http import read_body
from fhir_werk.service.core._routes import Route
from fhir_werk.service.core._settings import ServiceSettings
from fhir_werk.service.storage._store import Store


@dataclass
class Service:
    """The service's state, one per app."""

    settings: ServiceSettings
    engine: sa.Engine
    store: Store
    artifacts: Artifacts
    routes: tuple[Route, ...] = ()


def get_service(request: Request) -> Service:
    """The app's :class:`Service` (set by ``create_app``)."""
    service: Service = request.app.state.service
    return service


ServiceDep = Annotated[Service, Depends(get_service)]


async def request_body(request: Request, service: ServiceDep) -> bytes:
    """The body, within the service's size limit and media types (413, 415)."""
    return await read_body(request, service.settings.max_body_bytes)


BodyDep = Annotated[bytes, Depends(request_body)]
