"""schemathesis against the service's own OpenAPI document (https://schemathesis.readthedocs.io):
every operation with generated requests, in process (ASGI), deterministic (``derandomize``) and
bounded (a fixed number of examples per operation). No answer may be a 5xx, and every 4xx must be
an OperationOutcome in ``application/fhir+json``.

The walk itself is schemathesis_kit.each_case.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemathesis

from fhir_werk.service import ServiceSettings, create_app

from .kit import TestClient, example, post
from .schemathesis_kit import each_case

EXAMPLES_PER_OPERATION = 30
"""Per operation and per mode (valid and invalid requests): about 2,000 cases, some 30 s."""


def _problem(case: schemathesis.Case[Any], statuses: list[int]) -> str | None:
    """What is wrong with the service's answer to ``case`` (None: nothing)."""
    response = case.call()
    statuses.append(response.status_code)
    where = f"{case.method} {case.formatted_path}"
    if response.status_code >= 500:
        return f"{where}: {response.status_code} {response.text[:300]}"
    if response.status_code < 400:
        return None
    media = response.headers.get("content-type", [""])[0]
    if not media.startswith("application/fhir+json"):
        return f"{where}: {response.status_code} als {media}"
    answer = json.loads(response.text)
    if answer.get("resourceType") != "OperationOutcome" or not answer.get("issue"):
        return f"{where}: {response.status_code} zonder OperationOutcome"
    if "Traceback" in response.text:
        return f"{where}: een traceback"
    return None


def test_no_5xx_and_every_error_is_an_operation_outcome(tmp_path: Path) -> None:
    app = create_app(ServiceSettings(data_dir=tmp_path / "data"), worker=False)
    with TestClient(app) as client:  # a stored response, so that a generated id can meet one
        post(client, example())
    problems: list[str] = []
    statuses: list[int] = []

    def check(case: schemathesis.Case[Any]) -> None:
        found = _problem(case, statuses)
        if found is not None:
            problems.append(found)

    operations = each_case(app, 2 * EXAMPLES_PER_OPERATION, check)
    assert operations >= 30  # every FHIR route, the probes, the SMART document
    assert problems == []
    assert len(statuses) >= 20 * operations  # bounded, but not trivially small
    # Both kinds were answered: the OperationOutcome rule was exercised, not vacuous.
    assert any(200 <= s < 300 for s in statuses)
    assert sum(400 <= s < 500 for s in statuses) >= 100
