"""The database: an SQLAlchemy engine (SQLite in WAL mode by default, PostgreSQL by URL) brought
to the newest schema by the shipped Alembic migrations every time the service starts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from fhir_werk.shared import InvalidInputError, RemoteUnavailableError, issue, outcome


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


def open_database(url: str) -> sa.Engine:
    """:func:`make_engine` and :func:`migrate`, with their failures as fhir-werk errors: a URL
    that names no usable database is an :class:`InvalidInputError` (the setting is wrong), a
    database that does not answer a :class:`RemoteUnavailableError`. Neither message repeats
    the URL (it may hold a password)."""
    try:
        engine = make_engine(url)
    except (sa.exc.ArgumentError, ImportError) as exc:
        raise InvalidInputError(
            outcome(
                [
                    issue(
                        "error",
                        "value",
                        f"De database-URL (FHIR_WERK_DATABASE_URL) is ongeldig of noemt een database zonder "
                        f"stuurprogramma ({type(exc).__name__}); gebruik sqlite:///… of postgresql+psycopg://….",
                        f"The database URL (FHIR_WERK_DATABASE_URL) is invalid or names a database without a "
                        f"driver ({type(exc).__name__}); use sqlite:///… or postgresql+psycopg://….",
                        "FHIR_WERK_DATABASE_URL",
                    )
                ]
            ),
            400,
        ) from exc
    try:
        migrate(engine)
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise RemoteUnavailableError(
            outcome(
                [
                    issue(
                        "error",
                        "transient",
                        f"De database is niet bereikbaar of niet te gebruiken ({type(exc).__name__}).",
                        f"The database cannot be reached or used ({type(exc).__name__}).",
                    )
                ]
            ),
            503,
        ) from exc
    return engine
