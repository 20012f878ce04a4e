"""The package in the HL7 Java libraries (``tests/java-packages/``, Maven Central, HAPI FHIR 8.8.0).

- HL7's package library (``org.hl7.fhir.utilities`` ``NpmPackage``) loads the package as built by
  ``fhir-werk package``, keeps its index (version 2) and resolves every canonical ``url|version``
  to exactly one resource; a bare url to exactly one, except the leidraad, whose modular (0.1.0)
  and assembled (0.1.0-assembled) forms share one url (docs/questionnaires.md: name the version).
- The checked-in snapshots of the extension definitions are what the HL7 snapshot generator makes
  of the current differentials (regenerate: ``.venv/bin/python tests/test_package_tools.py snapshots``).

The ``java_tools`` fixture builds the tool jar with Maven when it is missing or older than its
sources, and FAILS (never skips) when java or mvn is missing: tests marked ``java`` always run in CI.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Final

import pytest

from fhir_werk.authoring._codes import extension_definitions
from fhir_werk.authoring._generate import default_dirs, serialize
from fhir_werk.authoring._snapshots import StaleSnapshotError, snapshot_path, with_snapshot
from fhir_werk.publishing import published, write_package
from fhir_werk.shared import BASE

ROOT: Final = Path(__file__).resolve().parents[1]
TOOL_DIR: Final = ROOT / "tests" / "java-packages"
JAR: Final = TOOL_DIR / "target" / "fhir-werk-package-tools.jar"
JAVA_TIMEOUT_S: Final = 300.0
MAVEN_TIMEOUT_S: Final = 900.0


def _stale_jar() -> bool:
    if not JAR.is_file():
        return True
    sources = [TOOL_DIR / "pom.xml", *TOOL_DIR.joinpath("src").rglob("*.java")]
    return max(p.stat().st_mtime for p in sources) > JAR.stat().st_mtime


def build_tools() -> Path:
    """The tool jar, built with ``mvn -q -B package`` when missing or stale.

    Raises RuntimeError naming what is missing.
    """
    missing = [tool for tool in ("java", "mvn") if shutil.which(tool) is None]
    if missing:
        raise RuntimeError(f"{' en '.join(missing)} staat niet op het PATH (JDK 17 en Maven 3.8 zijn nodig)")
    if _stale_jar():
        result = subprocess.run(
            ["mvn", "-q", "-B", "package"],
            cwd=TOOL_DIR,
            capture_output=True,
            text=True,
            timeout=MAVEN_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0 or not JAR.is_file():
            raise RuntimeError(f"mvn package in tests/java-packages mislukt:\n{result.stdout[-4000:]}")
        JAR.touch()
    return JAR


@pytest.fixture(scope="session")
def java_tools() -> Path:
    """Session fixture for tests marked ``java``: fails, never skips, when the tools cannot be built."""
    try:
        return build_tools()
    except RuntimeError as exc:
        pytest.fail(str(exc), pytrace=False)


def run_tool(command: str, payload: Path) -> Any:
    """Run ``PackageTools COMMAND payload out.json`` and return the parsed output."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        result = subprocess.run(
            ["java", "-jar", str(build_tools()), command, str(payload), str(out)],
            capture_output=True,
            text=True,
            timeout=JAVA_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0:
            detail = result.stderr[-4000:]
            raise RuntimeError(f"PackageTools {command} stopte met {result.returncode}:\n{detail}")
        return json.loads(out.read_text(encoding="utf-8"))


def generate_snapshots() -> list[dict[str, Any]]:
    """The extension definitions of the authoring code, with the snapshots the HL7 generator makes."""
    with tempfile.TemporaryDirectory() as tmp:
        payload = Path(tmp) / "in.json"
        payload.write_text(json.dumps(extension_definitions()), encoding="utf-8")
        generated: list[dict[str, Any]] = run_tool("snapshot", payload)
    return generated


