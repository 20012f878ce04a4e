"""``fhir-werk interop``: prove against a real FHIR server that it accepts and validates everything
fhir-werk publishes and produces, and that re-posting a Werk section creates no duplicates.

Steps: read the CapabilityStatement; upload (PUT, idempotent) the CodeSystems, ValueSets,
StructureDefinitions and Questionnaires and ``$validate`` each; for each shipped example response:
make sure its Patient and author exist, ``$validate`` it on the server, extract it, post the
transaction, read every created resource back and ``$validate`` it, post the same transaction
again and check that nothing new was created; optionally delete what was created.

Every step is one :class:`Check` (check, resource, outcome, time, messages). Messages come from
the server's OperationOutcomes; they never contain answer texts from the responses.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from functools import partial
from typing import Any, Literal

from fhir_werk.client import FhirClient
from fhir_werk.extraction import extract
from fhir_werk.shared import FhirWerkError, Resource

Outcome = Literal["ok", "warning", "error"]
_CONFORMANCE_ORDER = ("CodeSystem", "ValueSet", "StructureDefinition", "Questionnaire")

# Warnings the project cannot fix (a regular expression on the message), each with the reason.
# They are reported apart from the rest.
UNFIXABLE: tuple[tuple[str, str], ...] = (
    (r"snomed\.info/sct", "een offline server kent SNOMED CT niet en kan die codes niet controleren"),
    (r"loinc\.org", "een offline server kent LOINC niet en kan die codes niet controleren"),
    (
        r"Coding has no system\..*contained\[\d+\]/\*\w+/tpl-",
        "een Coding in een extractiesjabloon die helemaal uit templateExtractValue komt, krijgt pas bij "
        "de extractie een system en code; een system zonder code keurt een server als de code 'null'",
    ),
    (
        "the context type should be 'element' not 'fhirpath'",
        "de offline validator van HAPI verwerpt een 'element'-context (hij wil dan hl7.fhir.r4.core "
        "downloaden omdat '4.0' niet als '4.0.1' telt); de 'fhirpath'-context is de werkende keuze",
    ),
    (
        "SecurityRoleType",
        "extensible binding: voor ontvangers als 'werkgever' bestaat geen standaardcode; de "
        "validator zegt zelf dat hij niet kan beoordelen of een code passend is",
    ),
    (
        r"hl7\.org/fhir/uv/sdc/CodeSystem/launchContext",
        "de launch context van $populate (SDC) gebruikt SDC's eigen CodeSystem; een server zonder "
        "het SDC-pakket kent het niet, en fhir-werk mag het niet zelf publiceren",
    ),
    (
        "v3-PurposeOfUse",
        "extensible binding: het doel 're-integratie' (terugkeer naar werk) heeft geen "
        "standaardcode in PurposeOfUse",
    ),
)


@dataclass
class Check:
    """One step of the interop run."""

    check: str
    resource: str
    outcome: Outcome
    seconds: float
    messages: list[str] = field(default_factory=list)
    unfixable: list[str] = field(default_factory=list)


@dataclass
class ProfileCount:
    """The resources that claimed one profile and were ``$validate``d on the server."""

    validated: int = 0
    errors: int = 0


@dataclass
class Report:
    """Everything one interop run found."""

    base_url: str
    software: str = ""
    checks: list[Check] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    transactions_posted: int = 0
    # Per profile a resource claims (meta.profile): how many were validated, and with errors.
    profiles: dict[str, ProfileCount] = field(default_factory=dict)

    @property
    def errors(self) -> int:
        """Number of checks that failed."""
        return sum(c.outcome == "error" for c in self.checks)

    @property
    def warnings(self) -> int:
        """Number of checks with warnings the project could fix."""
        return sum(c.outcome == "warning" for c in self.checks)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON-ready data (the ``--report`` file)."""
        return {
            "base_url": self.base_url,
            "software": self.software,
            "errors": self.errors,
            "warnings": self.warnings,
            "transactions_posted": self.transactions_posted,
            "created": self.created,
            "profiles": {url: asdict(count) for url, count in sorted(self.profiles.items())},
            "checks": [asdict(c) for c in self.checks],
        }


def _issue_text(issue: Resource) -> str:
    where = ", ".join(issue.get("expression", []) or issue.get("location", []))
    text = issue.get("diagnostics") or issue.get("details", {}).get("text", "")
    return f"{issue.get('severity')}: {text}" + (f" ({where})" if where else "")


