"""A FHIR NPM package (``.tgz``) of the published artifacts, loadable by FHIR servers and SUSHI.

Layout per the FHIR NPM Package specification (https://confluence.hl7.org/display/FHIR/NPM+Package+Specification):
``package/package.json``, ``package/.index.json`` and one JSON file per resource. The archive is
reproducible: sorted entries, fixed timestamps and owner, so the same artifacts give the same bytes.
"""

from __future__ import annotations

import gzip
import io
import json
import tarfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fhir_werk.shared import BASE, FHIR_VERSION, PACKAGE_NAME, PUBLISHER, VERSION, Resource

_INDEXED = ("resourceType", "id", "url", "version", "kind", "type")


def manifest() -> dict[str, Any]:
    """The contents of ``package/package.json``."""
    return {
        "name": PACKAGE_NAME,
        "version": VERSION,
        "canonical": BASE,
        "url": BASE,
        "title": "fhir-werk: Gespreksleidraad 'Arbeid als medicijn'",
        "description": (
            "De negen thema's van de Gespreksleidraad 'Arbeid als medicijn' (© Akwa GGZ 2017) als FHIR R4 "
            "SDC-vragenlijsten, met codelijsten en de extractie naar een CarePlan-sectie Werk."
        ),
        "fhirVersions": [FHIR_VERSION],
        "dependencies": {"hl7.fhir.r4.core": FHIR_VERSION, "hl7.fhir.uv.sdc": "4.0.0"},
        "author": PUBLISHER,
        "license": "CC-BY-4.0",
        "jurisdiction": "urn:iso:std:iso:3166#NL",
        "type": "fhir.ig",
    }


def index(files: dict[str, Resource]) -> dict[str, Any]:
    """The contents of ``package/.index.json``: one entry per resource file."""
    entries = []
    for name, resource in sorted(files.items()):
        entry = {"filename": name} | {k: resource[k] for k in _INDEXED if k in resource}
        entries.append(entry)
    return {"index-version": 1, "files": entries}


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(f"package/{name}")
    info.size = len(data)
    info.mtime = 0
    info.mode = 0o644
    info.uname = info.gname = ""
    tar.addfile(info, io.BytesIO(data))


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def build_package(resources: Iterable[Resource]) -> bytes:
    """The ``.tgz`` bytes of a package holding these resources (file names ``<Type>-<id>.json``)."""
    files = {f"{r['resourceType']}-{r['id']}.json": r for r in resources}
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
        _add(tar, "package.json", _json_bytes(manifest()))
        _add(tar, ".index.json", _json_bytes(index(files)))
        for name in sorted(files):
            _add(tar, name, _json_bytes(files[name]))
    return gzip.compress(raw.getvalue(), mtime=0)


def write_package(resources: Iterable[Resource], out_dir: Path) -> Path:
    """Write ``<name>-<version>.tgz`` into ``out_dir`` (created if needed) and return its path."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{PACKAGE_NAME}-{VERSION}.tgz"
    target.write_bytes(build_package(resources))
    return target
