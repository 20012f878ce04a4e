"""``fhir-werk push``: send an extracted bundle (or a response, extracted first) to an EPD."""

from __future__ import annotations

import getpass
import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, Final

import typer

from fhir_werk.cli import _auth as opt
from fhir_werk.cli._app import app
from fhir_werk.cli._io import OutputError, read_resource
from fhir_werk.cli._output import echo
from fhir_werk.cli._usage import WrongUsageError
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
from fhir_werk.shared import NotFoundError, Resource, UnreadableInputError, issue, outcome

_STATUS_NL: Final = {
    "created": "aangemaakt",
    "updated": "bijgewerkt",
    "unchanged": "ongewijzigd (stond er al zo)",
    "retired": "beëindigd (niet meer in het antwoord)",
    "conflict": "niet geschreven (elders gewijzigd)",
    "refused": "niet verzonden (geen toestemming)",
}
"""Dutch labels of the entry statuses; a status not listed here is shown as it is."""


def _label(status: str) -> str:
    return _STATUS_NL.get(status, status)


def _read_bundle(file: Path) -> Resource:
    """The Bundle in ``file``, or the Bundle extracted from the QuestionnaireResponse in it."""
    resource = read_resource(file, ("Bundle", "QuestionnaireResponse"))
    if resource["resourceType"] == "QuestionnaireResponse":
        # Imported here: pushing a ready-made bundle does not need the extraction stage.
        from fhir_werk.extraction import extract

        return extract(resource)
    if resource.get("type") not in ("transaction", "batch"):
        # Not the resource push expects (as a Patient would not be): unreadable, like validate says.
        raise UnreadableInputError(
            outcome(
                [
                    issue(
                        "error",
                        "invalid",
                        f"Bestand '{file.name}' bevat geen transaction- of batch-Bundle en geen "
                        "QuestionnaireResponse.",
                        f"File '{file.name}' holds no transaction or batch Bundle and no "
                        "QuestionnaireResponse.",
                        "Bundle.type",
                    )
                ]
            )
        )
    return resource


def _audit_log(path: Path | None) -> AuditLog:
    settings = AuditSettings()
    where = Path(path or settings.path)
    try:
        return AuditLog(where, observer=settings.observer)
    except (OSError, sqlite3.Error) as exc:
        raise OutputError(
            outcome(
                [
                    issue(
                        "error",
                        "exception",
                        f"Het auditlog '{where}' kan niet worden geopend of geschreven; er is niets "
                        "verstuurd.",
                        f"The audit log '{where}' cannot be opened or written; nothing was sent.",
                        "--audit-db",
                    )
                ]
            ),
            500,
        ) from exc


def _echo_table(rows: list[tuple[str, str, str, str]]) -> None:
    """A small table on stdout: resource, id on the target, what happened, where."""
    rows = [("Resource", "Id", "Status", "Locatie"), *rows]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        echo("  ".join([*(cell.ljust(width) for cell, width in zip(row, widths, strict=False)), row[3]]))


def _entry_rows(entries: Sequence[PushEntry]) -> list[tuple[str, str, str, str]]:
    return [(e.resource_type, e.id or "-", _label(e.status), e.location or "-") for e in entries]


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
                _label("refused") if e in withheld else "zou worden verstuurd",
                "-",
            )
            for e in bundle.get("entry", [])
        ]
    )
    echo("Proefrun: er is niets verstuurd.", err=True)


def _actor(given: str | None) -> str:
    if given or os.environ.get("FHIR_WERK_ACTOR"):
        return given or os.environ["FHIR_WERK_ACTOR"]
    try:
        return getpass.getuser()
    except OSError:  # no login name in some containers
        return "fhir-werk"


def _summary(result: PushResult, address: str) -> str:
    seen = [e.status for e in result.entries]
    order = [s for s in _STATUS_NL if s in seen] + sorted(set(seen) - set(_STATUS_NL))
    parts = ", ".join(f"{seen.count(s)} {_label(s).split(' (')[0]}" for s in order) or "niets"
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
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Schrijf ook als iemand anders het EPD-exemplaar heeft gewijzigd sinds fhir-werk het "
            "schreef; wordt gelogd.",
        ),
    ] = False,
) -> None:
    """Verstuur de sectie Werk naar een EPD, met toestemmingscontrole en auditlog.

    Afsluitcodes: 0 verstuurd; 1 ongeldige invoer; 2 onleesbaar bestand, onbekend doel of verkeerd
    gebruik; 3 geweigerd (toestemming, conflict), server-fout of auditlog/doelmap niet schrijfbaar;
    4 interne fout. Bij een fout staat de OperationOutcome op stdout.

    Wachtwoorden en tokens komen uit een omgevingsvariabele of een bestand, nooit van de opdrachtregel.
    """
    bundle = _read_bundle(file)
    context = PushContext(recipient=recipient, purpose=purpose, actor=_actor(actor), force=force)
    if dry_run:
        _dry_run(bundle, context)
        return
    audit = _audit_log(audit_db)
    try:
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
    except NotFoundError as exc:  # an unknown --target is wrong use, not wrong input
        raise WrongUsageError(exc.outcome, exc.status) from exc
    try:
        result = adapter.push(bundle, context)
    finally:
        adapter.close()
    _echo_table(_entry_rows(result.entries))
    echo(_summary(result, getattr(adapter, "address", target)), err=True)
