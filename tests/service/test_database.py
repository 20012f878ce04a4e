"""The database: the shipped migrations make exactly the tables the queries are written against,
run again they change nothing, and SQLite runs in WAL mode."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from fhir_werk.service import make_engine, migrate
from fhir_werk.service.storage._schema import metadata


def test_the_migrations_make_the_schema_the_queries_use(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'db.sqlite3'}")
    migrate(engine)
    migrate(engine)  # a second start finds the newest revision and does nothing
    found = sa.inspect(engine)
    assert set(found.get_table_names()) == set(metadata.tables) | {"alembic_version"}
    for name, table in metadata.tables.items():
        columns = {c["name"]: (str(c["type"]), c["nullable"]) for c in found.get_columns(name)}
        expected = {c.name: (c.type.compile(dialect=engine.dialect), c.nullable) for c in table.columns}
        assert columns == expected, name
        indexes = {tuple(i["column_names"]) for i in found.get_indexes(name)}
        assert indexes == {tuple(c.name for c in i.columns) for i in table.indexes}, name
        unique = {tuple(i["column_names"]) for i in found.get_indexes(name) if i["unique"]}
        assert unique == {(c.name,) for c in table.columns if c.unique}, name
    with engine.connect() as db:
        assert db.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert db.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == "0004"
    engine.dispose()
