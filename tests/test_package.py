"""``fhir-werk package`` builds a FHIR NPM package that servers and SUSHI can load."""

from __future__ import annotations

import json
import tarfile
from pathlib import Path

from fhir.resources.R4B import get_fhir_model_class
from typer.testing import CliRunner

from fhir_werk.cli import app
from fhir_werk.publishing._artifacts import published
from fhir_werk.publishing._package import build_package


def _build(tmp_path: Path) -> Path:
    result = CliRunner().invoke(app, ["package", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.name == "nl.fhir-werk.leidraad-0.1.0.tgz"
    return path


def test_package_layout_manifest_and_index(tmp_path: Path) -> None:
    with tarfile.open(_build(tmp_path)) as tar:
        names = tar.getnames()
        assert all(n.startswith("package/") for n in names)
        manifest = json.load(tar.extractfile("package/package.json"))  # type: ignore[arg-type]
        index = json.load(tar.extractfile("package/.index.json"))  # type: ignore[arg-type]
    assert manifest["name"] == "nl.fhir-werk.leidraad"
    assert manifest["version"] == "0.1.0"
    assert manifest["canonical"] == "https://fhir-werk.nl/fhir"
    assert manifest["fhirVersions"] == ["4.0.1"]
    assert manifest["dependencies"] == {
        "hl7.fhir.r4.core": "4.0.1",
        "hl7.fhir.uv.sdc": "4.0.0",
        "hl7.terminology.r4": "7.1.0",
    }
    resource_files = sorted(
        n.removeprefix("package/") for n in names if n not in ("package/package.json", "package/.index.json")
    )
    assert index["index-version"] == 2
    assert [e["filename"] for e in index["files"]] == resource_files
    # Every published resource plus the package's ImplementationGuide.
    assert len(resource_files) == len(published().resources) + 1
    assert "ImplementationGuide-nl.fhir-werk.leidraad.json" in resource_files


def test_index_entries_carry_the_version_2_fields(tmp_path: Path) -> None:
    with tarfile.open(_build(tmp_path)) as tar:
        index = json.load(tar.extractfile("package/.index.json"))  # type: ignore[arg-type]
    by_name = {e["filename"]: e for e in index["files"]}
    assert by_name["CodeSystem-schaal.json"] == {
        "filename": "CodeSystem-schaal.json",
        "resourceType": "CodeSystem",
        "id": "schaal",
        "url": "https://fhir-werk.nl/fhir/CodeSystem/schaal",
        "version": "0.1.0",
        "content": "complete",
        "valueSet": "https://fhir-werk.nl/fhir/ValueSet/schaal",
    }
    assert by_name["StructureDefinition-actorrol.json"] == {
        "filename": "StructureDefinition-actorrol.json",
        "resourceType": "StructureDefinition",
        "id": "actorrol",
        "url": "https://fhir-werk.nl/fhir/StructureDefinition/actorrol",
        "version": "0.1.0",
        "kind": "complex-type",
        "type": "Extension",
        "derivation": "constraint",
    }


def test_implementation_guide_lists_every_resource_and_the_dependencies(tmp_path: Path) -> None:
    with tarfile.open(_build(tmp_path)) as tar:
        manifest = json.load(tar.extractfile("package/package.json"))  # type: ignore[arg-type]
        ig = json.load(tar.extractfile("package/ImplementationGuide-nl.fhir-werk.leidraad.json"))  # type: ignore[arg-type]
    assert ig["packageId"] == manifest["name"]
    assert ig["version"] == manifest["version"]
    assert ig["url"] == "https://fhir-werk.nl/fhir/ImplementationGuide/nl.fhir-werk.leidraad"
    assert ig["fhirVersion"] == ["4.0.1"]
    assert "global" not in ig
    assert {d["packageId"]: d["version"] for d in ig["dependsOn"]} == {
        p: v for p, v in manifest["dependencies"].items() if p != "hl7.fhir.r4.core"
    }
    listed = [r["reference"]["reference"] for r in ig["definition"]["resource"]]
    assert sorted(listed) == sorted(f"{r['resourceType']}/{r['id']}" for r in published().resources)
    get_fhir_model_class("ImplementationGuide").model_validate(ig)


def test_every_file_in_the_package_parses(tmp_path: Path) -> None:
    with tarfile.open(_build(tmp_path)) as tar:
        index = json.load(tar.extractfile("package/.index.json"))  # type: ignore[arg-type]
        for entry in index["files"]:
            resource = json.load(tar.extractfile(f"package/{entry['filename']}"))  # type: ignore[arg-type]
            assert resource["resourceType"] == entry["resourceType"]
            assert resource["url"] == entry["url"]
            assert resource.get("version") == entry.get("version")
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)


def test_package_bytes_are_reproducible() -> None:
    assert build_package(published().resources) == build_package(published().resources)
