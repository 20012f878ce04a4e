"""The snapshots of fhir-werk's extension definitions, made by a real snapshot generator.

Tools that build on the package (SUSHI, the IG Publisher, validators) need a StructureDefinition's
snapshot: SUSHI refuses an extension without one ("... is missing a snapshot. Snapshot is required
for import.") and drops it from its output. Python has no FHIR snapshot generator, so the
snapshots come from the HL7 Java library as HAPI FHIR 8.8.0 runs it
(``SnapshotGeneratingValidationSupport``, the same code as the test server's ``$snapshot``), in
``tests/java-packages/``. They are checked in, one generated file per definition, under
``questionnaires/bron/snapshots/``; ``fhir-werk generate`` copies the snapshot (and the base's
``mapping`` declarations it refers to) into the definition. Regenerate them with
``.venv/bin/python tests/test_package_tools.py snapshots``; that test module regenerates
them and fails when a checked-in file differs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fhir_werk.shared import InvalidInputError, issue, outcome

_GENERATED = ("mapping", "snapshot")
REGENERATE = ".venv/bin/python tests/test_package_tools.py snapshots"


class StaleSnapshotError(InvalidInputError):
    """A checked-in snapshot was generated from another version of the definition, or is missing.

    An InvalidInputError, so ``fhir-werk generate`` reports it as an OperationOutcome (exit 1,
    like outdated files), never as an internal error. Its text (``str``) is the Dutch message.
    """

    def __init__(self, nl: str, en: str, path: Path) -> None:
        super().__init__(outcome([issue("error", "business-rule", nl, en, str(path))]), status=422)
        self.args = (nl,)

    def __str__(self) -> str:
        return str(self.args[0])


def snapshot_path(source_dir: Path, resource_id: str) -> Path:
    """Where the generated definition with snapshot of ``resource_id`` is kept."""
    return source_dir / "snapshots" / f"StructureDefinition-{resource_id}.json"


def with_snapshot(definition: dict[str, Any], source_dir: Path) -> dict[str, Any]:
    """``definition`` with the checked-in ``mapping`` and ``snapshot`` of the generator.

    Raises :class:`StaleSnapshotError` unless the checked-in file was generated from exactly this
    definition (everything but the generated elements equal).
    """
    path = snapshot_path(source_dir, definition["id"])
    if not path.is_file():
        raise StaleSnapshotError(
            f"snapshot ontbreekt: {path.name}; draai {REGENERATE}",
            f"snapshot missing: {path.name}; run {REGENERATE}",
            path,
        )
    generated = json.loads(path.read_text(encoding="utf-8"))
    if {k: v for k, v in generated.items() if k not in _GENERATED} != definition:
        raise StaleSnapshotError(
            f"snapshot verouderd: {path.name}; draai {REGENERATE}",
            f"snapshot outdated: {path.name}; run {REGENERATE}",
            path,
        )
    result: dict[str, Any] = {}
    for key, value in definition.items():
        if key == "kind":
            result["mapping"] = generated["mapping"]
        if key == "differential":
            result["snapshot"] = generated["snapshot"]
        result[key] = value
    return result
