"""The typer application every command registers on, its exit codes and its one error boundary.

Exit codes, the same for every command (the README shows this table)::

    0  ok
    1  invalid input      InvalidInputError, NotFoundError (the input names an unknown
                          Questionnaire), any other FhirWerkError
    2  unreadable input   UnreadableInputError (not a file, not readable, not UTF-8, not JSON),
                          InputTooLargeError (413), WrongUsageError and click's usage errors (missing
                          argument, unknown option or command, bad value), an unknown --target,
                          an ``-o`` path in a missing folder or naming a folder
    3  refused or target  ConsentRefusedError, ConflictError, RemoteError, OutputError: an output
                          file, target folder or audit database that cannot be written (also any
                          other OSError or sqlite3 error while a command runs)
    4  internal error     anything unexpected: an OperationOutcome ``code: exception`` naming only
                          the exception type, never its message (it may quote patient data)

The boundary (:class:`FhirWerkGroup.main`) turns every error into an OperationOutcome on stdout,
one Dutch line on stderr and the code above. A traceback goes to stderr only with
``fhir-werk --debug ...`` or ``FHIR_WERK_DEBUG=1``.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import sys
import traceback
from collections.abc import Sequence
from typing import Annotated, Any, Final

import typer

# typer (0.29+) vendors click: its usage errors and contexts are these classes, not the click package's.
from typer._click import core as click
from typer._click import exceptions as click_errors
from typer.core import TyperGroup

from fhir_werk.cli._io import OutputError, os_problem
from fhir_werk.cli._output import echo, echo_json
from fhir_werk.cli._usage import UnknownCommandError, WrongUsageError, usage_outcome
from fhir_werk.shared import (
    ConflictError,
    ConsentRefusedError,
    FhirWerkError,
    InvalidInputError,
    NotFoundError,
    RemoteError,
    Resource,
    UnreadableInputError,
    issue,
    outcome,
)

EXIT_OK: Final = 0
EXIT_INVALID: Final = 1
"""The input was read but is invalid (an OperationOutcome with errors was printed)."""
EXIT_UNREADABLE: Final = 2
"""The input could not be read as JSON, was too large, or the command was used wrongly."""
EXIT_USAGE: Final = EXIT_UNREADABLE
EXIT_REFUSED: Final = 3
"""Refused (consent, conflict), a remote server or EPD failed, or an output could not be written."""
EXIT_INTERNAL: Final = 4
"""An unexpected failure inside fhir-werk."""
EXIT_INTERRUPTED: Final = 130
"""Stopped with Ctrl-C (the shell's convention, not an error of fhir-werk)."""


EXIT_CODES: Final[tuple[tuple[type[Exception], int], ...]] = (
    (UnreadableInputError, EXIT_UNREADABLE),
    (WrongUsageError, EXIT_UNREADABLE),
    (ConsentRefusedError, EXIT_REFUSED),
    (ConflictError, EXIT_REFUSED),
    (RemoteError, EXIT_REFUSED),
    (OutputError, EXIT_REFUSED),
    (InvalidInputError, EXIT_INVALID),
    (NotFoundError, EXIT_INVALID),
    (FhirWerkError, EXIT_INVALID),
)
"""The one table: the first class an error is an instance of decides its exit code."""


def exit_code(error: FhirWerkError) -> int:
    """The exit code of a fhir-werk error, from :data:`EXIT_CODES`."""
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


def storage_outcome(error: OSError | sqlite3.Error) -> Resource:
    """An OperationOutcome for a file or database that could not be used: the path, no content."""
    if isinstance(error, sqlite3.Error):
        kind = type(error).__name__
        return outcome(
            [
                issue(
                    "error",
                    "exception",
                    f"Een database van fhir-werk (auditlog of schrijflog per doel) kan niet worden "
                    f"gebruikt ({kind}).",
                    f"A database of fhir-werk (audit log or per-target write ledger) cannot be used "
                    f"({kind}).",
                )
            ]
        )
    nl, en = os_problem(error)
    where = f"'{error.filename}'" if error.filename is not None else "een bestand"
    where_en = f"'{error.filename}'" if error.filename is not None else "a file"
    return outcome(
        [
            issue(
                "error",
                "exception",
                f"Kan {where} niet gebruiken: {nl}.",
                f"Cannot use {where_en}: {en}.",
            )
        ]
    )


def internal_outcome(error: BaseException) -> Resource:
    """The OperationOutcome of an unexpected failure: the exception type only, never its text."""
    kind = type(error).__name__
    return outcome(
        [
            issue(
                "error",
                "exception",
                f"Interne fout in fhir-werk ({kind}). Draai opnieuw met 'fhir-werk --debug …' voor de "
                "details en meld het probleem.",
                f"Internal error in fhir-werk ({kind}). Run again with 'fhir-werk --debug …' for the "
                "details and report the problem.",
            )
        ]
    )


def summary_line(result: Resource, *, from_server: bool = False) -> str:
    """One Dutch line for stderr: the first error (with its place) and how many more there are.

    ``from_server``: ``result`` is a :class:`RemoteError`'s outcome (our summary, then the server's
    own issues); the line then says what the server objected to instead of counting its issues."""
    found = [i for i in result.get("issue", []) if i.get("severity") in ("error", "fatal")]
    if not found:
        return "fout: onbekende fout."
    first = found[0]
    text = (first.get("details") or {}).get("text") or first.get("diagnostics") or ""
    where = f" [{', '.join(map(str, first['expression']))}]" if first.get("expression") else ""
    if from_server:
        from fhir_werk.client import server_summary  # loaded already: a server answered

        said = server_summary(result.get("issue", [])[1:])
        if said:
            return f"fout: {text}{where} Server: {said}"
    more = len(found) - 1
    rest = f" (en nog {more} {'fout' if more == 1 else 'fouten'})" if more else ""
    return f"fout: {text}{where}{rest}"


def report(result: Resource, code: int, *, from_server: bool = False) -> int:
    """Print ``result`` (JSON on stdout) and its summary line (stderr); return ``code``."""
    echo_json(result)
    echo(summary_line(result, from_server=from_server), err=True)
    return code


def _debug_requested(args: Sequence[str]) -> bool:
    if os.environ.get("FHIR_WERK_DEBUG", "").strip().lower() in ("1", "true", "ja", "yes", "on"):
        return True
    for arg in args:  # global options come before the command's name
        if arg == "--debug":
            return True
        if not arg.startswith("-"):
            return False
    return False


def _boundary(error: BaseException, debug: bool) -> int:
    """The exit code for ``error``, after printing its OperationOutcome (and traceback if asked)."""
    if isinstance(error, typer.Exit):
        return error.exit_code
    if debug:
        traceback.print_exception(error, file=sys.stderr)
    if isinstance(error, KeyboardInterrupt | typer.Abort):
        echo("Afgebroken.", err=True)
        return EXIT_INTERRUPTED
    if isinstance(error, click_errors.UsageError):
        return report(usage_outcome(error), EXIT_USAGE)
    if isinstance(error, FhirWerkError):
        return report(error.outcome, exit_code(error), from_server=isinstance(error, RemoteError))
    if isinstance(error, OSError | sqlite3.Error):
        return report(storage_outcome(error), EXIT_REFUSED)
    return report(internal_outcome(error), EXIT_INTERNAL)


_LAST_RESORT: Final = (
    '{"resourceType": "OperationOutcome", "issue": [{"severity": "fatal", "code": "exception", '
    '"details": {"text": "Interne fout in fhir-werk.", "_text": {"extension": [{"url": '
    '"http://hl7.org/fhir/StructureDefinition/translation", "extension": [{"url": "lang", '
    '"valueCode": "en"}, {"url": "content", "valueString": "Internal error in fhir-werk."}]}]}}, '
    '"diagnostics": "Internal error in fhir-werk."}]}\n'
)


def _last_resort(failure: BaseException, debug: bool) -> int:
    """Reporting an error failed too: a fixed outcome, written as plainly as possible."""
    with contextlib.suppress(BaseException):
        if debug:
            traceback.print_exception(failure, file=sys.stderr)
        sys.stdout.write(_LAST_RESORT)
        sys.stdout.flush()
        sys.stderr.write("fout: interne fout in fhir-werk.\n")
    return EXIT_INTERNAL


class FhirWerkGroup(TyperGroup):
    """The command group with the one error boundary of every command (see the module docstring)."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        """Run a command; every error becomes an OperationOutcome and an exit code, never a traceback."""
        given = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(
                given, prog_name, complete_var, False, windows_expand_args=windows_expand_args, **extra
            )
            code = result if isinstance(result, int) else EXIT_OK
        except BaseException as error:
            if isinstance(error, SystemExit):
                raise
            debug = _debug_requested(given)
            try:
                code = _boundary(error, debug)
            except BaseException as failure:  # noqa: BLE001 - reporting itself failed (MemoryError ...)
                code = _last_resort(failure, debug)
        if standalone_mode:
            sys.exit(code)
        return code

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        """As click does, but an unknown command is a Dutch usage error."""
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            raise UnknownCommandError(name, sorted(self.list_commands(ctx)), ctx)
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="fhir-werk",
    cls=FhirWerkGroup,
    help=(
        "fhir-werk: werk in het GGZ-behandelplan. De Gespreksleidraad 'Arbeid als medicijn' "
        "als FHIR R4-vragenlijsten, validatie, extractie naar een CarePlan-sectie Werk en "
        "adapters naar het EPD. Afsluitcodes voor elk commando: 0 gelukt, 1 ongeldige invoer, "
        "2 onleesbare invoer of verkeerd gebruik, 3 geweigerd of doel/server-fout, 4 interne fout."
    ),
    no_args_is_help=False,  # click's help-instead-of-an-error prints before the boundary sees it
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _options(
    debug: Annotated[
        bool,
        typer.Option(
            "--debug",
            help="Toon bij een fout ook de Python-traceback op stderr (ook: FHIR_WERK_DEBUG=1). "
            "Let op: die kan patiëntgegevens bevatten.",
        ),
    ] = False,
) -> None:
    """Global options; ``--debug`` is read by the error boundary itself (see ``_debug_requested``)."""
