"""The SQLite files delivery keeps (the ledger, the audit log): one connection per thread, WAL.

Opening a connection per call read the schema and a cold cache again on every push, and the
rollback journal cost two syncs per commit; sqlite3 connections may not cross threads, so each
thread keeps its own.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import suppress


class ThreadConnections:
    """A connection to one SQLite file per thread, opened on first use and kept."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        """This thread's connection."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite3.connect(self.path, timeout=30)
            db.execute("PRAGMA synchronous = FULL")
        return db


def write_ahead(db: sqlite3.Connection) -> None:
    """Put the file in WAL mode: readers never wait for a writer (threads and processes pushing
    at once), and a commit is one fsync of the log; with ``synchronous = FULL`` it is as durable
    as with the rollback journal. The mode stays with the file (``-wal`` and ``-shm`` beside it)."""
    # Another process holding the file open in its own mode may refuse the switch: keep that mode.
    with suppress(sqlite3.OperationalError):
        db.execute("PRAGMA journal_mode = WAL")
