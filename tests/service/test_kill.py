"""A killed service loses nothing it acknowledged: ``fhir-werk serve`` as a real process (uvicorn),
killed with SIGKILL right after the last 201, restarted, delivers every response exactly once."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import pytest

from .kit import FHIR, Serve, body, bundle_names, example, states

COUNT = 30
SYSTEM = "https://fhir-werk.nl/fhir/NamingSystem/test-kill"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.mark.parametrize("worker_before_kill", [True, False], ids=["mid-delivery", "before-delivery"])
def test_kill_9_loses_nothing_and_delivers_exactly_once(folder: Path, worker_before_kill: bool) -> None:
    first = Serve(folder, *([] if worker_before_kill else ["--no-worker"]))
    acknowledged = []
    with httpx.Client(base_url=first.base, timeout=30) as http:
        for number in range(COUNT):
            response = example(identifier={"system": SYSTEM, "value": f"kill-{number}"})
            answer = http.post("/fhir/QuestionnaireResponse", content=body(response), headers=FHIR)
            assert answer.status_code == 201, answer.text[:300]
            acknowledged.append(answer.json()["id"])
    first.kill()
    if not worker_before_kill:
        assert bundle_names(folder) == []
    second = Serve(folder)
    try:
        deadline = time.monotonic() + 120
        found = states(second.base, acknowledged)
        while set(found.values()) & {"queued", "retrying"} and time.monotonic() < deadline:
            time.sleep(0.2)
            found = states(second.base, acknowledged)
        assert set(found.values()) == {"delivered"}, found
        # Every acknowledged response arrived once: one bundle per response, none twice.
        names = bundle_names(folder)
        assert sorted(names) == sorted(f"kill-{n}" for n in range(COUNT))
    finally:
        code, err = second.stop()
    # uvicorn shuts down gracefully, then exits by the signal it caught, as a shell expects.
    assert code in (0, -signal.SIGTERM), err
    assert "Traceback" not in err
    assert "kill-" not in err  # no identifier of a patient's response in the log


def test_serve_with_two_processes_delivers_each_response_once(folder: Path) -> None:
    serve = Serve(folder, "--workers", "2")
    ids = []
    try:
        with httpx.Client(base_url=serve.base, timeout=30) as http:
            for number in range(12):
                response = example(identifier={"system": SYSTEM, "value": f"twee-{number}"})
                answer = http.post("/fhir/QuestionnaireResponse", content=body(response), headers=FHIR)
                assert answer.status_code == 201, answer.text[:300]
                ids.append(answer.json()["id"])
        deadline = time.monotonic() + 120
        found = states(serve.base, ids)
        while set(found.values()) & {"queued", "retrying"} and time.monotonic() < deadline:
            time.sleep(0.2)
            found = states(serve.base, ids)
        assert set(found.values()) == {"delivered"}, found
    finally:
        code, err = serve.stop()
    assert sorted(bundle_names(folder)) == sorted(f"twee-{n}" for n in range(12))
    assert code in (0, -signal.SIGTERM), err
    assert "Traceback" not in err


def _group(leader: int) -> list[int]:
    """The live processes of a process group, read from /proc (field 5 of stat is the group)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended while we looked
            continue
        if int(fields[2]) == leader and fields[0] != "Z":
            members.append(int(stat.parent.name))
    return members


def test_a_killed_server_with_two_processes_leaves_no_process_behind(folder: Path) -> None:
    # A fresh-clone CI hung here: SIGKILL reached only uvicorn's first process, its workers kept the
    # test's pipes open and the wait for the server's output never ended.
    serve = Serve(folder, "--workers", "2", "--no-worker")
    assert len(_group(serve.process.pid)) >= 2  # the server and its workers share the group
    serve.kill()
    assert _group(serve.process.pid) == []
