"""The ledger and the audit log in the service's database (``_sql_ledger``, ``_sql_audit``), on
SQLite and on a throw-away PostgreSQL cluster: the same answers as the SQLite files of the CLI,
concurrent ``record`` of the same keys from two processes, an append-only log, and the files of
an older data folder taken over once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from fhir_werk.delivery import AuditLog, AuditStore, Ledger, LedgerStore, Written
from fhir_werk.service import ServiceSettings, create_app, make_engine, migrate
from fhir_werk.service.storage._audit import SqlAuditLog
from fhir_werk.service.storage._folder_import import MARKER, import_folder_files
from fhir_werk.service.storage._ledger import SqlLedger
from fhir_werk.shared import InvalidInputError

from .kit import TestClient, assert_outcome
from .test_postgresql import postgres_url as postgres_url

TARGET = "http://epd.example/fhir"


def _written(
    number: int, version: str = "1", response: str = "QuestionnaireResponse?identifier=s|r1"
) -> Written:
    return Written(
        key=f"Goal?identifier=s|g{number}",
        response=response,
        patient="Patient/p1",
        resource_type="Goal",
        resource_id=f"goal-{number}",
        version=version,
        digest=f"digest-{number}-{version}",
        resource={"resourceType": "Goal", "id": f"goal-{number}", "note": [{"text": "één ✓"}]},
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres_url")
        engine = make_engine(url)
        with engine.begin() as db:  # each test on an empty database
            db.execute(sa.text("DROP SCHEMA public CASCADE"))
            db.execute(sa.text("CREATE SCHEMA public"))
        engine.dispose()
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    return url


@pytest.fixture
def engine(database: str) -> Iterator[sa.Engine]:
    built = make_engine(database)
    yield built
    built.dispose()


def test_the_sql_ledger_answers_as_the_sqlite_file_does(engine: sa.Engine, tmp_path: Path) -> None:
    stores: list[LedgerStore] = [SqlLedger(engine), Ledger(tmp_path / "ledger.sqlite3")]
    for store in stores:
        assert isinstance(store, LedgerStore)
        store.record(TARGET, [_written(n) for n in range(3)])
        store.record(TARGET, [_written(1, "2"), _written(1, "3")])  # the same key twice: the last wins
        store.record(TARGET, [])
        store.record("file:///elders", [_written(9, response="QuestionnaireResponse?identifier=s|r2")])
    sql, file = stores
    keys = [_written(n).key for n in (0, 1, 7)]
    assert sql.lookup(TARGET, keys) == file.lookup(TARGET, keys)
    assert {k: w.version for k, w in sql.lookup(TARGET, keys).items()} == {keys[0]: "1", keys[1]: "3"}
    response = _written(0).response
    assert sql.for_response(TARGET, response) == file.for_response(TARGET, response)
    assert [w.key for w in sql.for_response(TARGET, response)] == sorted(_written(n).key for n in range(3))
    assert sql.seen(TARGET, response, keys) == file.seen(TARGET, response, keys)
    assert sql.seen(TARGET, None, keys)[0] == []
    assert sql.for_response("file:///elders", response) == []
    (row,) = sql.lookup("file:///elders", [_written(9).key]).values()
    assert row.resource["note"] == [{"text": "één ✓"}]


def test_a_large_lookup_is_chunked(engine: sa.Engine) -> None:
    ledger = SqlLedger(engine)
    ledger.record(TARGET, [_written(n) for n in range(1200)])
    found = ledger.lookup(TARGET, [_written(n).key for n in range(0, 1300)])
    assert len(found) == 1200


_RECORDER = """
import sys
from fhir_werk.delivery import Written
from fhir_werk.service import make_engine
from fhir_werk.service.storage._ledger import SqlLedger

url, name = sys.argv[1], sys.argv[2]
ledger = SqlLedger(make_engine(url))
keys = list(range(40)) if name == "a" else list(reversed(range(40)))
for round in range(15):
    rows = [
        Written(f"Goal?identifier=s|g{n}", "QuestionnaireResponse?identifier=s|r1", "Patient/p1", "Goal",
                f"goal-{n}", name, f"{name}-{round}", {"resourceType": "Goal", "by": name})
        for n in keys
    ]
    ledger.record("http://epd.example/fhir", rows)
