"""A killed service loses nothing it acknowledged: ``fhir-werk serve`` as a real process (uvicorn),
killed with SIGKILL right after the last 201, restarted, delivers every response exactly once."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from .kit import FHIR, body, example

COUNT = 30
SYSTEM = "https://fhir-werk.nl/fhir/NamingSystem/test-kill"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class _Serve:
    """``fhir-werk serve`` on a free port with its data in ``folder``."""

    def __init__(self, folder: Path, *extra: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = os.environ | {
            "FHIR_WERK_DATA_DIR": str(folder),
            "FHIR_WERK_SERVICE_LEASE_SECONDS": "2",
            "FHIR_WERK_SERVICE_POLL_SECONDS": "0.05",
        }
        command = [str(Path(sys.executable).parent / "fhir-werk"), "serve", "--port", str(self.port), *extra]
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        self.process.kill()
        pytest.fail(f"fhir-werk serve komt niet op: {self.process.communicate()[1][-2000:]!r}")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.communicate(timeout=30)

    def stop(self) -> tuple[int, str]:
        self.process.send_signal(signal.SIGTERM)
        _, err = self.process.communicate(timeout=60)
        return self.process.returncode, err.decode()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


def _states(base: str, ids: list[str]) -> dict[str, str]:
    states = {}
    for resource_id in ids:
        answer = httpx.get(f"{base}/fhir/QuestionnaireResponse/{resource_id}/$delivery", timeout=10)
        (delivery,) = answer.json()["parameter"]
        states[resource_id] = next(p["valueCode"] for p in delivery["part"] if p["name"] == "state")
    return states


def _bundle_names(folder: Path) -> list[str]:
    names: list[str] = []
    for path in (folder / "aflevering").glob("*.json"):
        bundle: dict[str, Any] = json.loads(path.read_text())
        names.extend(
            e["resource"]["identifier"]["value"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "QuestionnaireResponse"
        )
    return names


@pytest.mark.parametrize("worker_before_kill", [True, False], ids=["mid-delivery", "before-delivery"])
def test_kill_9_loses_nothing_and_delivers_exactly_once(folder: Path, worker_before_kill: bool) -> None:
    first = _Serve(folder, *([] if worker_before_kill else ["--no-worker"]))
    acknowledged = []
    with httpx.Client(base_url=first.base, timeout=30) as http:
        for number in range(COUNT):
            response = example(identifier={"system": SYSTEM, "value": f"kill-{number}"})
            answer = http.post("/fhir/QuestionnaireResponse", content=body(response), headers=FHIR)
            assert answer.status_code == 201, answer.text[:300]
            acknowledged.append(answer.json()["id"])
    first.kill()
    if not worker_before_kill:
        assert _bundle_names(folder) == []
    second = _Serve(folder)
    try:
        deadline = time.monotonic() + 120
        states = _states(second.base, acknowledged)
        while set(states.values()) != {"delivered"} and time.monotonic() < deadline:
            time.sleep(0.2)
            states = _states(second.base, acknowledged)
        assert set(states.values()) == {"delivered"}, states
        # Every acknowledged response arrived once: one bundle per response, none twice.
        names = _bundle_names(folder)
        assert sorted(names) == sorted(f"kill-{n}" for n in range(COUNT))
    finally:
        code, err = second.stop()
    # uvicorn shuts down gracefully, then exits by the signal it caught, as a shell expects.
    assert code in (0, -signal.SIGTERM), err
    assert "Traceback" not in err
    assert "kill-" not in err  # no identifier of a patient's response in the log
