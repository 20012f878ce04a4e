"""``fhir-werk interop --base URL``: prove interoperability against any FHIR R4 server."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from fhir_werk.cli import _auth as opt
from fhir_werk.cli._app import EXIT_REFUSED, app
from fhir_werk.cli._io import check_output, write_atomic
from fhir_werk.cli._output import echo, to_json
from fhir_werk.cli._usage import WrongUsageError
from fhir_werk.publishing import published
from fhir_werk.shared import Resource, bad_request

if TYPE_CHECKING:
    from fhir_werk.interop import Report

_MARK = {"ok": "ok", "warning": "WAARSCHUWING", "error": "FOUT"}


def _examples() -> dict[str, Resource]:
    folder = files("fhir_werk.questionnaires").joinpath("voorbeelden")
    return {
        entry.name.removeprefix("QuestionnaireResponse-").removesuffix(".json"): json.loads(
            entry.read_text(encoding="utf-8")
        )
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    }


def _table(report: Report) -> None:
    rows = [("Controle", "Resource", "Uitkomst", "Tijd")]
    rows += [(c.check, c.resource, _MARK[c.outcome], f"{c.seconds * 1000:.0f} ms") for c in report.checks]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for row in rows:
        echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
    for check in report.checks:
        for message in check.messages:
            echo(f"  {_MARK[check.outcome]} {check.resource}: {message}", err=True)
    if report.profiles:
        echo("Geclaimde profielen (meta.profile), gevalideerd op de server:")
    for url, count in sorted(report.profiles.items()):
        echo(f"  {url}: {count.validated} resources, {count.errors} met fouten")


@app.command()
def interop(
    base: Annotated[
        str, typer.Option("--base", help="Basis-URL van de FHIR-server, bv. http://localhost:8080/fhir.")
    ],
    auth: opt.AuthKind = "none",
    user: opt.User = None,
    password_env: opt.PasswordEnv = None,
    password_file: opt.PasswordFile = None,
    token_env: opt.TokenEnv = None,
    token_file: opt.TokenFile = None,
    client_id: opt.ClientId = None,
    key_file: opt.KeyFile = None,
    kid: opt.Kid = None,
    token_url: opt.TokenUrl = None,
    scope: opt.Scope = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconden per aanroep.")] = 60.0,
    report_file: Annotated[
        Path | None, typer.Option("--report", help="Schrijf het rapport als JSON.")
    ] = None,
    cleanup: Annotated[
        bool, typer.Option("--cleanup", help="Verwijder na afloop wat deze run aanmaakte.")
    ] = False,
) -> None:
    """Test de vragenlijsten, extractie en idempotentie tegen een echte FHIR-server.

    Afsluitcodes: 0 geen fouten; 1 een geheim (--password-env ...) ontbreekt; 2 verkeerd gebruik
    (ongeldige authenticatie-opties, --report in een map die niet bestaat); 3 fouten gevonden,
    server onbereikbaar of het rapport kan niet worden geschreven; 4 interne fout.
    """
    if report_file is not None:
        check_output(report_file, "--report")
    # Imported here: the HTTP client (httpx, joserfc) costs ~0.2 s that other commands do not pay.
    from fhir_werk.client import AuthOptions, FhirClient, build_auth, make_http_client
    from fhir_werk.interop import Check, planned_steps, run_interop

    try:
        fields = opt.auth_fields(
            user=user,
            password_env=password_env,
            password_file=password_file,
            token_env=token_env,
            token_file=token_file,
            client_id=client_id,
            key_file=key_file,
            kid=kid,
            token_url=token_url,
            scope=scope,
        )
        options = AuthOptions.model_validate({"auth": auth, **fields})
        http = make_http_client(base, timeout=timeout, auth=build_auth(options, base))
    except ValidationError as exc:
        wrong = ", ".join(".".join(map(str, e["loc"])) or "auth" for e in exc.errors())
        raise WrongUsageError(
            bad_request(
                f"Ongeldige of onvolledige authenticatie-opties: {wrong}. Zie 'fhir-werk interop --help'.",
                f"Invalid or incomplete authentication options: {wrong}. See 'fhir-werk interop --help'.",
                "--auth",
            )
        ) from exc
    conformance = [
        r
        for r in published().resources
        if r["resourceType"] in ("CodeSystem", "ValueSet", "StructureDefinition", "Questionnaire")
    ]
    examples = _examples()
    with (
        http,
        typer.progressbar(
            length=planned_steps(len(conformance), examples), label="interop", file=None
        ) as bar,
    ):

        def progress(_check: Check) -> None:
            bar.update(1)

        report = run_interop(
            FhirClient(http), conformance=conformance, examples=examples, cleanup=cleanup, on_check=progress
        )
    _table(report)
    if report_file is not None:
        write_atomic(report_file, to_json(report.to_json()).encode("utf-8"), "--report")
    unfixable = sum(len(c.unfixable) for c in report.checks)
    echo(
        f"{report.software or 'server'} op {report.base_url}: {len(report.checks)} controles, "
        f"{report.errors} fouten, {report.warnings} waarschuwingen"
        f" (+{unfixable} niet door fhir-werk op te lossen), {report.transactions_posted} transacties.",
        err=True,
    )
    if report.errors:
        raise typer.Exit(EXIT_REFUSED)
