"""Helpers of the service tests: the shipped examples, FHIR requests, exact outcome checks."""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import httpx
import pytest

with warnings.catch_warnings():
    # Starlette deprecates its httpx-based TestClient in favour of a package not installed here;
    # the warning is about the test tool, not about fhir-werk.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient` is deprecated")
    from fastapi.testclient import TestClient as TestClient


ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "questionnaires" / "voorbeelden"
FHIR = {"content-type": "application/fhir+json"}


def example(name: str = "els-uitkering", **changes: Any) -> dict[str, Any]:
    """A shipped example response, with top-level elements changed."""
    resource: dict[str, Any] = json.loads(
        (EXAMPLES / f"QuestionnaireResponse-{name}.json").read_text("utf-8")
    )
    return copy.deepcopy(resource) | changes


def reintegratie(name: str = "daan-nl-week-10", **changes: Any) -> dict[str, Any]:
    """A shipped example response to the ``re-integratie`` Questionnaire, top-level changes applied."""
    path = EXAMPLES / "re-integratie" / f"QuestionnaireResponse-re-integratie-{name}.json"
    resource: dict[str, Any] = json.loads(path.read_text("utf-8"))
    return copy.deepcopy(resource) | changes


def fix_today(monkeypatch: pytest.MonkeyPatch, day: str) -> None:
    """The service's clock at noon (Amsterdam) of ``day`` (YYYY-MM-DD): what it calls today."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    moment = datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=ZoneInfo("Europe/Amsterdam"))
    monkeypatch.setattr("fhir_werk.service.core._time.now", moment.timestamp)


def body(resource: Any) -> bytes:
    return json.dumps(resource).encode()


def post(client: TestClient, resource: Any, **headers: str) -> Any:
    return client.post("/fhir/QuestionnaireResponse", content=body(resource), headers=FHIR | headers)


def assert_outcome(response: Any, status: int, code: str, text: str | None = None) -> dict[str, Any]:
    """The answer is an OperationOutcome with this status, first issue code and (part of) Dutch text."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/fhir+json")
    result: dict[str, Any] = response.json()
    assert result["resourceType"] == "OperationOutcome"
    first = result["issue"][0]
    assert first["code"] == code, first
    if text is not None:
        assert text in first["details"]["text"], first["details"]["text"]
    assert "Traceback" not in response.text
    return result


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Serve:
    """``fhir-werk serve --port 0`` with its data in ``folder``; the port is the one its start
    banner prints (so the banner's URL is tested too, and no port is guessed)."""

    def __init__(self, folder: Path, *extra: str, env: dict[str, str] | None = None) -> None:
        environment = (
            os.environ
            | {
                "FHIR_WERK_DATA_DIR": str(folder),
                "FHIR_WERK_SERVICE_LEASE_SECONDS": "2",
                "FHIR_WERK_SERVICE_POLL_SECONDS": "0.05",
            }
            | (env or {})
        )
        command = [str(Path(sys.executable).parent / "fhir-werk"), "serve", "--port", "0", *extra]
        # Its own process group: with --workers the server's worker processes hold our pipes too, so
        # killing only the first process left them running and communicate() waiting for ever (a
        # fresh-clone CI hung 12 minutes in test_metrics when a loaded machine missed the deadline).
        self.process = subprocess.Popen(
            command,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert self.process.stderr is not None
        self.banner: list[str] = []
        for raw in self.process.stderr:  # the banner comes before the server accepts requests
            line = raw.decode()
            self.banner.append(line)
            if line.startswith("FHIR-basis: "):
                break
        else:
            pytest.fail(f"fhir-werk serve start niet: {''.join(self.banner)[-2000:]!r}")
        url = self.banner[-1].split()[1]
        assert url.startswith("http://127.0.0.1:"), url
        assert url.endswith("/fhir"), url
        self.base = url.removesuffix("/fhir")
        self.port = int(self.base.rsplit(":", 1)[1])
        deadline = time.monotonic() + 180  # two workers importing the app on a loaded 2-core machine
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self._kill_group()
        pytest.fail(f"fhir-werk serve komt niet op: {self.process.communicate(timeout=30)[1][-2000:]!r}")

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError):  # already gone, with all of its group
            os.killpg(self.process.pid, signal.SIGKILL)

    def kill(self) -> None:
        """A crash: the server and every process it started die at once, as a machine's would."""
        self._kill_group()
        self.process.communicate(timeout=30)

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        try:
            _, err = self.process.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self._kill_group()
            _, err = self.process.communicate(timeout=30)
        self._kill_group()
        return self.process.returncode, err.decode()


def states(base: str, ids: list[str]) -> dict[str, str]:
    states = {}
    for resource_id in ids:
        answer = httpx.get(f"{base}/fhir/QuestionnaireResponse/{resource_id}/$delivery", timeout=10)
        (delivery,) = answer.json()["parameter"]
        states[resource_id] = next(p["valueCode"] for p in delivery["part"] if p["name"] == "state")
    return states


def bundle_names(folder: Path) -> list[str]:
    names: list[str] = []
    for path in (folder / "aflevering").glob("*.json"):
        bundle: dict[str, Any] = json.loads(path.read_text())
        names.extend(
            e["resource"]["identifier"]["value"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "QuestionnaireResponse"
        )
    return names