@pytest.mark.java
def test_checked_in_snapshots_are_what_the_hl7_generator_makes(java_tools: Path) -> None:
    source_dir = default_dirs()[0]
    generated = generate_snapshots()
    assert [sd["id"] for sd in generated] == ["alleen-zelfstandig", "actorrol"]
    for sd in generated:
        assert len(sd["snapshot"]["element"]) == 5, sd["id"]
        assert snapshot_path(source_dir, sd["id"]).read_text(encoding="utf-8") == serialize(sd), (
            f"verouderd: {sd['id']}; draai .venv/bin/python tests/test_package_tools.py snapshots"
        )


@pytest.mark.java
def test_hl7_package_library_resolves_every_canonical_to_one_resource(
    java_tools: Path, tmp_path: Path
) -> None:
    loaded = run_tool("resolve", write_package(published().resources, tmp_path))
    assert (loaded["name"], loaded["version"], loaded["canonical"]) == (
        "nl.fhir-werk.leidraad",
        "0.1.0",
        "https://fhir-werk.nl/fhir",
    )
    assert sorted(loaded["dependencies"]) == [
        "hl7.fhir.r4.core#4.0.1",
        "hl7.fhir.uv.sdc#4.0.0",
        "hl7.terminology.r4#7.1.0",
    ]
    expected = {(r["resourceType"], r["id"], r["url"], r["version"]) for r in published().resources}
    indexed = {(e["resourceType"], e["id"], e["url"], e["version"]) for e in loaded["indexed"]}
    assert indexed - expected == {
        (
            "ImplementationGuide",
            "nl.fhir-werk.leidraad",
            "https://fhir-werk.nl/fhir/ImplementationGuide/nl.fhir-werk.leidraad",
            "0.1.0",
        )
    }
    assert expected <= indexed
    versioned = [x for x in loaded["lookups"] if x.get("version") is not None]
    assert len(versioned) == len(indexed)
    for lookup in versioned:
        key = (lookup.get("resourceType"), lookup.get("id"), lookup["url"], lookup.get("foundVersion"))
        assert key in indexed, lookup
        assert lookup.get("foundVersion") == lookup["version"], lookup
    owners: dict[str, set[str]] = {}
    for entry in loaded["indexed"]:
        owners.setdefault(entry["url"], set()).add(entry["version"])
    shared = {url: versions for url, versions in owners.items() if len(versions) > 1}
    assert shared == {
        f"{BASE}/Questionnaire/{root}": {"0.1.0", "0.1.0-assembled"}
        for root in ("leidraad", "vervolggesprek")
    }
    for lookup in loaded["lookups"]:
        if lookup.get("version") is None and lookup["url"] not in shared:
            assert lookup.get("foundVersion") == next(iter(owners[lookup["url"]])), lookup


def test_every_extension_definition_in_the_package_has_its_snapshot() -> None:
    for sd in extension_definitions():
        path = default_dirs()[1] / f"StructureDefinition-{sd['id']}.json"
        published = json.loads(path.read_text(encoding="utf-8"))
        assert published["snapshot"]["element"][0]["id"] == "Extension"
        assert published["snapshot"]["element"][-1]["type"] == sd["differential"]["element"][-1]["type"]
        assert published["mapping"][0]["identity"] == "rim"
        assert list(published).index("snapshot") == list(published).index("differential") - 1


def test_a_snapshot_of_another_differential_is_refused(tmp_path: Path) -> None:
    shutil.copytree(default_dirs()[0] / "snapshots", tmp_path / "snapshots")
    changed = extension_definitions()[1]
    changed["differential"]["element"][-1]["type"] = [{"code": "CodeableConcept"}]
    stale = r"^snapshot verouderd: StructureDefinition-actorrol\.json; draai "
    with pytest.raises(StaleSnapshotError, match=stale):
        with_snapshot(changed, tmp_path)
    (tmp_path / "snapshots" / "StructureDefinition-actorrol.json").unlink()
    with pytest.raises(StaleSnapshotError, match=r"^snapshot ontbreekt: StructureDefinition-actorrol\.json"):
        with_snapshot(changed, tmp_path)


if __name__ == "__main__":
    if sys.argv[1:] != ["snapshots"]:
        sys.exit("gebruik: .venv/bin/python tests/test_package_tools.py snapshots")
    for sd in generate_snapshots():
        path = snapshot_path(default_dirs()[0], sd["id"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(serialize(sd), encoding="utf-8")
        print(path)
