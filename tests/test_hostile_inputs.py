"""Hostile and malformed inputs: ``validate``, ``extract`` and ``push`` never end in a traceback.

The contract is the product's exit-code table and its decisions below; a case that fails is a bug
of the product, or of this file, never a case to relax.

One exit-code table for every command (``EXIT_CODES`` in ``fhir_werk/cli/_app.py``)::

    0  ok
    1  invalid input: the right resource, but not a valid QuestionnaireResponse for this leidraad
       (OperationOutcome with error issues)
    2  unreadable input: not a file, not readable, not UTF-8, not JSON, too big / too deep to parse,
       not the resource expected (UnreadableInputError); an ``extract -o`` path in a missing folder
       or naming a folder (wrong use)
    3  refused, a server error, or an output that cannot be written
    4  internal error (OperationOutcome with ``code: exception``) -- never expected here

Decisions of the product (where the table alone does not decide):

* Not the resource expected -- a top-level array, string, ``null``, number or ``{}``, no
  ``resourceType``, a Patient, a Bundle around the response: 2, for all three commands.
* Duplicate JSON keys: 2 (the reader refuses them, naming the key's path).  A number that overflows
  to infinity (``1e400``): 2.  ``NaN`` / ``Infinity`` are not JSON: 2.
* A lone surrogate written as the JSON escape ``\\ud800`` parses but is no Unicode text: 1.
* A string of more than 1 MiB breaks the FHIR string size limit: 1.
* 50 MB of input: 2, or 1, either way with an issue ``code: too-costly`` (HTTP 413); within the timeout.
* 16,000 repetitions of an item (~4.5 MB, over the default 4 MB input limit): 2, or 1 from the
  repetition limit, either way with an issue ``code: too-costly``.
* Nesting ~490 levels deep: 1 or 2 (as long as all three commands agree).
* A UTF-8 BOM before an otherwise valid response: RFC 8259 lets a parser ignore it or reject it:
  0 or 2 (as long as all three commands agree).
* status ``entered-in-error``: validate 0; extract 0 with a *retraction bundle* (every extracted
  resource ``entered-in-error``, a Provenance with activity ``NULLIFY``); push 0 (it retires what was
  pushed before; into an empty folder it writes the retraction).
* Unreadable paths are a folder, a missing file, a path through a file (ENOTDIR) and ``/dev/null``;
  there is no ``chmod 000`` case, because CI runs as root and root reads such a file anyway.

Exceptions to "same exit code for validate, extract and push":

* status ``in-progress``: a draft may be *validated* (0 or 1) but never extracted or pushed (1).
* an answer given only as ``_valueString`` with a data-absent-reason: validate must accept it (0);
  extract and push may accept (0) or refuse (1), but must agree.

For every case and command: no "Traceback", no crash (signal / timeout), the expected exit code, on
failure a JSON OperationOutcome (stdout or stderr) with an error/fatal issue and every issue carrying a
Dutch ``details.text`` with its English translation extension, no ``extract -o`` file created and an
existing one keeps its bytes, and nothing pushed to the file adapter's folder.

Cases whose id starts with ``VALID-`` are *valid* inputs: they must succeed (exit 0).

``push`` writes its audit log and its write ledger into the case's own tmp folder
(``FHIR_WERK_AUDIT_PATH``, ``FHIR_WERK_LEDGER_PATH``), never into the checkout.

The CLI runs as a real subprocess (the ``fhir-werk`` console script), so a crash is a real crash; the
hypothesis tests use typer's CliRunner in-process for speed.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE_FILE = (
    ROOT / "questionnaires" / "voorbeelden" / "QuestionnaireResponse-mohamed-ziek-met-contract.json"
)
QUESTIONNAIRE_FILE = ROOT / "questionnaires" / "fhir" / "Questionnaire-leidraad-assembled.json"
GOOD_BUNDLE_FILE = ROOT / "tests" / "fixtures" / "push" / "bundle.json"
EXAMPLE: dict[str, Any] = json.loads(EXAMPLE_FILE.read_text(encoding="utf-8"))
QUESTIONNAIRE: dict[str, Any] = json.loads(QUESTIONNAIRE_FILE.read_text(encoding="utf-8"))

TRANSLATION = "http://hl7.org/fhir/StructureDefinition/translation"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
TIMEOUT = 60.0
"""Seconds one command may take, also for the 50 MB input."""

COMMANDS = ("validate", "extract", "push")


# --- running the CLI ---------------------------------------------------------------------------------


def cli_command() -> list[str]:
    """The ``fhir-werk`` console script of this interpreter (or its entry point run by ``python -c``)."""
    script = Path(sys.executable).parent / "fhir-werk"
    if script.is_file():
        return [str(script)]
    found = shutil.which("fhir-werk")
    if found:
        return [found]
    (point,) = entry_points(group="console_scripts", name="fhir-werk")
    module, function = point.value.split(":")
    return [sys.executable, "-c", f"import sys, {module} as m; sys.exit(m.{function}())"]


@dataclass
class Run:
    command: str
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False


@dataclass
class Folders:
    """The per-case folders: where extract writes (-o) and where the file adapter pushes."""

    root: Path
    output_dir: Path = field(init=False)
    output: Path = field(init=False)
    epd: Path = field(init=False)
    audit: Path = field(init=False)
    ledger: Path = field(init=False)

    def __post_init__(self) -> None:
        self.output_dir = self.root / "uitvoer"
        self.output_dir.mkdir()
        self.output = self.output_dir / "bundel.json"
        self.epd = self.root / "epd"
        self.audit = self.root / "audit.sqlite3"
        self.ledger = self.root / "ledger.sqlite3"

    def env(self) -> dict[str, str]:
        """Environment as tests/test_push_cli.py sets it for ``--target file``: audit log and
        write ledger in this case's folder, never in the checkout (the working directory)."""
        return {
            "FHIR_WERK_FILE_DIRECTORY": str(self.epd),
            "FHIR_WERK_ACTOR": "j.jansen",
            "FHIR_WERK_AUDIT_PATH": str(self.audit),
            "FHIR_WERK_LEDGER_PATH": str(self.ledger),
        }

    def args(self, command: str, source: Path) -> list[str]:
        if command == "validate":
            return ["validate", str(source)]
        if command == "extract":
            return ["extract", str(source), "-o", str(self.output)]
        return ["push", str(source), "--target", "file"]