print("klaar")
"""


def test_two_processes_recording_the_same_keys_at_once_both_succeed(database: str, engine: sa.Engine) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", _RECORDER, database, name], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for name in ("a", "b")
    ]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()[-2000:]
        assert out.decode().strip() == "klaar"
    rows = SqlLedger(engine).lookup(TARGET, [f"Goal?identifier=s|g{n}" for n in range(40)])
    assert len(rows) == 40
    # Each row is one process's last write, whole (never a mix of the two).
    for written in rows.values():
        assert written.version in ("a", "b")
        assert written.digest == f"{written.version}-14"
        assert written.resource == {"resourceType": "Goal", "by": written.version}
    with engine.connect() as db:
        assert db.execute(sa.text("SELECT count(*) FROM ledger")).scalar() == 40


def _event(number: int, patient: str | None, recorded: str) -> dict[str, object]:
    entity = [{"what": {"reference": patient}, "role": {"code": "1"}}] if patient else []
    return {
        "resourceType": "AuditEvent",
        "id": f"event-{number}",
        "recorded": recorded,
        "outcome": "0" if number % 2 else "4",
        "entity": entity,
    }


def test_the_sql_audit_log_writes_reads_and_pages(engine: sa.Engine) -> None:
    log = SqlAuditLog(engine)
    assert isinstance(log, AuditStore)
    assert log.observer == "fhir-werk"
    times = [
        "2026-12-01T10:00:00.000+00:00",
        "2026-12-01T09:00:00.000+00:00",
        "2026-12-01T11:00:00.000+00:00",
    ]
    for number, (patient, recorded) in enumerate(
        zip(["Patient/a", "Patient/b", "Patient/a"], times, strict=True)
    ):
        log.write(_event(number, patient, recorded))
    log.write(_event(3, None, "2026-12-01T12:00:00.000+00:00"))
    assert [e["id"] for e in log.query()] == [
        "event-0",
        "event-1",
        "event-2",
        "event-3",
    ]  # oldest written first
    assert [e["id"] for e in log.query(patient="Patient/a")] == ["event-0", "event-2"]
    assert [e["id"] for e in log.query(outcome="4")] == ["event-0", "event-2"]
    assert log.read("event-1") == _event(1, "Patient/b", times[1])
    assert log.read("geen") is None
    assert log.owner("event-2") == (True, "Patient/a")
    assert log.owner("event-3") == (True, None)
    assert log.owner("geen") == (False, None)
    total, page = log.page(["Patient/a", "Patient/b"], 2, 0)
    assert (total, [e["id"] for e in page]) == (3, ["event-2", "event-0"])  # newest recorded first
    total, page = log.page(None, 2, 2)
    assert (total, [e["id"] for e in page]) == (4, ["event-0", "event-1"])
    with pytest.raises(sa.exc.IntegrityError):
        log.write(_event(1, "Patient/b", times[1]))  # an id is written once


@pytest.mark.parametrize("statement", ["UPDATE audit_events SET outcome = '8'", "DELETE FROM audit_events"])
def test_the_audit_log_is_append_only(engine: sa.Engine, statement: str) -> None:
    SqlAuditLog(engine).write(_event(1, "Patient/a", "2026-12-01T10:00:00.000+00:00"))
    with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as db:
        db.execute(sa.text(statement))
    assert [e["outcome"] for e in SqlAuditLog(engine).query()] == ["0"]


def test_an_older_data_folders_files_are_taken_over_once(database: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    Ledger(folder / "ledger.sqlite3").record(TARGET, [_written(n) for n in range(3)])
    old_log = AuditLog(folder / "audit.sqlite3")
    old_log.write(_event(1, "Patient/a", "2026-11-01T10:00:00.000+00:00"))
    old_log.write(_event(2, "Patient/b", "2026-11-01T11:00:00.000+00:00"))
    settings = ServiceSettings(data_dir=folder, database_url=database)
    with TestClient(create_app(settings, worker=False)) as client:
        found = client.get("/fhir/AuditEvent", params={"patient": "Patient/a"}).json()
        assert [e["resource"]["id"] for e in found["entry"]] == ["event-1"]
        assert client.get("/fhir/AuditEvent/event-2").json() == _event(
            2, "Patient/b", "2026-11-01T11:00:00.000+00:00"
        )
    engine = make_engine(database)
    try:
        assert SqlLedger(engine).lookup(TARGET, [_written(n).key for n in range(3)]) == Ledger(
            folder / "ledger.sqlite3"
        ).lookup(TARGET, [_written(n).key for n in range(3)])
        assert "3 rijen overgenomen" in (folder / f"ledger.sqlite3{MARKER}").read_text("utf-8")
        # Once: what is added to the old file later is not taken over again (it is no longer used).
        old_log.write(_event(5, "Patient/a", "2026-11-01T12:00:00.000+00:00"))
        import_folder_files(settings, engine)
        assert SqlAuditLog(engine).read("event-5") is None
        ids = [e["id"] for e in SqlAuditLog(engine).query() if e["id"].startswith("event-")]
        assert ids == ["event-1", "event-2"]
    finally:
        engine.dispose()


def test_an_unreadable_old_file_stops_the_start_with_an_outcome(database: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "audit.sqlite3").write_bytes(b"dit is geen SQLite-bestand" * 100)
    engine = make_engine(database)
    try:
        with pytest.raises(InvalidInputError) as raised:
            import_folder_files(ServiceSettings(data_dir=folder, database_url=database), engine)
    finally:
        engine.dispose()
    (issue,) = raised.value.outcome["issue"]
    assert issue["code"] == "invalid"
    assert issue["details"]["text"].startswith("Het bestand 'audit.sqlite3' in de datamap is niet te lezen (")
    assert issue["expression"] == ["FHIR_WERK_DATA_DIR"]
    assert not (folder / f"audit.sqlite3{MARKER}").exists()


def test_audit_event_read_by_id_and_its_404(tmp_path: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path / "data")
    with TestClient(create_app(settings, worker=False)) as client:
        client.get("/fhir/QuestionnaireResponse", params={"patient": "voorbeeld-els"})  # audited
        (entry,) = client.get("/fhir/AuditEvent").json()["entry"]
        read = client.get(f"/fhir/AuditEvent/{entry['resource']['id']}")
        assert read.status_code == 200
        assert read.headers["content-type"] == "application/fhir+json"
        assert read.json() == entry["resource"]
        assert_outcome(
            client.get("/fhir/AuditEvent/bestaat-niet"), 404, "not-found", "AuditEvent/bestaat-niet"
        )
        assert_outcome(client.get("/fhir/AuditEvent/" + "x" * 65), 400, "invalid", "Ongeldige id")
    assert not (settings.data_dir / "audit.sqlite3").exists()  # the log is in the database
    engine = make_engine(settings.database)
    try:
        reads = [e for e in SqlAuditLog(engine).query() if e["subtype"][0]["code"] == "read"]
    finally:
        engine.dispose()
    # Each read is audited too, the refused ones with outcome 4.
    assert [e["outcome"] for e in reads] == ["0", "4", "4"]
