"""``fhir-werk push``: send an extracted bundle (or a response, extracted first) to an EPD."""

from __future__ import annotations

import getpass
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from fhir_werk.cli import _auth as opt
from fhir_werk.cli._app import EXIT_INVALID, EXIT_REMOTE, EXIT_USAGE, app
from fhir_werk.delivery import (
    AuditLog,
    AuditSettings,
    PushContext,
    PushEntry,
    PushResult,
    check_consent,
    get_adapter,
    withheld_entries,
)
from fhir_werk.shared import (
    ConsentRefusedError,
    FhirWerkError,
    NotFoundError,
    RemoteError,
    Resource,
    bad_request,
)

_STATUS_NL = {
    "created": "aangemaakt",
    "updated": "bijgewerkt",
    "unchanged": "ongewijzigd (bestond al)",
    "refused": "niet verzonden (geen toestemming)",
}


def _exit_code(error: FhirWerkError) -> int:
    if isinstance(error, ConsentRefusedError | RemoteError):
        return EXIT_REMOTE
    if isinstance(error, NotFoundError):
        return EXIT_USAGE
    return EXIT_INVALID


def _report(result: Resource, code: int) -> NoReturn:
    """The OperationOutcome as JSON on stdout, each issue as a Dutch line on stderr; then exit."""
    typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    for found in result.get("issue", []):
        text = found.get("details", {}).get("text") or found.get("diagnostics", "")
        where = f" [{', '.join(found['expression'])}]" if found.get("expression") else ""
        typer.echo(f"{found.get('severity', 'error')}: {text}{where}", err=True)
    raise typer.Exit(code)


def _unusable(nl: str, en: str) -> NoReturn:
    """Unreadable input or the wrong resource: print the outcome and exit 2, as the sibling commands do."""
    _report(bad_request(nl, en, "FILE"), EXIT_USAGE)


def _read_bundle(file: Path) -> Resource:
    try:
        resource = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        _unusable(f"Bestand '{file}' is geen leesbare JSON.", f"File '{file}' is not readable JSON.")
    kind = resource.get("resourceType") if isinstance(resource, dict) else None
    if kind == "QuestionnaireResponse":
        # Imported here: pushing a ready-made bundle does not need the extraction stage.
        from fhir_werk.extraction import extract

        return extract(resource)
    if kind != "Bundle":
        _unusable(
            f"Bestand '{file}' bevat geen Bundle of QuestionnaireResponse maar {kind or 'iets anders'}.",
            f"File '{file}' holds no Bundle or QuestionnaireResponse but {kind or 'something else'}.",
        )
    bundle: Resource = resource
    return bundle


def _echo_table(rows: list[tuple[str, str, str, str]]) -> None:
    """A small table on stdout: resource, id on the target, what happened, where."""
    rows = [("Resource", "Id", "Status", "Locatie"), *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        typer.echo(
            "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]])
        )


def _entry_rows(entries: Sequence[PushEntry]) -> list[tuple[str, str, str, str]]:
    return [(e.resource_type, e.id or "-", _STATUS_NL[e.status], e.location or "-") for e in entries]


def _dry_run(bundle: Resource, context: PushContext) -> None:
    """Check consent only and show what would be sent; nothing leaves the machine, nothing is audited."""
    decision = check_consent(bundle, context)
    if not decision.permitted:
        raise decision.error()
    withheld = withheld_entries(bundle, decision)
    _echo_table(
        [
            (
                e["resource"]["resourceType"],
                "-",
                _STATUS_NL["refused"] if e in withheld else "zou worden verstuurd",
                "-",
            )
            for e in bundle.get("entry", [])
        ]
    )
    typer.echo("Proefrun: er is niets verstuurd.", err=True)


def _actor(given: str | None) -> str:
    if given or os.environ.get("FHIR_WERK_ACTOR"):
        return given or os.environ["FHIR_WERK_ACTOR"]
    try:
        return getpass.getuser()
    except OSError:  # no login name in some containers
        return "fhir-werk"


def _summary(result: PushResult, address: str) -> str:
    counts = {status: sum(e.status == status for e in result.entries) for status in _STATUS_NL}
    parts = ", ".join(f"{n} {_STATUS_NL[s].split(' (')[0]}" for s, n in counts.items() if n)
    return f"Verstuurd naar {address}: {parts}. AuditEvent {result.audit_event['id']} vastgelegd."


@app.command()
def push(
    file: Annotated[
        Path,
        typer.Argument(help="Een transaction-Bundle, of een QuestionnaireResponse om eerst te extraheren."),
    ],
    target: Annotated[
        str, typer.Option("--target", help="Adapternaam (instellingen uit de omgeving) of FHIR-basis-URL.")
    ],
    recipient: Annotated[
        str, typer.Option("--recipient", help="Ontvanger (CodeSystem deelontvanger).")
    ] = "eigen-epd",
    purpose: Annotated[
        str, typer.Option("--purpose", help="Doel van het delen (CodeSystem deeldoel).")
    ] = "re-integratie",
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
    timeout: Annotated[float, typer.Option("--timeout", help="Seconden per aanroep.")] = 30.0,
    mode: Annotated[str, typer.Option("--mode", help="auto, transaction, batch of single.")] = "auto",
    audit_db: Annotated[
        Path | None, typer.Option("--audit-db", help="SQLite-bestand van het auditlog.")
    ] = None,
    actor: Annotated[str | None, typer.Option("--actor", help="Wie verstuurt (voor het auditlog).")] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Alleen toestemming controleren en tonen; niets versturen.")
    ] = False,
) -> None:
    """Verstuur de sectie Werk naar een EPD, met toestemmingscontrole en auditlog.

    Exitcodes: 0 verstuurd, 1 ongeldige invoer, 2 onleesbaar bestand of onbekend doel, 3 geweigerd of mislukt.

    Bij een fout staat de OperationOutcome op stdout. Wachtwoorden en tokens komen uit een omgevingsvariabele.
    """
    try:
        bundle = _read_bundle(file)
        context = PushContext(recipient=recipient, purpose=purpose, actor=_actor(actor))
        if dry_run:
            _dry_run(bundle, context)
            return
        settings = AuditSettings()
        audit = AuditLog(audit_db or settings.path, observer=settings.observer)
        if target.startswith(("http://", "https://")):
            options: dict[str, Any] = {"base_url": target, "auth": auth, "mode": mode, "timeout": timeout}
            options.update(
                opt.auth_fields(
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
            )
            adapter = get_adapter("fhir", options, audit=audit)
        else:
            adapter = get_adapter(target, audit=audit)
        try:
            result = adapter.push(bundle, context)
        finally:
            adapter.close()
    except FhirWerkError as error:
        _report(error.outcome, _exit_code(error))
    _echo_table(_entry_rows(result.entries))
    typer.echo(_summary(result, getattr(adapter, "address", target)), err=True)
