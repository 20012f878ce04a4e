"""The service on PostgreSQL: a throw-away cluster (initdb, pg_ctl from /usr/local/bin) on a free
port. Migrations, the API, and concurrent workers that never claim one job twice
(``FOR UPDATE SKIP LOCKED``). PostgreSQL missing is a failure, never a skip."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from fhir_werk.service import ServiceSettings, Store, create_app, make_engine, migrate
from fhir_werk.service.storage._audit import SqlAuditLog
from fhir_werk.service.storage._queue import claim, jobs, succeed

from .kit import FHIR, Serve, TestClient, body, bundle_names, example, post, states

COUNT = 40
SYSTEM = "https://fhir-werk.nl/fhir/NamingSystem/test-pg"

BIN = Path("/usr/local/bin")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _as_postgres(*command: str) -> list[str]:
    # PostgreSQL refuses to run as root; the Debian package's user runs it then.
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    if not (BIN / "initdb").exists():
        pytest.fail("PostgreSQL (initdb, pg_ctl) ontbreekt in /usr/local/bin")
    folder = Path(tempfile.mkdtemp(prefix="fhir-werk-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", _free_port()
    subprocess.run(
        _as_postgres(str(BIN / "initdb"), "-D", str(data), "-U", "werk", "--auth=trust", "-E", "UTF8"),
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_postgres(
            str(BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start"
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://werk@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres(str(BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"), capture_output=True
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def pg_settings(postgres_url: str, tmp_path: Path) -> ServiceSettings:
    engine = make_engine(postgres_url)
    with engine.begin() as db:  # each test on an empty database
        db.execute(sa.text("DROP SCHEMA public CASCADE"))
        db.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return ServiceSettings(data_dir=tmp_path / "data", database_url=postgres_url)


def test_the_api_on_postgresql(pg_settings: ServiceSettings) -> None:
    with TestClient(create_app(pg_settings, worker=False)) as client:
        created = post(client, example())
        assert created.status_code == 201
        assert post(client, example()).status_code == 409  # the unique identifier index
        found = client.get(
            "/fhir/QuestionnaireResponse", params={"patient": "voorbeeld-els", "authored": "2026-11"}
        )
        assert [e["resource"]["id"] for e in found.json()["entry"]] == [created.json()["id"]]
        assert client.get("/readyz").status_code == 200


def test_concurrent_workers_never_claim_a_job_twice(pg_settings: ServiceSettings) -> None:
    engine = make_engine(str(pg_settings.database_url))
    migrate(engine)
    store = Store(engine, ["file"])
    with engine.begin() as db:
        from fhir_werk.service.storage import _queue

        for number in range(60):  # 60 patients: nothing waits for an earlier job
            _queue.enqueue(db, f"r{number}", 1, ["file"], f"Patient/p{number}")
    claimed: list[int] = []
    lock = threading.Lock()

    def work() -> None:
        while (job := claim(engine, 60)) is not None:
            with lock:
                claimed.append(job.job)
            succeed(engine, job, {"entries": []})

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed) == 60
    assert len(set(claimed)) == 60
    assert {j.state for j in jobs(engine)} == {"delivered"}
    assert store.engine.dialect.name == "postgresql"
    engine.dispose()


def test_two_serves_and_two_workers_deliver_each_response_once(pg_settings: ServiceSettings) -> None:
    folder = pg_settings.data_dir
    env = {"FHIR_WERK_DATABASE_URL": str(pg_settings.database_url)}
    serves = [Serve(folder, env=env), Serve(folder, env=env)]
    worker_env = (
        os.environ | env | {"FHIR_WERK_DATA_DIR": str(folder), "FHIR_WERK_SERVICE_POLL_SECONDS": "0.05"}
    )
    command = [str(Path(sys.executable).parent / "fhir-werk"), "worker"]
    workers = [subprocess.Popen(command, env=worker_env, stderr=subprocess.PIPE) for _ in range(2)]
    acknowledged: list[str] = []
    try:
        for number in range(COUNT):
            patient = {"reference": f"Patient/pg-{number % 4}"}  # four patients: order matters within each
            response = example(identifier={"system": SYSTEM, "value": f"pg-{number}"}, subject=patient)
            answer = httpx.post(
                f"{serves[number % 2].base}/fhir/QuestionnaireResponse",
                content=body(response),
                headers=FHIR,
                timeout=30,
            )
            assert answer.status_code == 201, answer.text[:300]
            acknowledged.append(answer.json()["id"])
        deadline = time.monotonic() + 120
        found = states(serves[0].base, acknowledged)
        while set(found.values()) & {"queued", "retrying"} and time.monotonic() < deadline:
            time.sleep(0.2)
            found = states(serves[0].base, acknowledged)
        assert set(found.values()) == {"delivered"}, found
    finally:
        for serve in serves:
            serve.stop()
        for process in workers:
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=60)
            assert process.returncode == 0, err.decode()[-2000:]
    assert sorted(bundle_names(folder)) == sorted(f"pg-{n}" for n in range(COUNT))
    engine = make_engine(str(pg_settings.database_url))
    assert {(j.state, j.attempts) for j in jobs(engine)} == {("delivered", 1)}
    # One push per response, whichever of the four processes made it: one AuditEvent each (the
    # export events, type DICOM 110106; the API's own access events are of type 'rest'), in the
    # audit log of the shared database.
    pushes = [e for e in SqlAuditLog(engine).query(outcome="0") if e["type"]["code"] == "110106"]
    engine.dispose()
    assert len(pushes) == COUNT