def classify(outcome: Resource) -> tuple[Outcome, list[str], list[str]]:
    """Judge a server OperationOutcome: errors fail, fixable warnings warn, the rest is fine."""
    messages: list[str] = []
    unfixable: list[str] = []
    verdict: Outcome = "ok"
    for issue in outcome.get("issue", []):
        severity = issue.get("severity")
        if severity in ("error", "fatal"):
            verdict = "error"
            messages.append(_issue_text(issue))
        elif severity == "warning":
            text = _issue_text(issue)
            reason = next((why for marker, why in UNFIXABLE if re.search(marker, text)), None)
            if reason is not None:
                unfixable.append(f"{text} [{reason}]")
            else:
                messages.append(text)
                if verdict == "ok":
                    verdict = "warning"
    return verdict, messages, unfixable


def _location_id(location: str) -> tuple[str, str]:
    """``Observation/12/_history/1`` (maybe absolute) -> (``Observation``, ``12``)."""
    parts = location.split("/_history/")[0].rstrip("/").split("/")
    return parts[-2], parts[-1]


class InteropRun:
    """One run against one server; each step appends a Check and reports it to ``on_check``."""

    def __init__(self, client: FhirClient, on_check: Callable[[Check], None] | None = None) -> None:
        self.client = client
        self.report = Report(base_url=client.base_url)
        self.on_check = on_check or (lambda _check: None)

    def _record(self, check: Check) -> Check:
        self.report.checks.append(check)
        self.on_check(check)
        return check

    def _step(self, name: str, resource: str, action: Callable[[], Resource | None]) -> Check:
        """Run an action; an OperationOutcome it returns is judged, an exception is an error."""
        started = time.perf_counter()
        try:
            outcome = action()
        except FhirWerkError as exc:
            verdict, messages, unfixable = classify(exc.outcome)
            messages = messages or [str(exc)]
            return self._record(
                Check(name, resource, "error", time.perf_counter() - started, messages, unfixable)
            )
        verdict, messages, unfixable = ("ok", [], []) if outcome is None else classify(outcome)
        return self._record(
            Check(name, resource, verdict, time.perf_counter() - started, messages, unfixable)
        )

    def _claims(self, resource: Resource | None, check: Check) -> None:
        """Count a validated resource under each profile it claims."""
        for url in (resource or {}).get("meta", {}).get("profile", []):
            count = self.report.profiles.setdefault(url, ProfileCount())
            count.validated += 1
            count.errors += check.outcome == "error"

    def capabilities(self) -> None:
        """The server speaks FHIR 4.0.1 and supports transactions."""

        def action() -> Resource | None:
            statement = self.client.capabilities()
            software = statement.get("software", {})
            self.report.software = f"{software.get('name', '?')} {software.get('version', '')}".strip()
            problems = []
            if statement.get("fhirVersion") != "4.0.1":
                problems.append(f"fhirVersion is {statement.get('fhirVersion')}, niet 4.0.1")
            if "transaction" not in self.client.system_interactions():
                problems.append("de server meldt geen 'transaction'")
            if not problems:
                return None
            return {"issue": [{"severity": "error", "diagnostics": p} for p in problems]}

        self._step("capabilities", "CapabilityStatement", action)

    def upload(self, resources: Iterable[Resource]) -> None:
        """PUT each conformance resource (in dependency order) and ``$validate`` it."""
        ordered = sorted(resources, key=lambda r: _CONFORMANCE_ORDER.index(r["resourceType"]))
        for resource in ordered:
            name = f"{resource['resourceType']}/{resource['id']}"

            def put(resource: Resource = resource, name: str = name) -> Resource | None:
                # Only what this run created (201) is cleaned up; existing content is left alone.
                if self.client.update(resource).status == 201:
                    self.report.created.append(name)
                return None

            if self._step("upload", name, put).outcome != "error":
                self._claims(resource, self._step("$validate", name, partial(self.client.validate, resource)))

    def ensure_people(self, responses: Iterable[Resource]) -> None:
        """The Patients and authors the examples refer to exist (referential integrity)."""
        references = sorted(
            {r["subject"]["reference"] for r in responses}
            | {r["author"]["reference"] for r in responses if "author" in r}
        )
        for reference in references:
            kind, ident = reference.split("/")
            person: Resource = {
                "resourceType": kind,
                "id": ident,
                "active": True,
                "name": [{"family": "Voorbeeld", "given": [ident.removeprefix("voorbeeld-").title()]}],
            }

            def put(person: Resource = person, reference: str = reference) -> Resource | None:
                if self.client.update(person).status == 201:
                    self.report.created.append(reference)
                return None

            self._step("testpersoon", reference, put)

    def example(self, name: str, response: Resource) -> None:
        """Validate, extract, post twice, read back and validate one example response."""
        checked = self._step(
            "$validate", f"QuestionnaireResponse ({name})", lambda: self.client.validate(response)
        )
        self._claims(response, checked)
        bundle = extract(response)
        first = self._post(name, bundle, "transactie")
        if first is None:
            return
        for entry in first.get("entry", []):
            kind, ident = _location_id(entry.get("response", {}).get("location", ""))
            if entry["response"].get("status", "").startswith("201"):
                self.report.created.append(f"{kind}/{ident}")
            read: dict[str, Resource] = {}
            checked = self._step(
                "teruglezen + $validate", f"{kind}/{ident}", partial(self._read_validate, kind, ident, read)
            )
            self._claims(read.get("resource"), checked)
        second = self._post(name, bundle, "transactie opnieuw")
        if second is None:
            return
        self._step("geen dubbelingen", f"Bundle ({name})", lambda: _compare(first, second))

    def _post(self, name: str, bundle: Resource, label: str) -> Resource | None:
        result: dict[str, Resource] = {}

        def action() -> Resource | None:
            result["bundle"] = self.client.transaction(bundle)
            self.report.transactions_posted += 1
            return None

        check = self._step(label, f"Bundle ({name}, {len(bundle['entry'])} entries)", action)
        return result.get("bundle") if check.outcome != "error" else None

    def _read_validate(self, kind: str, ident: str, into: dict[str, Resource]) -> Resource:
        read = self.client.read(kind, ident)
        if read.resource is not None:
            into["resource"] = read.resource
        if read.resource is None:
            return {
                "issue": [{"severity": "error", "diagnostics": f"{kind}/{ident} kon niet gelezen worden"}]
            }
        return self.client.validate(read.resource)

    def _delete(self, kind: str, ident: str) -> None:
        self.client.delete(kind, ident)

    def cleanup(self) -> None:
        """Delete what this run created, newest first (references point backwards)."""
        for name in reversed(list(dict.fromkeys(self.report.created))):
            kind, ident = name.split("/")
            self._step("opruimen", name, partial(self._delete, kind, ident))


