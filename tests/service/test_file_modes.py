"""The service's files hold patient data (issue 19, item 9): database, WAL, SHM and the writer
lock are 0600 and the folders it makes 0700, whatever the umask; a database left 0644 by an
older version is made 0600 at start."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fhir_werk.service import ServiceSettings, create_app

from .kit import TestClient, example, post


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0)  # the loosest umask: nothing is taken away from what is asked
    try:
        yield
    finally:
        os.umask(previous)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("open_umask")
def test_database_files_and_folders_are_private(tmp_path: Path) -> None:
    data = tmp_path / "nieuw" / "data"
    with TestClient(create_app(ServiceSettings(data_dir=data), worker=False)) as client:
        assert post(client, example()).status_code == 201
        database = data / "fhir-werk.sqlite3"
        files = [
            database,
            Path(f"{database}-wal"),
            Path(f"{database}-shm"),
            Path(f"{database}-schrijver.lock"),
        ]
        assert {path.name: _mode(path) for path in files} == {path.name: 0o600 for path in files}
    assert _mode(data) == 0o700
    assert _mode(tmp_path / "nieuw") == 0o700


def test_an_existing_readable_database_is_made_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with TestClient(create_app(ServiceSettings(data_dir=data), worker=False)):
        pass
    database = data / "fhir-werk.sqlite3"
    database.chmod(0o644)
    with TestClient(create_app(ServiceSettings(data_dir=data), worker=False)):
        assert _mode(database) == 0o600
