"""Each command imports only what it uses (issue 13: a cold ``fhir-werk extract`` within 0.5 s).

The console script loads just the module of the command it is given; ``--help`` and an unknown
command load them all, so both still list every command. The figures are in docs/performance.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fhirpathpy.models import models

from fhir_werk.cli import app
from fhir_werk.extraction.sdc._fastpath import VALUE_TYPES

ROOT = Path(__file__).resolve().parents[1]
FULL = ROOT / "bench" / "fixtures" / "full.json"
COMMANDS = [
    "demo",
    "extract",
    "interop",
    "serve",
    "worker",
    "populate",
    "push",
    "generate",
    "package",
    "tijdlijn",
    "trend",
    "validate",
    "outbox",
]
"""Every command, in the order ``fhir-werk --help`` lists them."""


def _run_main(args: list[str], report: str) -> list[str]:
    """Run the console script's ``main`` in a fresh interpreter; ``report`` prints what it found."""
    probe = (
        "import sys, json\n"
        f"sys.argv = ['fhir-werk', *{args!r}]\n"
        "from fhir_werk.cli import main\n"
        "try:\n    main()\nexcept SystemExit as stop:\n    code = stop.code\n"
        f"print(json.dumps([code, {report}]), file=sys.stderr)\n"
    )
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    code, seen = json.loads(found.stderr.strip().splitlines()[-1])
    assert code == 0, found.stderr
    return list(seen)


def test_extract_imports_neither_fhirpathpy_nor_the_stages_it_does_not_use(tmp_path: Path) -> None:
    heavy = (
        "fhirpathpy",
        "pydantic_settings",
        "httpx",
        "rich",
        "fastapi",
        "sqlalchemy",
        "fhir_werk.client",
        "fhir_werk.delivery",
        "fhir_werk.authoring",
        "fhir_werk.followup",
        "fhir_werk.service",
        "fhir_werk.cli._push",
        "fhir_werk.cli._serve",
    )
    args = ["extract", str(FULL), "-o", str(tmp_path / "bundle.json")]
    assert _run_main(args, f"sorted(m for m in {heavy!r} if m in sys.modules)") == []
    assert json.loads((tmp_path / "bundle.json").read_text(encoding="utf-8"))["resourceType"] == "Bundle"


def test_help_still_lists_every_command_in_its_order() -> None:
    registered = "sys.modules['fhir_werk.cli._app'].app"
    names = f"[c.name or c.callback.__name__ for c in {registered}.registered_commands]"
    groups = f"[g.name for g in {registered}.registered_groups]"
    assert _run_main(["--help"], f"{names} + {groups}") == COMMANDS


def test_the_app_of_the_package_carries_every_command() -> None:
    registered = [c.name or c.callback.__name__ for c in app.registered_commands if c.callback is not None]
    assert registered + [g.name for g in app.registered_groups] == COMMANDS


def test_the_answer_value_types_are_fhirpathpys() -> None:
    # Written out so that compiling an expression needs no fhirpathpy; they must stay its model's.
    assert list(VALUE_TYPES) == models["r4"]["choiceTypePaths"]["QuestionnaireResponse.item.answer.value"]
