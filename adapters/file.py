"""The ``file`` adapter: for EPDs without a FHIR write API, a folder the EPD imports from.

Each bundle becomes ``<name>.json`` (format ``bundle``) or a folder ``<name>/`` with one
``<Type>.ndjson`` per resource type (format ``ndjson``, FHIR Bulk Data style, ids taken from the
``urn:uuid`` fullUrls and references rewritten to ``Type/id``). The name is the bundle's stable
extraction identifier, so the same bundle pushed twice is written once ("unchanged") and a
different bundle under an existing name is a conflict, never an overwrite. Files appear
atomically: written to a temporary name in the same folder, fsynced, then linked or renamed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import ClassVar, Literal

from pydantic_settings import BaseSettings, SettingsConfigDict

from fhir_werk.delivery import (
    AuditStore,
    Ledger,
    LedgerStore,
    PushEntry,
    PushesThroughRunPush,
    PushProgress,
    patient_key,
    rewrite_references,
)
from fhir_werk.shared import RemoteConflictError, Resource, conflict

EXTRACTION_IDENTIFIER = "https://fhir-werk.nl/fhir/NamingSystem/extractie"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class FileAdapterSettings(BaseSettings):
    """Settings of the ``file`` adapter, from ``FHIR_WERK_FILE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="FHIR_WERK_FILE_")

    directory: Path
    format: Literal["bundle", "ndjson"] = "bundle"
    send_audit: bool = False
    """Also write each push's AuditEvent to ``<directory>/audit/<id>.json``."""


