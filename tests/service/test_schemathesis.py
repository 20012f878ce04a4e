"""schemathesis against the service's own OpenAPI document (https://schemathesis.readthedocs.io):
every operation with generated requests, in process (ASGI), deterministic (``derandomize``) and
bounded (a fixed number of examples per operation). No answer may be a 5xx, and every 4xx must be
an OperationOutcome in ``application/fhir+json``.

The operations are walked here rather than through schemathesis' pytest plugin: its lazy-fixture
loader reads a private attribute pytest 9 no longer has.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok

from fhir_werk.service import ServiceSettings, create_app

from .kit import TestClient, example, post

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
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    problems: list[str] = []
    statuses: list[int] = []
    operations = 0
    for loaded in schema.get_all_operations():
        assert isinstance(loaded, Ok), loaded  # the document itself is well-formed
        operation = loaded.ok()
        operations += 1
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @settings(
            derandomize=True,
            max_examples=2 * EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: schemathesis.Case[Any]) -> None:
            found = _problem(case, statuses)
            if found is not None:
                problems.append(found)

        run()
    assert operations >= 30  # every FHIR route, the probes, the SMART document
    assert problems == []
    assert len(statuses) >= 20 * operations  # bounded, but not trivially small
    # Both kinds were answered: the OperationOutcome rule was exercised, not vacuous.
    assert any(200 <= s < 300 for s in statuses)
    assert sum(400 <= s < 500 for s in statuses) >= 100
