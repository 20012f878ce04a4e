"""What bench/bench.py and bench/conformance.py both time with: our calls in blocks, CSIRO's engine
in one warm Node process. Its own module so that neither script imports the other (they did, a
circle)."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
Figure = dict[str, Any]

BLOCK = 10
"""Calls per block: ours and CSIRO's blocks alternate."""


def _summary(ms: list[float]) -> Figure:
    ordered = sorted(ms)
    return {
        "median_ms": round(statistics.median(ordered), 4),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 4),
        "n": len(ordered),
    }


def _time(action: Callable[[], Any], n: int) -> list[float]:
    ms: list[float] = []
    for _ in range(n):
        started = time.perf_counter()
        action()
        ms.append((time.perf_counter() - started) * 1000)
    return ms


class Csiro:
    """One warm Node process running CSIRO's extractor on request."""

    def __init__(
        self,
        questionnaire: dict[str, Any],
        cases: dict[str, dict[str, Any]],
        *,
        questionnaires: dict[str, dict[str, Any]] | None = None,
        comparison_sources: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        self._node = subprocess.Popen(
            ["node", str(HERE / "csiro.mjs")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT / "tests" / "js",
        )
        self._send(
            {
                "questionnaire": questionnaire,
                "cases": cases,
                "questionnaires": questionnaires or {},
                "comparisonSources": comparison_sources or {},
            }
        )

    def _send(self, message: dict[str, Any]) -> Any:
        assert self._node.stdin is not None
        assert self._node.stdout is not None
        self._node.stdin.write(json.dumps(message) + "\n")
        self._node.stdin.flush()
        line = self._node.stdout.readline()
        if not line:
            raise RuntimeError("bench/csiro.mjs stopped")
        return json.loads(line)

    def time(self, case: str, n: int) -> list[float]:
        """``n`` warm calls on one case, milliseconds each."""
        ms: list[float] = self._send({"case": case, "n": n})["ms"]
        return ms

    def result(self, case: str) -> dict[str, Any]:
        """CSIRO's extraction of one case: ``{"ok": ..., "bundle": ...}``."""
        found: dict[str, Any] = self._send({"case": case, "result": True})
        return found

    def close(self) -> None:
        assert self._node.stdin is not None
        self._node.stdin.close()
        self._node.wait(timeout=30)