def run_cli(args: list[str], env: dict[str, str], command: str) -> Run:
    started = time.monotonic()
    try:
        done = subprocess.run(
            [*cli_command(), *args],
            capture_output=True,
            timeout=TIMEOUT,
            env={**os.environ, **env},
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as exc:
        return Run(
            command,
            None,
            (exc.stdout or b"").decode("utf-8", "replace"),
            (exc.stderr or b"").decode("utf-8", "replace"),
            time.monotonic() - started,
            timed_out=True,
        )
    return Run(
        command,
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
        time.monotonic() - started,
    )


# --- checking the result -----------------------------------------------------------------------------


def outcomes_in(text: str) -> list[dict[str, Any]]:
    """Every JSON OperationOutcome printed in ``text`` (the whole text, or objects inside it)."""
    try:
        whole = json.loads(text)
    except ValueError:
        whole = None
    if isinstance(whole, dict):
        return [whole] if whole.get("resourceType") == "OperationOutcome" else []
    found: list[dict[str, Any]] = []
    decoder = json.JSONDecoder()
    start = text.find("{")
    while start != -1:
        try:
            value, end = decoder.raw_decode(text, start)
        except ValueError:
            start = text.find("{", start + 1)
            continue
        if isinstance(value, dict) and value.get("resourceType") == "OperationOutcome":
            found.append(value)
        start = text.find("{", end)
    return found


def is_error(found: Any) -> bool:
    return isinstance(found, dict) and found.get("severity") in ("error", "fatal")


def bilingual(found: Any) -> bool:
    """Dutch ``details.text`` plus its English translation extension, as fhir-werk's outcomes carry them."""
    if not isinstance(found, dict) or not isinstance(found.get("details"), dict):
        return False
    details = found["details"]
    if not isinstance(details.get("text"), str) or not details["text"].strip():
        return False
    extensions = (details.get("_text") or {}).get("extension") or []
    return any(
        e.get("url") == TRANSLATION
        and any(s.get("url") == "lang" and s.get("valueCode") == "en" for s in e.get("extension") or [])
        for e in extensions
        if isinstance(e, dict)
    )


def last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:300] if lines else ""


