"""The database: an SQLAlchemy engine (SQLite in WAL mode by default, PostgreSQL by URL) brought
to the newest schema by the shipped Alembic migrations every time the service starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    # WAL lets readers work while the one writer writes; busy_timeout makes a second writer
    # (the worker thread, another process) wait instead of failing; FULL sync keeps an
    # acknowledged response through a power cut, not only a killed process.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``; an SQLite file gets its folder made and the pragmas above."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})
    sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def migrate(engine: sa.Engine) -> None:
    """Bring the database to the newest migration (a no-op when it is there already)."""
    config = Config()
    config.set_main_option("script_location", "fhir_werk.service:migrations")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def is_postgresql(engine: sa.Engine) -> bool:
    """True on PostgreSQL (job claims use ``FOR UPDATE SKIP LOCKED`` there)."""
    return engine.dialect.name == "postgresql"
