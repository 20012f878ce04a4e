"""Files and folders of the service hold patient data: readable by the service's own user only
(files 0600, folders 0700), whatever the umask of the process that made them. SQLite gives its
``-wal`` and ``-shm`` files the mode of the database file, so a private database keeps them
private too."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def private_folder(folder: Path) -> None:
    """Make ``folder`` (and its missing parents) mode 0700; a folder that was there is left as it is."""
    missing = []
    for each in (folder, *folder.parents):
        if each.exists():
            break
        missing.append(each)
    folder.mkdir(parents=True, exist_ok=True)
    for made in missing:
        with contextlib.suppress(OSError):  # made by someone else in between: theirs to set
            made.chmod(0o700)


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it is missing; make it (and SQLite's companions of
    it) 0600 if this user owns them."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    for each in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
        with contextlib.suppress(OSError):
            if each.stat().st_uid == os.getuid():
                each.chmod(0o600)