def files_under(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def check_run(run: Run, accepted: frozenset[int], folders: Folders, *, too_costly: bool = False) -> list[str]:
    """Problems of one command's run, each as ``kind: command: detail``."""
    name = run.command
    problems: list[str] = []
    if "Traceback" in run.stderr or "Traceback" in run.stdout:
        problems.append(f"traceback: {name}: {last_line(run.stderr) or last_line(run.stdout)}")
    if run.timed_out:
        return [*problems, f"crash/timeout: {name}: no exit within {TIMEOUT:.0f} s"]
    assert run.code is not None
    if run.code < 0:
        return [*problems, f"crash/timeout: {name}: killed by signal {-run.code}"]
    if run.code not in accepted:
        problems.append(
            f"wrong exit code: {name}: {run.code}, expected {'/'.join(map(str, sorted(accepted)))}"
        )
    found = outcomes_in(run.stdout) + outcomes_in(run.stderr)
    if run.code != 0:
        issues = [i for o in found for i in (o.get("issue") or [])]
        if not found:
            problems.append(f"no OperationOutcome: {name}: stderr: {last_line(run.stderr)!r}")
        elif not any(is_error(i) for i in issues):
            problems.append(f"no error issue in OperationOutcome: {name}")
        elif not all(bilingual(i) for i in issues):
            problems.append(f"issue without Dutch details.text + English translation: {name}")
        if run.code == 4 and not any(i.get("code") == "exception" for i in issues if isinstance(i, dict)):
            problems.append(f"exit 4 without code exception: {name}")
        if too_costly and not any(isinstance(i, dict) and i.get("code") == "too-costly" for i in issues):
            problems.append(f"no too-costly issue: {name}: exit {run.code} for a too costly input")
        if name == "extract" and files_under(folders.output_dir):
            problems.append(f"output file created on failure: extract: {files_under(folders.output_dir)}")
        if name == "push":
            pushed = [f for f in files_under(folders.epd) if not f.startswith("audit/")]
            if pushed:
                problems.append(f"pushed on failure: push: {pushed[:3]}")
    else:
        if name == "validate":
            if not found:
                problems.append("no OperationOutcome: validate: exit 0 without an outcome")
            elif any(is_error(i) for o in found for i in o.get("issue") or []):
                problems.append("exit 0 with error issues: validate")
        if name == "extract":
            try:
                written = json.loads(folders.output.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                problems.append(f"no bundle written on success: extract: {exc}")
            else:
                if written.get("resourceType") != "Bundle":
                    problems.append("no bundle written on success: extract")
        if name == "push" and not files_under(folders.epd):
            problems.append("nothing pushed on success: push")
    if run.seconds > TIMEOUT:
        problems.append(f"crash/timeout: {name}: took {run.seconds:.0f} s")
    return problems


# --- building hostile inputs -------------------------------------------------------------------------

Maker = Callable[[Path], Path]
"""Writes the hostile input under the given folder; returns the path to hand to the command."""


def example() -> dict[str, Any]:
    return copy.deepcopy(EXAMPLE)


def find(items: list[dict[str, Any]], link_id: str) -> dict[str, Any]:
    """The first item with ``link_id`` (depth first, also below answers)."""
    for item in items:
        if item.get("linkId") == link_id:
            return item
        below = list(item.get("item") or []) + [
            i for a in item.get("answer") or [] for i in a.get("item") or []
        ]
        try:
            return find(below, link_id)
        except KeyError:
            pass
    raise KeyError(link_id)


def item(response: dict[str, Any], link_id: str) -> dict[str, Any]:
    return find(response["item"], link_id)


def write(folder: Path, data: bytes, name: str = "invoer.json") -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def dumps(value: Any) -> bytes:
    """JSON as the bytes of a file: ASCII escapes, so lone surrogates stay valid JSON escapes."""
    return json.dumps(value, ensure_ascii=True, indent=1).encode("ascii")


def mutation(change: Callable[[dict[str, Any]], Any]) -> Maker:
    """An input made by ``change`` on a copy of the example; a non-None return value replaces it."""

    def make(folder: Path) -> Path:
        response = example()
        replaced = change(response)
        return write(folder, dumps(response if replaced is None else replaced))

    return make


PLACEHOLDER = "@@RAW@@"


def raw(change: Callable[[dict[str, Any]], None], text: bytes) -> Maker:
    """Like :func:`mutation`, then the string ``"@@RAW@@"`` is replaced by the exact bytes ``text``."""

    def make(folder: Path) -> Path:
        response = example()
        change(response)
        data = dumps(response).replace(json.dumps(PLACEHOLDER).encode(), text)
        assert text in data
        return write(folder, data)

    return make


def raw_bytes(build: Callable[[bytes], bytes]) -> Maker:
    """An input made from the example file's bytes."""
    return lambda folder: write(folder, build(EXAMPLE_FILE.read_bytes()))


def set_answer(link_id: str, **answer: Any) -> Callable[[dict[str, Any]], None]:
    def change(response: dict[str, Any]) -> None:
        item(response, link_id)["answer"] = [answer]

    return change


def set_field(link_id: str | None, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(response: dict[str, Any]) -> None:
        (item(response, link_id) if link_id else response)[key] = value

    return change


def drop(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda response: response.pop(key) and None


def modifier(where: str | None) -> Callable[[dict[str, Any]], None]:
    extension = [{"url": "https://example.org/fhir/StructureDefinition/niet-begrepen", "valueBoolean": True}]
    return set_field(where, "modifierExtension", extension)


def nested_items(levels: int) -> Maker:
    """``levels`` items, each the only child of the one before, appended to stap-1.

    Each item level adds two JSON levels (object and ``item`` array); the bytes are built by hand
    because Python's own encoder may refuse the depth.
    """

    def make(folder: Path) -> Path:
        response = example()
        item(response, "stap-1")["item"].append(PLACEHOLDER)
        chain = (
            "".join(f'{{"linkId": "diep-{n}", "item": [' for n in range(1, levels))
            + f'{{"linkId": "diep-{levels}", "answer": [{{"valueString": "bodem"}}]}}'
            + "]}" * (levels - 1)
        )
        data = dumps(response).replace(json.dumps(PLACEHOLDER).encode(), chain.encode())
        return write(folder, data)

    return make


def repeated_item(times: int) -> Maker:
    """The item ``situatie`` ``times`` times: ~4.5 MB for 16,000, over the default 4 MB input limit."""

    def change(response: dict[str, Any]) -> None:
        one = item(response, "situatie")
        at = response["item"].index(one)
        response["item"][at:at] = [copy.deepcopy(one) for _ in range(times - 1)]

    def make(folder: Path) -> Path:
        path = mutation(change)(folder)
        assert path.stat().st_size > 4_000_000  # InputLimits.max_input_bytes
        return path

    return make


def fifty_megabytes(folder: Path) -> Path:
    response = example()
    filler = "x" * 1000
    response["item"] += [
        {"linkId": f"opvulling-{n}", "answer": [{"valueString": filler}]} for n in range(50_000)
    ]
    data = json.dumps(response, ensure_ascii=True).encode("ascii")
    assert len(data) > 50_000_000
    return write(folder, data)


def json_too_deep(folder: Path) -> Path:
    data = EXAMPLE_FILE.read_bytes()
    at = data.index(b"{") + 1
    return write(folder, data[:at] + b'"diep": ' + b"[" * 100_000 + b"]" * 100_000 + b"," + data[at:])


def duplicate_status(data: bytes) -> bytes:
    before = b'"status": "completed"'
    assert data.count(before) == 1
    return data.replace(before, b'"status": "in-progress", "status": "completed"')


def latin1(folder: Path) -> Path:
    response = example()
    item(response, "t1-klachten")["answer"] = [{"valueString": "Moe na het caf\u00e9bezoek"}]
    return write(folder, json.dumps(response, ensure_ascii=False, indent=1).encode("latin-1"))


def directory(folder: Path) -> Path:
    path = folder / "invoer.json"
    path.mkdir()
    return path


def missing(folder: Path) -> Path:
    return folder / "bestaat-niet.json"


def through_a_file(folder: Path) -> Path:
    write(folder, EXAMPLE_FILE.read_bytes(), "bestand.json")
    return folder / "bestand.json" / "invoer.json"


def dev_null(folder: Path) -> Path:
    assert Path("/dev/null").exists(), "this battery runs where /dev/null exists (Linux, as CI)"
    return Path("/dev/null")


def bundle_collection(response: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": response}]}


def questionnaire_item(link_id: str) -> dict[str, Any]:
    return find(QUESTIONNAIRE["item"], link_id)


def display_translated(response: dict[str, Any]) -> None:
    coding = item(response, "situatie")["answer"][0]["valueCoding"]
    options = questionnaire_item("situatie")["answerOption"]
    (option,) = [o for o in options if o["valueCoding"]["code"] == coding["code"]]
    coding["_display"] = copy.deepcopy(option["valueCoding"]["_display"])


def data_absent(response: dict[str, Any]) -> None:
    reason = {"extension": [{"url": DATA_ABSENT_REASON, "valueCode": "asked-declined"}]}
    item(response, "stap-1-absoluut-toelichting")["answer"] = [{"_valueString": reason}]


def item_text_translated(response: dict[str, Any]) -> None:
    target = item(response, "situatie")
    source = questionnaire_item("situatie")
    target["text"] = source["text"]
    target["_text"] = copy.deepcopy(source["_text"])


@dataclass(frozen=True)
class Case:
    name: str
    make: Maker
    expect: frozenset[int]
    """Accepted exit codes of every command; ``validate``/``extract``/``push`` override per command."""
    validate: frozenset[int] | None = None
    extract: frozenset[int] | None = None
    push: frozenset[int] | None = None
    same: bool = True
    """All commands must exit with the same code (the contract's rule; off for the documented exceptions)."""
    too_costly: bool = False
    """Every failing command must say so with an issue ``code: too-costly``."""
    check: Callable[[Run, Folders], list[str]] | None = None
    """The case's own checks of one command's run, beyond the exit code (problems as in check_run)."""
    bug: str | None = None
    """A known product bug this case shows: the case is a strict xfail until the product is fixed."""

    def accepted(self, command: str) -> frozenset[int]:
        override = getattr(self, command)
        return self.expect if override is None else override


def retraction(run: Run, folders: Folders) -> list[str]:
    """extract and push of an entered-in-error response: a bundle retracting everything extracted."""
    if run.code != 0 or run.command == "validate":
        return []
    name = run.command
    if name == "extract":
        where = folders.output
    else:
        pushed = [f for f in files_under(folders.epd) if not f.startswith("audit/")]
        if len(pushed) != 1:
            return [f"no retraction pushed: push: {pushed[:3]}"]
        where = folders.epd / pushed[0]
    try:
        bundle = json.loads(where.read_text(encoding="utf-8"))
        resources = [entry["resource"] for entry in bundle["entry"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return [f"no retraction bundle: {name}: {type(exc).__name__}"]
    problems = []
    kinds = [r.get("resourceType") for r in resources]
    if kinds.count("CarePlan") != 1 or kinds.count("Provenance") != 1:
        problems.append(f"retraction without one CarePlan and one Provenance: {name}: {kinds}")
    for resource in resources:
        kind = resource.get("resourceType")
        if kind == "Provenance":
            activity = [c.get("code") for c in (resource.get("activity") or {}).get("coding") or []]
            if activity != ["NULLIFY"] or not resource.get("target"):
                problems.append(f"Provenance is no NULLIFY of the retracted resources: {name}: {activity}")
            continue
        status = resource.get("lifecycleStatus" if kind == "Goal" else "status")
        if status != "entered-in-error":
            problems.append(f"{kind} not retracted: {name}: status {status!r}")
    return problems


def codes(*values: int) -> frozenset[int]:
    return frozenset(values)


OK, INVALID, UNREADABLE = codes(0), codes(1), codes(2)
T1 = "t1-klachten"  # a text item with one valueString answer
SCALE = "t1-invloed-gezondheid"  # an integer item
YES_NO = "t2-b-contact"  # a boolean item

CASES = [
    # --- valid inputs: must succeed -------------------------------------------------------------------
    Case("VALID-example-as-is", raw_bytes(lambda data: data), OK),
    Case("VALID-display-with-translation-extension", mutation(display_translated), OK),
    Case("VALID-item-_text-with-translation", mutation(item_text_translated), OK),
    Case(
        "VALID-answer-only-_valueString-data-absent-reason",
        mutation(data_absent),
        OK,
        extract=codes(0, 1),
        push=codes(0, 1),
        same=False,
    ),
    Case(
        "VALID-item-extension-with-valueDecimal",
        mutation(
            set_field(T1, "extension", [{"url": "https://example.org/fhir/gewicht", "valueDecimal": 2.5}])
        ),
        OK,
    ),
    # --- empty and null values ---------------------------------------------------------------------
    Case("text-null-in-item", mutation(set_field("situatie", "text", None)), INVALID),
    Case("empty-string-valueString", mutation(set_answer(T1, valueString="")), INVALID),
    Case("empty-string-linkId", mutation(set_field(T1, "linkId", "")), INVALID),
    Case("empty-array-answer", mutation(set_field("situatie", "answer", [])), INVALID),
    Case("empty-array-item", mutation(set_field("stap-1", "item", [])), INVALID),
    Case("empty-object-subject", mutation(set_field(None, "subject", {})), INVALID),
    Case("empty-object-answer", mutation(set_field("situatie", "answer", [{}])), INVALID),
    Case("status-null", mutation(set_field(None, "status", None)), INVALID),
    # --- unknown elements and wrong JSON types -------------------------------------------------------
    Case("unknown-element-on-response", mutation(set_field(None, "kleur", "blauw")), INVALID),
    Case("unknown-element-on-item", mutation(set_field(T1, "kleur", "blauw")), INVALID),
    Case("number-for-string-linkId", mutation(set_field(T1, "linkId", 42)), INVALID),
    Case("number-for-string-valueString", mutation(set_answer(T1, valueString=42)), INVALID),
    Case("object-for-array-item", mutation(lambda r: r.update(item=r["item"][0])), INVALID),
    Case("array-for-object-subject", mutation(lambda r: r.update(subject=[r["subject"]])), INVALID),
    Case("string-for-boolean", mutation(set_answer(YES_NO, valueBoolean="true")), INVALID),
    Case("string-for-integer", mutation(set_answer(SCALE, valueInteger="7")), INVALID),
    Case("item-null-in-group", mutation(set_field("keuze-thema-6", "item", None)), INVALID),
    Case(
        "unknown-decimal-element-in-valueCoding",
        mutation(lambda r: item(r, "situatie")["answer"][0]["valueCoding"].update(gewicht=2.5)),
        INVALID,
    ),
    Case("string-for-array-item", mutation(set_field("stap-1", "item", "stap-1-themas")), INVALID),
    Case("integer-answer-on-text-item", mutation(set_answer(T1, valueInteger=7)), INVALID),
    Case("two-values-in-one-answer", mutation(set_answer(T1, valueString="a", valueInteger=1)), INVALID),
    Case("integer-beyond-32-bit", mutation(set_answer(SCALE, valueInteger=10**30)), INVALID),
    Case(
        "integer-1e400-parses-as-inf", raw(set_answer(SCALE, valueInteger=PLACEHOLDER), b"1e400"), UNREADABLE
    ),
    Case("extension-without-url", mutation(set_field(T1, "extension", [{"valueString": "x"}])), INVALID),
    Case("duplicate-json-keys", raw_bytes(duplicate_status), UNREADABLE),
    # --- strange characters -------------------------------------------------------------------------
    Case("control-char-u0001-in-answer", mutation(set_answer(T1, valueString="Moe\u0001")), INVALID),
    Case("nul-char-u0000-in-answer", mutation(set_answer(T1, valueString="Moe\u0000")), INVALID),
    Case("lone-surrogate-ud800-in-answer", mutation(set_answer(T1, valueString="Moe \ud800")), INVALID),
    Case("lone-surrogate-ud800-in-item-text", mutation(set_field("situatie", "text", "\ud800")), INVALID),
    Case(
        "lone-surrogate-ud800-in-questionnaire-canonical",
        mutation(set_field(None, "questionnaire", "\ud800")),
        INVALID,
    ),
    # --- ids, modifiers, status, dates, subject ------------------------------------------------------
    Case("id-with-space", mutation(set_field(None, "id", "a b")), INVALID),
    Case("id-65-chars", mutation(set_field(None, "id", "a" * 65)), INVALID),
    Case("id-path-traversal", mutation(set_field(None, "id", "../../uit")), INVALID),
    Case("modifierExtension-on-response", mutation(modifier(None)), INVALID),
    Case("modifierExtension-on-item", mutation(modifier(T1)), INVALID),
    Case(
        "status-in-progress",
        mutation(set_field(None, "status", "in-progress")),
        INVALID,
        validate=codes(0, 1),
        same=False,
    ),
    Case(
        "status-entered-in-error",
        mutation(set_field(None, "status", "entered-in-error")),
        OK,
        check=retraction,
    ),
    Case("status-unknown-code", mutation(set_field(None, "status", "klaar")), INVALID),
    Case("authored-without-timezone", mutation(set_field(None, "authored", "2026-11-05T14:00:00")), INVALID),
    Case("authored-gisteren", mutation(set_field(None, "authored", "gisteren")), INVALID),
    Case("authored-30-february", mutation(set_field(None, "authored", "2026-02-30T14:00:00+01:00")), INVALID),
    Case("subject-group", mutation(set_field(None, "subject", {"reference": "Group/team-3"})), INVALID),
    Case("subject-missing", mutation(drop("subject")), INVALID),
    # --- the wrong resource: not the resource expected ----------------------------------------------
    Case("resourceType-missing", mutation(drop("resourceType")), UNREADABLE),
    Case("resourceType-patient", mutation(set_field(None, "resourceType", "Patient")), UNREADABLE),
    Case(
        "bundle-collection-around-response",
        mutation(bundle_collection),
        UNREADABLE,
    ),
    Case("top-level-array", mutation(lambda r: [r]), UNREADABLE),
    Case("top-level-string", mutation(lambda r: "QuestionnaireResponse"), UNREADABLE),
    Case("top-level-null", raw_bytes(lambda data: b"null"), UNREADABLE),
    Case("top-level-number", raw_bytes(lambda data: b"42"), UNREADABLE),
    Case("top-level-empty-object", raw_bytes(lambda data: b"{}"), UNREADABLE),
    # --- the right resource, but not this leidraad's ---------------------------------------------------
    Case(
        "questionnaire-canonical-unknown",
        mutation(set_field(None, "questionnaire", "https://example.org/fhir/Questionnaire/onbekend|9")),
        INVALID,
    ),
    Case("linkId-unknown", mutation(set_field(T1, "linkId", "bestaat-niet")), INVALID),
    # --- size and depth ---------------------------------------------------------------------------------
    Case("item-repeated-16000-times", repeated_item(16_000), codes(1, 2), too_costly=True),
    Case("string-over-1-MiB", mutation(set_answer(T1, valueString="a" * (1024 * 1024 + 1))), INVALID),
    Case("json-nested-490-deep-243-items", nested_items(243), codes(1, 2)),
    Case("json-arrays-nested-100000-deep", json_too_deep, UNREADABLE),
    Case("input-of-50-MB", fifty_megabytes, codes(1, 2), too_costly=True),
    # --- not JSON, not UTF-8 -------------------------------------------------------------------------
    Case("NaN-literal", raw(set_answer(SCALE, valueInteger=PLACEHOLDER), b"NaN"), UNREADABLE),
    Case("Infinity-literal", raw(set_answer(SCALE, valueInteger=PLACEHOLDER), b"-Infinity"), UNREADABLE),
    Case(
        "raw-control-byte-in-string", raw(set_answer(T1, valueString=PLACEHOLDER), b'"Moe\x01"'), UNREADABLE
    ),
    Case("empty-file", raw_bytes(lambda data: b""), UNREADABLE),
    Case("truncated-json", raw_bytes(lambda data: data[: len(data) // 2]), UNREADABLE),
    Case("trailing-garbage", raw_bytes(lambda data: data + b"}"), UNREADABLE),
    Case("latin-1-e-acute", latin1, UNREADABLE),
    Case("overlong-utf-8", raw(set_answer(T1, valueString=PLACEHOLDER), b'"\xc0\xaf"'), UNREADABLE),
    Case("utf-16", raw_bytes(lambda data: data.decode("utf-8").encode("utf-16")), UNREADABLE),
    Case("utf-8-bom-before-valid-response", raw_bytes(lambda data: b"\xef\xbb\xbf" + data), codes(0, 2)),
    # --- not a readable file ----------------------------------------------------------------------------
    Case("directory-as-input", directory, UNREADABLE),
    Case("missing-file", missing, UNREADABLE),
    Case("path-through-a-file-ENOTDIR", through_a_file, UNREADABLE),
    Case("dev-null", dev_null, UNREADABLE),
]
BY_NAME = {case.name: case for case in CASES}
assert len(BY_NAME) == len(CASES)


def run_case(case: Case, root: Path) -> tuple[list[Run], list[str], Folders]:
    """Run every command of ``case`` (at the same time, as separate processes); collect the problems."""
    folders = Folders(root)
    (root / "bron").mkdir()
    source = case.make(root / "bron")
    with ThreadPoolExecutor(max_workers=len(COMMANDS)) as pool:
        runs = list(pool.map(lambda c: run_cli(folders.args(c, source), folders.env(), c), COMMANDS))
    problems = [
        p for r in runs for p in check_run(r, case.accepted(r.command), folders, too_costly=case.too_costly)
    ]
    if case.check is not None:
        problems += [p for r in runs for p in case.check(r, folders)]
    given = {r.command: r.code for r in runs}
    if case.same and len(set(given.values())) > 1 and all(r.code in case.accepted(r.command) for r in runs):
        problems.append("inconsistent exit codes: " + ", ".join(f"{c}={n}" for c, n in given.items()))
    return runs, problems, folders


def case_params() -> list[Any]:
    """The cases as pytest params; a case with a known product bug is a strict xfail."""
    return [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [],
        )
        for case in CASES
    ]


@pytest.mark.parametrize("case", case_params())
def test_hostile_input_never_ends_in_a_traceback(case: Case, tmp_path: Path) -> None:
    _runs, problems, _folders = run_case(case, tmp_path)
    assert not problems, "\n".join(problems)


# --- extract -o: never a half-written or clobbered output file --------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "text-null-in-item",
        "lone-surrogate-ud800-in-answer",
        "status-in-progress",
        "questionnaire-canonical-unknown",
        "truncated-json",
        "json-arrays-nested-100000-deep",
        "directory-as-input",
    ],
)
def test_failing_extract_keeps_an_existing_output_file(name: str, tmp_path: Path) -> None:
    case = BY_NAME[name]
    (tmp_path / "bron").mkdir()
    source = case.make(tmp_path / "bron")
    folder = tmp_path / "uitvoer"
    folder.mkdir()
    existing = folder / "bundel.json"
    good = GOOD_BUNDLE_FILE.read_bytes()
    existing.write_bytes(good)
    run = run_cli(["extract", str(source), "-o", str(existing)], {}, "extract")
    problems = []
    if "Traceback" in run.stderr:
        problems.append(f"traceback: extract: {last_line(run.stderr)}")
    expected = "/".join(map(str, sorted(case.accepted("extract"))))
    if run.code not in case.accepted("extract"):
        problems.append(f"wrong exit code: extract: {run.code}, expected {expected}")
    if run.code != 0 and not outcomes_in(run.stdout) + outcomes_in(run.stderr):
        problems.append("no OperationOutcome: extract")
    if existing.read_bytes() != good:
        problems.append(f"file truncated/overwritten: extract: now {len(existing.read_bytes())} bytes")
    if files_under(folder) != ["bundel.json"]:
        problems.append(f"stray files: extract: {files_under(folder)}")
    assert not problems, "\n".join(problems)


def missing_folder(root: Path) -> Path:
    return root / "geen-map" / "bundel.json"


def existing_directory(root: Path) -> Path:
    folder = root / "een-map"
    folder.mkdir()
    (folder / "laten-staan.txt").write_text("blijft", encoding="utf-8")
    return folder


@pytest.mark.parametrize("target", [missing_folder, existing_directory], ids=["missing-folder", "directory"])
def test_unwritable_output_of_a_valid_extract_exits_2_with_an_outcome(
    target: Callable[[Path], Path], tmp_path: Path
) -> None:
    output = target(tmp_path)
    before = files_under(tmp_path)
    run = run_cli(["extract", str(EXAMPLE_FILE), "-o", str(output)], {}, "extract")
    problems = []
    if "Traceback" in run.stderr:
        problems.append(f"traceback: extract: {last_line(run.stderr)}")
    if run.code != 2:
        problems.append(f"wrong exit code: extract: {run.code}, expected 2")
    found = outcomes_in(run.stdout) + outcomes_in(run.stderr)
    issues = [i for o in found for i in o.get("issue") or []]
    if not found or not any(is_error(i) for i in issues):
        problems.append(f"no OperationOutcome: extract: stderr: {last_line(run.stderr)!r}")
    elif not all(bilingual(i) for i in issues):
        problems.append("issue without Dutch details.text + English translation: extract")
    if files_under(tmp_path) != before:
        problems.append(f"files changed: extract: {files_under(tmp_path)}")
    assert not problems, "\n".join(problems)


# --- hypothesis: arbitrary JSON and arbitrary mutations, in-process -----------------------------------


def cli_app() -> Any:
    """The typer app behind the console script (found through the entry point, wherever it lives)."""
    (point,) = entry_points(group="console_scripts", name="fhir-werk")
    main = point.load()
    return sys.modules[main.__module__].app


hostile_scalars = st.sampled_from(
    ["", "\ud800", "\u0001", "\u0000", "a b", "gisteren", 10**30, -1, 1e400, float("nan"), True, None]
)
"""Values known to upset parsers and validators; mixed into the leaves so 40 examples meet them."""

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | hostile_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if prefix:
        yield prefix
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from paths(inner, (*prefix, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from paths(inner, (*prefix, index))


EXAMPLE_PATHS = list(paths(EXAMPLE))


@st.composite
def mutated_responses(draw: st.DrawFn) -> Any:
    response = example()
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(EXAMPLE_PATHS))
        operation = draw(st.sampled_from(["replace", "delete", "add-key", "duplicate"]))
        try:
            parent = response
            for step in path[:-1]:
                parent = parent[step]
            key = path[-1]
            if operation == "replace":
                parent[key] = draw(json_values)
            elif operation == "delete":
                del parent[key]
            elif operation == "add-key" and isinstance(parent[key], dict):
                parent[key][draw(st.text(max_size=10))] = draw(json_values)
            elif operation == "duplicate" and isinstance(parent, list):
                parent.insert(key, copy.deepcopy(parent[key]))
        except (KeyError, IndexError, TypeError):
            continue
    return response


HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: keeps the runtime bounded
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check_in_process(data: bytes) -> list[str]:
    from typer.testing import CliRunner

    app = cli_app()
    problems = []
    with tempfile.TemporaryDirectory() as name:
        root = Path(name)
        folders = Folders(root)
        source = write(root, data)
        for command in COMMANDS:
            result = CliRunner().invoke(app, folders.args(command, source), env=folders.env())
            text = result.stdout + result.stderr
            if result.exception is not None and not isinstance(result.exception, SystemExit):
                problems.append(
                    f"traceback: {command}: {type(result.exception).__name__}: {result.exception}"[:300]
                )
                continue
            if result.exit_code not in (0, 1, 2, 3):
                problems.append(f"wrong exit code: {command}: {result.exit_code}")
            if result.exit_code != 0:
                found = outcomes_in(result.stdout) + outcomes_in(result.stderr)
                if not any(is_error(i) for o in found for i in o.get("issue") or []):
                    problems.append(f"no OperationOutcome: {command}: {last_line(text)!r}")
                if command == "extract" and files_under(folders.output_dir):
                    problems.append("output file created on failure: extract")
    if problems:
        problems.append(f"input: {data[:400]!r}")
    return problems


@HYPOTHESIS
@given(value=json_values)
def test_arbitrary_json_values_never_escape(value: Any) -> None:
    problems = check_in_process(json.dumps(value, ensure_ascii=True).encode("ascii"))
    assert not problems, "\n".join(problems)


@HYPOTHESIS
@given(response=mutated_responses())
def test_arbitrary_mutations_of_a_valid_response_never_escape(response: Any) -> None:
    problems = check_in_process(dumps(response))
    assert not problems, "\n".join(problems)
