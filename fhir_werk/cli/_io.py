"""The CLI's files: reading an input resource, and writing an output without ever clobbering one.

Reading: :func:`read_resource` reads at most :attr:`InputLimits.max_input_bytes` (+1) bytes, so
a 10 GB file or ``/dev/zero`` costs nothing, and hands them to
:func:`fhir_werk.validation.load_resource`. Every problem is an
:class:`~fhir_werk.shared.UnreadableInputError` naming the file (exit 2).

Writing: :func:`write_atomic` writes a temporary file in the target's folder and renames it
over the target (``os.replace``), so a failure leaves an existing file byte for byte as it was
and no temporary file behind. A target in a missing folder, or that is a folder, is wrong use
(exit 2, checked by :func:`check_output` before any work); a write that fails is an
:class:`OutputError` (exit 3).
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Final

from fhir_werk.cli._usage import WrongUsageError
from fhir_werk.shared import (
    FhirWerkError,
    InputTooLargeError,
    IssueCode,
    Resource,
    UnreadableInputError,
    issue,
    outcome,
)
from fhir_werk.validation import InputLimits, load_resource


class OutputError(FhirWerkError):
    """An output file, target folder or audit database cannot be written (exit 3)."""


_OS_PROBLEMS: Final = {
    "ENOENT": ("bestaat niet", "does not exist"),
    "EACCES": ("geen toegang (rechten)", "permission denied"),
    "EPERM": ("geen toegang (rechten)", "operation not permitted"),
    "EISDIR": ("is een map", "is a directory"),
    "ENOTDIR": ("een deel van het pad is geen map", "a part of the path is not a directory"),
    "ENOSPC": ("de schijf is vol", "no space left on device"),
    "EROFS": ("alleen-lezen bestandssysteem", "read-only file system"),
    "EEXIST": ("bestaat al", "already exists"),
    "ENAMETOOLONG": ("de naam is te lang", "the name is too long"),
}


def os_problem(error: OSError) -> tuple[str, str]:
    """Dutch and English words for an OSError, from its errno only (never its message)."""
    name = errno.errorcode.get(error.errno or 0, "")
    return _OS_PROBLEMS.get(name, (f"invoer-/uitvoerfout {name}".strip(), f"I/O error {name}".strip()))


def _one(code: IssueCode, nl: str, en: str, expression: str | None = None) -> Resource:
    return outcome([issue("error", code, nl, en, expression)])


def read_bytes(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of ``path``; UnreadableInputError (exit 2) if it cannot be read."""
    shown = str(path)
    try:
        with path.open("rb") as file:
            return file.read(limit + 1)
    except FileNotFoundError as exc:
        raise UnreadableInputError(
            _one("not-found", f"Bestand '{shown}' bestaat niet.", f"File '{shown}' does not exist."), 400
        ) from exc
    except IsADirectoryError as exc:
        raise UnreadableInputError(
            _one("invalid", f"'{shown}' is een map, geen bestand.", f"'{shown}' is a directory, not a file."),
            400,
        ) from exc
    except OSError as exc:
        nl, en = os_problem(exc)
        raise UnreadableInputError(
            _one(
                "forbidden" if isinstance(exc, PermissionError) else "exception",
                f"Bestand '{shown}' kan niet worden gelezen: {nl}.",
                f"File '{shown}' cannot be read: {en}.",
            ),
            400,
        ) from exc


def read_resource(path: Path, resource_types: str | Collection[str]) -> Resource:
    """The FHIR resource in ``path``, of one of ``resource_types``, read within :class:`InputLimits`.

    Raises :class:`~fhir_werk.shared.UnreadableInputError` (or :class:`InputTooLargeError`) with
    an OperationOutcome naming the file.
    """
    limits = InputLimits()
    data = read_bytes(path, limits.max_input_bytes)
    if len(data) > limits.max_input_bytes:
        shown, limit = str(path), limits.max_input_bytes
        try:
            size = f"{path.stat().st_size} bytes"
        except OSError:
            size = f"meer dan {limit} bytes"
        size_en = size.replace("meer dan", "more than")
        raise InputTooLargeError(
            _one(
                "too-costly",
                f"Bestand '{shown}' is te groot ({size}; de grens is {limit}).",
                f"File '{shown}' is too large ({size_en}; the limit is {limit}).",
            ),
            413,
        )
    return load_resource(data, resource_types, limits=limits, source=str(path))


def check_output(path: Path, option: str = "--output") -> None:
    """Refuse an output path that can never be written as a file: wrong use, exit 2."""
    shown = str(path)
    if path.is_dir():
        raise WrongUsageError(
            _one(
                "invalid",
                f"'{shown}' is een map; geef de naam van een bestand.",
                f"'{shown}' is a directory; give the name of a file.",
                option,
            ),
            400,
        )
    folder = path.parent
    if not folder.is_dir():
        nl, en = (
            (f"'{folder}' is geen map.", f"'{folder}' is not a directory.")
            if folder.exists()
            else (
                f"De map '{folder}' bestaat niet; maak haar eerst aan.",
                f"The directory '{folder}' does not exist; create it first.",
            )
        )
        raise WrongUsageError(_one("invalid", nl, en, option), 400)


def _mode_for(path: Path) -> int:
    """The mode of the file being replaced, or what a new file gets under the current umask."""
    try:
        return path.stat().st_mode & 0o7777
    except OSError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def write_atomic(path: Path, data: bytes, option: str = "--output") -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename: all or nothing.

    A path that is a folder or in a missing folder: :class:`WrongUsageError` (exit 2); a write
    that fails (permissions, a full disk): :class:`OutputError` (exit 3). Either way an existing
    file keeps its bytes and no temporary file is left.
    """
    check_output(path, option)
    temporary: str | None = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            file = os.fdopen(handle, "wb")
        except BaseException:
            os.close(handle)
            raise
        with file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        nl, en = os_problem(exc)
        raise OutputError(
            _one(
                "exception",
                f"Kan niet schrijven naar '{path}': {nl}. Er is niets veranderd.",
                f"Cannot write to '{path}': {en}. Nothing was changed.",
                option,
            ),
            500,
        ) from exc
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