def _dumps(value: object) -> bytes:
    return (json.dumps(value, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def bundle_name(bundle: Resource) -> str:
    """The file name stem for ``bundle``: the CarePlan's extraction identifier, else the first
    entry's ``ifNoneExist`` value, else a hash of the content."""
    entries = bundle.get("entry", [])
    for entry in sorted(entries, key=lambda e: e.get("resource", {}).get("resourceType") != "CarePlan"):
        identifiers = entry.get("resource", {}).get("identifier", [])
        for identifier in identifiers if isinstance(identifiers, list) else [identifiers]:
            if identifier.get("system") == EXTRACTION_IDENTIFIER and identifier.get("value"):
                return _UNSAFE.sub("-", str(identifier["value"])).strip("-.") or "bundle"
    for entry in entries:
        query = entry.get("request", {}).get("ifNoneExist")
        if query:
            return _UNSAFE.sub("-", str(query).rpartition("|")[2]).strip("-.") or "bundle"
    return hashlib.sha256(_dumps(bundle)).hexdigest()[:32]


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


STALE_AFTER_S = 3600.0
"""A temporary file older than this was left by a writer that died (a crash, a kill -9)."""


def remove_stale_temporaries(directory: Path, *, now: float | None = None) -> list[str]:
    """Remove ``.tmp-*`` files and folders of dead writers; returns their names.

    A live writer's temporary is at most seconds old, so only those older than
    :data:`STALE_AFTER_S` go: a concurrent push is never disturbed.
    """
    moment = time.time() if now is None else now
    removed: list[str] = []
    for path in directory.glob(".tmp-*"):
        try:
            if moment - path.lstat().st_mtime < STALE_AFTER_S:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        except FileNotFoundError:
            continue  # another writer cleaned it up first
        removed.append(path.name)
    return sorted(removed)


def _write_temporary(directory: Path, data: bytes) -> Path:
    with tempfile.NamedTemporaryFile(dir=directory, prefix=".tmp-", delete=False) as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    return Path(handle.name)


def _conflict(name: str) -> RemoteConflictError:
    return RemoteConflictError(
        conflict(
            f"Er staat al een andere bundel onder de naam '{name}'; die wordt niet overschreven.",
            f"A different bundle already exists under the name '{name}'; it is not overwritten.",
        ),
        409,
    )


def write_once(path: Path, data: bytes) -> Literal["created", "unchanged"]:
    """Write ``data`` to ``path`` atomically unless it exists: same bytes → unchanged, else conflict."""
    if path.exists():
        if path.read_bytes() == data:
            return "unchanged"
        raise _conflict(path.name)
    temporary = _write_temporary(path.parent, data)
    try:
        # os.link, not os.replace: linking fails when the name appeared meanwhile, so a
        # concurrent writer's different bundle can never be overwritten.
        os.link(temporary, path)
    except FileExistsError:
        return write_once(path, data)
    finally:
        temporary.unlink()
    _fsync_directory(path.parent)
    return "created"


def _version_path(first: Path, data: bytes, same: Callable[[Path], bool]) -> Path:
    """Where a bundle goes: ``first`` for the first version of an extraction, and next to it
    ``<name>.<digest>`` for each later version (an amended response), so an EPD that imports the
    folder in order gets every update and no file is ever overwritten."""
    if not first.exists() or same(first):
        return first
    stamp = hashlib.sha256(data).hexdigest()[:12]
    return first.with_name(f"{first.stem}.{stamp}{first.suffix}")


def _read_folder(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def write_folder_once(folder: Path, files: dict[str, bytes]) -> Literal["created", "unchanged"]:
    """Create ``folder`` with ``files`` atomically unless it exists (same files → unchanged)."""
    if folder.exists():
        if _read_folder(folder) == files:
            return "unchanged"
        raise _conflict(folder.name)
    temporary = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    for name, data in files.items():
        with (temporary / name).open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    try:
        # rename refuses a non-empty existing folder, so a concurrent writer is never overwritten.
        temporary.rename(folder)
    except OSError:
        for path in temporary.iterdir():
            path.unlink()
        temporary.rmdir()
        if folder.exists():
            return write_folder_once(folder, files)
        raise
    _fsync_directory(folder.parent)
    return "created"


def _resource_id(entry: Resource, index: int) -> str:
    full_url = str(entry.get("fullUrl", ""))
    if full_url.startswith("urn:uuid:"):
        return full_url.removeprefix("urn:uuid:")
    return str(entry.get("resource", {}).get("id") or f"entry-{index}")


def ndjson_files(bundle: Resource) -> dict[str, bytes]:
    """``{"<Type>.ndjson": lines}`` for a bundle, with ids assigned and references resolved."""
    entries = bundle.get("entry", [])
    ids = {str(e.get("fullUrl")): _resource_id(e, i) for i, e in enumerate(entries)}
    mapping = {
        str(e.get("fullUrl")): f"{e['resource']['resourceType']}/{ids[str(e.get('fullUrl'))]}"
        for e in entries
        if e.get("fullUrl")
    }
    lines: dict[str, list[str]] = {}
    for entry in entries:
        resource = {**rewrite_references(entry["resource"], mapping), "id": ids[str(entry.get("fullUrl"))]}
        line = json.dumps(resource, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        lines.setdefault(f"{resource['resourceType']}.ndjson", []).append(line)
    return {name: ("\n".join(rows) + "\n").encode() for name, rows in sorted(lines.items())}


class FileAdapter(PushesThroughRunPush):
    """Writes bundles into a folder; also the :class:`~fhir_werk.delivery._push.PushTarget` for it."""

    name: ClassVar[str] = "file"
    settings_type: ClassVar[type[BaseSettings]] = FileAdapterSettings
    settings: FileAdapterSettings

    def __init__(
        self, settings: FileAdapterSettings, *, audit: AuditStore, ledger: LedgerStore | None = None
    ) -> None:
        self.settings = settings
        self._audit = audit
        self._ledger = ledger or Ledger(":memory:")

    def close(self) -> None:
        """Nothing to release: every write opens and closes its own files."""

    @property
    def address(self) -> str:
        """The folder as a ``file:`` URL."""
        return self.settings.directory.resolve().as_uri()

    def _stored_resources(self) -> list[Resource]:
        directory = self.settings.directory
        if not directory.is_dir():
            return []
        found: list[Resource] = []
        for path in directory.glob("*.json"):
            found.extend(e.get("resource", {}) for e in json.loads(path.read_bytes()).get("entry", []))
        for path in directory.glob("*/Consent.ndjson"):
            found.extend(json.loads(line) for line in path.read_text().splitlines() if line.strip())
        return found

    def existing_consents(self, patient: str) -> Sequence[Resource]:
        """Consents of ``patient`` in bundles already written to the folder."""
        return [
            r
            for r in self._stored_resources()
            if r.get("resourceType") == "Consent"
            and patient_key(r.get("patient", {}).get("reference")) == patient
        ]

    def send(self, bundle: Resource, progress: PushProgress) -> None:
        """Write ``bundle`` once under its stable name."""
        progress.interaction = "create"
        directory = self.settings.directory
        directory.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(directory)
        name = bundle_name(bundle)
        entries = bundle.get("entry", [])
        if self.settings.format == "bundle":
            data = _dumps(bundle)
            path = _version_path(directory / f"{name}.json", data, lambda p: p.read_bytes() == data)
            status = write_once(path, data)
            ids: list[str | None] = [None] * len(entries)
        else:
            files = ndjson_files(bundle)
            stamp = b"".join(file_name.encode() + data for file_name, data in sorted(files.items()))
            path = _version_path(directory / name, stamp, lambda p: _read_folder(p) == files)
            status = write_folder_once(path, files)
            ids = [_resource_id(e, i) for i, e in enumerate(entries)]
        for entry, resource_id in zip(entries, ids, strict=True):
            resource_type = str(entry.get("resource", {}).get("resourceType"))
            progress.entries.append(
                PushEntry(
                    resource_type=resource_type,
                    status=status,
                    id=resource_id,
                    location=path.name if resource_id is None else f"{path.name}/{resource_type}.ndjson",
                    full_url=entry.get("fullUrl"),
                    identifier=entry.get("request", {}).get("ifNoneExist"),
                )
            )

    def send_audit(self, event: Resource) -> None:
        """Write the AuditEvent to ``<directory>/audit/<id>.json``."""
        folder = self.settings.directory / "audit"
        folder.mkdir(parents=True, exist_ok=True)
        write_once(folder / f"{event['id']}.json", _dumps(event))