def _compare(first: Resource, second: Resource) -> Resource | None:
    """The second post must find every resource of the first: same ids, nothing created (201)."""
    ids_first = [_location_id(e["response"]["location"]) for e in first.get("entry", [])]
    ids_second = [_location_id(e["response"]["location"]) for e in second.get("entry", [])]
    problems = []
    if ids_first != ids_second:
        problems.append("de tweede transactie gaf andere resources dan de eerste")
    created = [
        e["response"]["status"] for e in second.get("entry", []) if e["response"]["status"].startswith("201")
    ]
    if created:
        problems.append(f"de tweede transactie maakte {len(created)} nieuwe resources aan")
    if not problems:
        return None
    return {"issue": [{"severity": "error", "diagnostics": p} for p in problems]}


def run_interop(
    client: FhirClient,
    *,
    conformance: Iterable[Resource],
    examples: dict[str, Resource],
    cleanup: bool = False,
    on_check: Callable[[Check], None] | None = None,
) -> Report:
    """Run every interop check against the server behind ``client`` and return the report."""
    run = InteropRun(client, on_check)
    run.capabilities()
    run.upload(conformance)
    run.ensure_people(examples.values())
    for name, response in examples.items():
        run.example(name, response)
    if cleanup:
        run.cleanup()
    return run.report


def planned_steps(conformance_count: int, examples: dict[str, Resource]) -> int:
    """An estimate of the number of checks, for the progress bar."""
    people = len({r["subject"]["reference"] for r in examples.values()}) + 1
    per_example = 4 + 20
    return 1 + 2 * conformance_count + people + per_example * len(examples)
