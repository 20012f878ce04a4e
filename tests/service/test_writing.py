"""Writes to the service database: on SQLite the writers of one process take turns in the order
they came and hold the write lock from their first statement; a create is a handful of prebuilt
statements (one per table), committed together or not at all."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fhir_werk.service import make_engine, migrate
from fhir_werk.service.storage._database import _FifoLock, _writer_lock, writing

from .kit import TestClient, example, post


def _wait_for(condition: Any) -> None:
    # No timing assertion: only a guard so that a broken lock fails instead of hanging.
    done = threading.Event()
    for _ in range(10_000):
        if condition():
            return
        done.wait(0.001)
    raise AssertionError("the condition never held")


def test_the_lock_is_handed_to_its_waiters_in_the_order_they_came() -> None:
    lock = _FifoLock()
    lock.acquire()
    order: list[int] = []

    def waiter(n: int) -> None:
        lock.acquire()
        order.append(n)
        lock.release()

    threads = []
    for n in range(8):
        thread = threading.Thread(target=waiter, args=(n,))
        thread.start()
        threads.append(thread)
        _wait_for(lambda n=n: len(lock._waiters) == n + 1)
    lock.release()
    for thread in threads:
        thread.join()
    assert order == list(range(8))
    lock.acquire()  # free again once every waiter had its turn
    lock.release()


def _engine(tmp_path: Path) -> sa.Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    return engine


def test_a_write_holds_sqlites_write_lock_from_its_start(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    other = sqlite3.connect(tmp_path / "db.sqlite3", timeout=0, isolation_level=None)
    # No statement yet, and already the one writer: another connection cannot begin one.
    with writing(engine), pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    other.close()
    with engine.connect() as db:
        assert db.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL: survives a power cut
    engine.dispose()


def test_a_failed_write_keeps_nothing_and_frees_the_turn(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    statement = "INSERT INTO plan_resources VALUES ('Goal', 'g', NULL, 'r', 1, '{}', 'nu')"

    def broken() -> None:
        with writing(engine) as db:
            db.exec_driver_sql(statement)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        broken()
    with writing(engine) as db:  # the turn was given back
        assert db.exec_driver_sql("SELECT count(*) FROM plan_resources").scalar() == 0
        db.exec_driver_sql(statement)
    with engine.connect() as db:
        assert db.exec_driver_sql("SELECT count(*) FROM plan_resources").scalar() == 1
    assert not _writer_lock(engine)._held
    engine.dispose()


def test_a_create_is_one_statement_per_table(client: TestClient) -> None:
    engine = client.app.state.service.engine  # type: ignore[attr-defined]
    seen: list[tuple[str, bool]] = []

    def record(_conn: Any, _cursor: Any, statement: str, _params: Any, _context: Any, many: bool) -> None:
        seen.append((statement.split("(")[0].split(" SET")[0].strip(), many))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        assert post(client, example()).status_code == 201
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    writes = [(s, many) for s, many in seen if not s.startswith("SELECT")]
    assert writes == [
        ("BEGIN IMMEDIATE", False),
        ("INSERT INTO responses", False),
        ("INSERT INTO response_versions", False),
        ("INSERT INTO plan_resources", True),  # every plan copy in one executemany
        ("INSERT INTO deliveries", False),  # one target; more go in one executemany
        # The create's AuditEvent, in the audit log of the same database, after the answer is
        # made and before it goes out: a transaction of its own, as a failed push's event is.
        ("BEGIN IMMEDIATE", False),
        ("INSERT INTO audit_events", False),
    ]


def test_writers_of_other_processes_wait_on_the_lock_file_beside_the_database(tmp_path: Path) -> None:
    import fcntl
    import os

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    # Another open file description of the lock file stands for another process holding the turn.
    other = os.open(tmp_path / "db.sqlite3-schrijver.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)
    entered = threading.Event()

    def writer() -> None:
        with writing(engine) as db:
            db.exec_driver_sql("SELECT 1")
            entered.set()

    thread = threading.Thread(target=writer)
    thread.start()
    assert not entered.wait(0.3), "a writer went in while another process held the turn"
    fcntl.flock(other, fcntl.LOCK_UN)
    os.close(other)
    assert entered.wait(10)
    thread.join(10)
    engine.dispose()


def test_a_hung_holder_of_the_lock_file_is_waited_for_no_longer_than_the_busy_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import fcntl
    import os

    from fhir_werk.service.storage import _database

    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    monkeypatch.setattr(_database, "_BUSY_TIMEOUT_SECONDS", 0.2)
    other = os.open(tmp_path / "db.sqlite3-schrijver.lock", os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)  # held and never given back while the writer waits
    try:
        with writing(engine) as db:  # SQLite's own lock is free: the write goes ahead
            db.exec_driver_sql("SELECT 1")
    finally:
        os.close(other)
        engine.dispose()
