"""Generate the published JSON from the YAML sources, or check that it is up to date."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from fhir_werk.authoring._codes import extension_definitions, terminology
from fhir_werk.authoring._companion import companion
from fhir_werk.authoring._items import CodeLists
from fhir_werk.authoring._questionnaires import QuestionnaireFactory
from fhir_werk.authoring._response_builder import build_response
from fhir_werk.authoring._snapshots import with_snapshot
from fhir_werk.authoring._source import load_codes, load_companions, load_root, load_themes
from fhir_werk.narrative import narrated
from fhir_werk.publishing import assemble


def default_dirs() -> tuple[Path, Path]:
    """(sources, output) inside the ``questionnaires/`` folder of this checkout."""
    root = Path(str(files("fhir_werk.questionnaires")))
    return root / "bron", root / "fhir"


def examples_dir() -> Path:
    """Where the example responses go: ``questionnaires/voorbeelden/``."""
    return Path(str(files("fhir_werk.questionnaires"))) / "voorbeelden"


def build_examples(source_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """The example responses of ``voorbeelden.yaml``, filled in on the assembled leidraad."""
    source_dir = source_dir or default_dirs()[0]
    assembled = build_all(source_dir)["Questionnaire-leidraad-assembled.json"]
    people = yaml.safe_load((source_dir / "voorbeelden.yaml").read_text(encoding="utf-8"))
    responses = [
        build_response(
            assembled,
            person["answers"],
            subject=person["subject"],
            authored=person["authored"],
            author="Practitioner/voorbeeld-behandelaar",
            response_id=person["id"],
        )
        for person in people
    ]
    return {file_name(r): narrated(r) for r in responses}


def build_companion_examples(source_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """The example responses of the companion Questionnaires (``<id>-voorbeelden.yaml``)."""
    source_dir = source_dir or default_dirs()[0]
    built = build_all(source_dir)
    responses = []
    for source in load_companions(source_dir):
        questionnaire = built[f"Questionnaire-{source.id}.json"]
        people = yaml.safe_load((source_dir / f"{source.id}-voorbeelden.yaml").read_text(encoding="utf-8"))
        responses += [
            build_response(
                questionnaire,
                person["answers"],
                subject=person["subject"],
                authored=person["authored"],
                author="Practitioner/voorbeeld-behandelaar",
                response_id=f"{source.id}-{person['id']}",
            )
            for person in people
        ]
    return {file_name(r): r for r in responses}


def file_name(resource: dict[str, Any]) -> str:
    """``<Type>-<id>.json``, the FHIR package convention."""
    return f"{resource['resourceType']}-{resource['id']}.json"


def serialize(resource: dict[str, Any]) -> str:
    """Stable JSON text: the committed files are compared byte for byte."""
    return json.dumps(resource, ensure_ascii=False, indent=2) + "\n"


def build_all(source_dir: Path | None = None) -> dict[str, dict[str, Any]]:
    """Every published resource by file name, built from the sources."""
    source_dir = source_dir or default_dirs()[0]
    codes = load_codes(source_dir)
    code_lists = CodeLists.from_source(codes)
    factory = QuestionnaireFactory(code_lists, load_themes(source_dir), load_root(source_dir))
    themes = [factory.theme(t) for t in factory.themes]
    root = factory.leidraad()
    followup = factory.leidraad(followup=True)
    by_url = {f"{q['url']}|{q['version']}": q for q in themes}
    assembled = assemble(root, by_url.get)
    followup_assembled = assemble(followup, by_url.get)
    extensions = [with_snapshot(sd, source_dir) for sd in extension_definitions()]
    companions = [companion(code_lists, source) for source in load_companions(source_dir)]
    resources = [*terminology(codes), *extensions, *themes, root, assembled, followup, followup_assembled]
    resources += companions
    return {file_name(r): narrated(r) for r in resources}


def write(out_dir: Path | None = None, source_dir: Path | None = None) -> list[str]:
    """Write the generated files (removing stale ones); returns the names written.

    With the default folders the example responses are written to ``voorbeelden/`` as well.
    """
    if out_dir is None:
        _write_into(examples_dir(), build_examples(source_dir))
        _write_into(examples_dir() / "re-integratie", build_companion_examples(source_dir))
    return _write_into(out_dir or default_dirs()[1], build_all(source_dir))


def write_into(out_dir: Path, built: dict[str, dict[str, Any]]) -> list[str]:
    """Write ``built`` (file name → resource) into ``out_dir``, removing stale ``*.json`` there."""
    return _write_into(out_dir, built)


def differences(out_dir: Path, built: dict[str, dict[str, Any]]) -> list[str]:
    """The files of ``out_dir`` that are missing, stale or changed against ``built``."""
    return _differences(out_dir, built)


def _write_into(out_dir: Path, built: dict[str, dict[str, Any]]) -> list[str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    for stale in set(p.name for p in out_dir.glob("*.json")) - set(built):
        (out_dir / stale).unlink()
    for name, resource in built.items():
        (out_dir / name).write_text(serialize(resource), encoding="utf-8")
    return sorted(built)


def check(out_dir: Path | None = None, source_dir: Path | None = None) -> list[str]:
    """The files that differ from what the sources generate (missing, stale or changed)."""
    problems = []
    if out_dir is None:
        problems += _differences(examples_dir(), build_examples(source_dir))
        problems += _differences(examples_dir() / "re-integratie", build_companion_examples(source_dir))
    return problems + _differences(out_dir or default_dirs()[1], build_all(source_dir))


def _differences(out_dir: Path, built: dict[str, dict[str, Any]]) -> list[str]:
    present = {p.name: p for p in out_dir.glob("*.json")}
    problems = [f"ontbreekt: {n}" for n in sorted(set(built) - set(present))]
    problems += [f"overbodig: {n}" for n in sorted(set(present) - set(built))]
    problems += [
        f"verouderd: {n}"
        for n in sorted(set(built) & set(present))
        if present[n].read_text(encoding="utf-8") != serialize(built[n])
    ]
    return problems
