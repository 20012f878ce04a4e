"""The push ledger: what it returns, and that its reads stay on an index as it grows.

Every push reads the rows of its response and of its keys; a read that walked every row of the
target made each push slower than the one before (6 ms per push at 10,000 rows).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from fhir_werk.delivery import Ledger, Written

TARGET = "http://epd.test/fhir"


def row(response: int, n: int) -> Written:
    key = f"identifier=https://x.test|{response}-{n:02d}"
    return Written(key, f"identifier=r|{response}", "Patient/p", "Goal", f"g{n}", "1", "d", {"n": n})


def filled(tmp_path: Path) -> Ledger:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    for response in range(30):
        ledger.record(TARGET, [row(response, n) for n in reversed(range(5))])
    return ledger


def test_the_rows_of_a_response_in_key_order(tmp_path: Path) -> None:
    ledger = filled(tmp_path)
    found = ledger.for_response(TARGET, "identifier=r|7")
    assert [w.key for w in found] == [row(7, n).key for n in range(5)]
    assert found[0] == row(7, 0)
    earlier, known = ledger.seen(
        TARGET, "identifier=r|7", [row(7, 1).key, row(8, 2).key, "identifier=s|none"]
    )
    assert earlier == found
    assert set(known) == {row(7, 1).key, row(8, 2).key}
    assert ledger.seen(TARGET, None, [])[0] == []


def test_every_read_of_a_push_searches_an_index(tmp_path: Path) -> None:
    ledger = filled(tmp_path)
    statements: list[str] = []
    with ledger._db() as db:
        db.set_trace_callback(statements.append)
        ledger.seen(TARGET, "identifier=r|7", [row(7, 1).key])
        db.set_trace_callback(None)
        selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
        assert len(selects) == 2
        plans = [" ".join(str(step[3]) for step in db.execute(f"EXPLAIN QUERY PLAN {s}")) for s in selects]
    assert all(plan.startswith("SEARCH") for plan in plans), plans
    assert "written_by_response" in plans[0]
    assert not any("TEMP B-TREE" in plan for plan in plans)


def test_each_thread_reads_and_writes_through_its_own_connection(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "ledger.sqlite3")
    errors: list[BaseException] = []

    def push(response: int) -> None:
        try:
            ledger.record(TARGET, [row(response, n) for n in range(3)])
            assert len(ledger.for_response(TARGET, f"identifier=r|{response}")) == 3
        except BaseException as exc:  # noqa: BLE001 - reported after the join
            errors.append(exc)

    threads = [threading.Thread(target=push, args=(r,)) for r in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(Ledger(tmp_path / "ledger.sqlite3").lookup(TARGET, [row(r, 0).key for r in range(8)])) == 8
    with sqlite3.connect(tmp_path / "ledger.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
