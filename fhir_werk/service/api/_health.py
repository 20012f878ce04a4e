"""``GET /healthz`` (the process answers) and ``GET /readyz`` (the database answers, every
target's adapter is installed and the ``file`` target's folder can be written); outside
``/fhir`` and the CapabilityStatement, as probes are."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import Response

from fhir_werk.delivery import adapter_names
from fhir_werk.service.api._service import ServiceDep
from fhir_werk.service.core._http import fhir_response
from fhir_werk.service.outbox._targets import adapter_of
from fhir_werk.shared import issue, outcome


def healthz(request: Request) -> Response:
    """Liveness: 200 while the process serves requests."""
    return fhir_response(request, outcome([issue("information", "informational", "In leven.", "Alive.")]))


def readyz(request: Request, service: ServiceDep) -> Response:
    """Readiness: 200 when the database and the targets can be used, 503 (with the reason) when not."""
    problems = []
    try:
        with service.engine.connect() as db:
            db.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        problems.append(
            issue(
                "error",
                "transient",
                f"De database antwoordt niet ({type(exc).__name__}).",
                f"The database does not answer ({type(exc).__name__}).",
            )
        )
    known = set(adapter_names())
    for target in service.settings.targets:
        if adapter_of(target) not in known:
            problems.append(
                issue(
                    "error",
                    "transient",
                    f"Doel '{target}' heeft geen geïnstalleerde adapter.",
                    f"Target '{target}' has no installed adapter.",
                )
            )
    if "file" in service.settings.targets and not _writable(service.settings.delivery_directory):
        problems.append(
            issue(
                "error",
                "transient",
                "De aflevermap van het doel 'file' kan niet worden geschreven.",
                "The delivery folder of target 'file' cannot be written.",
            )
        )
    if problems:
        return fhir_response(request, outcome(problems), 503)
    return fhir_response(request, outcome([issue("information", "informational", "Klaar.", "Ready.")]))


def _writable(folder: Path) -> bool:
    """True when ``folder`` exists (or can be made) and this process may write in it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(folder, os.W_OK | os.X_OK)
