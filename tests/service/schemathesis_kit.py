"""One walk of the service's OpenAPI operations with schemathesis, shared by the run without and
the run with authentication (test_schemathesis.py, test_schemathesis_auth.py).

The operations are walked here rather than through schemathesis' pytest plugin: its lazy-fixture
loader reads a private attribute pytest 9 no longer has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.core.result import Ok


def each_case(app: FastAPI, examples: int, check: Callable[[schemathesis.Case[Any]], None]) -> int:
    """Calls ``check`` on ``examples`` valid and invalid generated cases per operation,
    deterministically (``derandomize``); returns how many operations the document has."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
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
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: schemathesis.Case[Any]) -> None:
            check(case)

        run()
    return operations
