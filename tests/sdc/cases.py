"""The conformance cases (tests/fixtures/sdc/<case>/) and how a bundle is compared with the
expected one: resource by resource, with ids, fullUrls and entry order aside.

A case holds questionnaire.json, response.json, expected.json and, for "modifications only",
comparison-source.json. Sources and licences: tests/fixtures/sdc/README.md.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent / "fixtures" / "sdc"
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")

VOLATILE: dict[str, dict[str, tuple[str, ...]]] = {
    # dateAsserted is now(): the same in no two runs (CSIRO's test strips it too).
    "*": {"MedicationStatement": ("dateAsserted",)},
    # CSIRO's expected file has another authored time than its response; its test strips them.
    "csiro-complex-template": {"Observation": ("effectiveDateTime", "issued")},
}
"""Elements left out of the comparison, per case ("*": every case)."""


@dataclass(frozen=True)
class Case:
    name: str
    questionnaire: dict[str, Any]
    response: dict[str, Any]
    expected: dict[str, Any]
    comparison_source: dict[str, Any] | None


def _read(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def cases() -> list[Case]:
    found = []
    for folder in sorted(p for p in ROOT.iterdir() if p.is_dir()):
        comparison = folder / "comparison-source.json"
        found.append(
            Case(
                folder.name,
                _read(folder / "questionnaire.json"),
                _read(folder / "response.json"),
                _read(folder / "expected.json"),
                _read(comparison) if comparison.exists() else None,
            )
        )
    return found


def _normal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    if isinstance(value, str):
        return _UUID.sub("<uuid>", value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def comparable(bundle: dict[str, Any], case: str = "") -> list[str]:
    """The entries as sorted canonical JSON: resource (without id) and request method and URL,
    allocated UUIDs and now() values aside."""
    found = []
    for entry in bundle.get("entry", []):
        resource = dict(entry.get("resource") or {})
        resource.pop("id", None)
        kind = str(resource.get("resourceType"))
        for name in (*VOLATILE["*"].get(kind, ()), *VOLATILE.get(case, {}).get(kind, ())):
            resource.pop(name, None)
        request = entry.get("request") or {}
        shown = {"resource": resource, "method": request.get("method"), "url": request.get("url")}
        found.append(json.dumps(_normal(shown), sort_keys=True, ensure_ascii=False))
    return sorted(found)


def differences(ours: dict[str, Any], expected: dict[str, Any], case: str = "") -> list[str]:
    """What one bundle has that the other lacks ('-' expected only, '+' ours only)."""
    a, b = comparable(expected, case), comparable(ours, case)
    return [f"- {x}" for x in a if x not in b] + [f"+ {x}" for x in b if x not in a]
