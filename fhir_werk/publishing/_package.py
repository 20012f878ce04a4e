"""A FHIR NPM package (``.tgz``) of the published artifacts, loadable by FHIR servers and SUSHI.

Layout per the FHIR NPM Package specification (https://confluence.hl7.org/display/FHIR/NPM+Package+Specification):
``package/package.json``, ``package/.index.json`` (index version 2, the fields HL7's package
library ``NpmPackageIndexBuilder`` writes) and one JSON file per resource, plus the package's
ImplementationGuide resource (``type: fhir.ig``), which lists every resource and the dependencies.
The archive is reproducible: sorted entries, fixed timestamps and owner, so the same artifacts give
the same bytes.

Dependencies: ``hl7.fhir.uv.sdc#4.0.0`` (the SDC extensions), and ``hl7.terminology.r4#7.1.0`` for the
``terminology.hl7.org`` CodeSystems the resources use (observation-category, consentscope,
v3-ActCode, v3-ParticipationType): the version SDC 4.0.0 itself depends on, so a consumer resolves
one THO version, not two.
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

# The top-level fields HL7's NpmPackageIndexBuilder (org.hl7.fhir.utilities) puts in an index-version 2 entry.
_INDEXED = (
    "resourceType",
    "id",
    "url",
    "version",
    "kind",
    "type",
    "supplements",
    "content",
    "valueSet",
    "derivation",
)
INDEX_VERSION = 2
SDC_VERSION = "4.0.0"
TERMINOLOGY_VERSION = "7.1.0"
# (package id, version, canonical of the ImplementationGuide)
_DEPENDENCIES = (
    ("hl7.fhir.uv.sdc", SDC_VERSION, "http://hl7.org/fhir/uv/sdc/ImplementationGuide/hl7.fhir.uv.sdc"),
    (
        "hl7.terminology.r4",
        TERMINOLOGY_VERSION,
        "http://terminology.hl7.org/ImplementationGuide/hl7.terminology",
    ),
)
_TITLE = "fhir-werk: Gespreksleidraad 'Arbeid als medicijn'"
_DESCRIPTION = (
    "De negen thema's van de Gespreksleidraad 'Arbeid als medicijn' (© Akwa GGZ 2017) als FHIR R4 "
    "SDC-vragenlijsten, met codelijsten en de extractie naar een CarePlan-sectie Werk."
)


def manifest() -> dict[str, Any]:
    """The contents of ``package/package.json``."""
    return {
        "name": PACKAGE_NAME,
        "version": VERSION,
        "canonical": BASE,
        "url": BASE,
        "title": _TITLE,
        "description": _DESCRIPTION,
        "fhirVersions": [FHIR_VERSION],
        "dependencies": {"hl7.fhir.r4.core": FHIR_VERSION} | {p: v for p, v, _ in _DEPENDENCIES},
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
    return {"index-version": INDEX_VERSION, "files": entries}


def implementation_guide(resources: Iterable[Resource]) -> Resource:
    """The package's ImplementationGuide: its dependencies and every resource (no global profiles)."""
    return {
        "resourceType": "ImplementationGuide",
        "id": PACKAGE_NAME,
        "language": "nl",
        "url": f"{BASE}/ImplementationGuide/{PACKAGE_NAME}",
        "version": VERSION,
        "name": "FhirWerkLeidraad",
        "title": _TITLE,
        "status": "active",
        "experimental": False,
        "publisher": PUBLISHER,
        "description": _DESCRIPTION,
        "jurisdiction": [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "NL"}]}],
        "packageId": PACKAGE_NAME,
        "license": "CC-BY-4.0",
        "fhirVersion": [FHIR_VERSION],
        "dependsOn": [
            {"id": package.replace(".", "-"), "uri": uri, "packageId": package, "version": version}
            for package, version, uri in _DEPENDENCIES
        ],
        "definition": {
            "resource": [
                {
                    "reference": {"reference": f"{r['resourceType']}/{r['id']}"},
                    "name": r.get("title") or r.get("name") or r["id"],
                    "exampleBoolean": False,
                }
                for r in sorted(resources, key=lambda r: (r["resourceType"], r["id"]))
            ]
        },
    }


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
    resources = list(resources)
    files = {f"{r['resourceType']}-{r['id']}.json": r for r in [*resources, implementation_guide(resources)]}
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
