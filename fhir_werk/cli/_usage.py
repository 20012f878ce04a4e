"""Wrong use of a command, as an OperationOutcome with a Dutch message (exit 2).

Click reports usage errors (a missing argument, an unknown option, a bad value) in an English
box; :func:`usage_outcome` makes the same FHIR OperationOutcome of them that every other error
gets, Dutch first, click's own English message as the translation.
"""

from __future__ import annotations

# typer (0.29+) vendors click: its usage errors and contexts are these classes, not the click package's.
from typer._click import core as click
from typer._click import exceptions as click_errors

from fhir_werk.shared import FhirWerkError, Resource, issue, outcome


class WrongUsageError(FhirWerkError):
    """A command was used wrongly in a way click cannot see (an unknown ``--target``, an ``-o``
    naming a folder); exit 2 as click's own usage errors."""


class UnknownCommandError(click_errors.UsageError):
    """``fhir-werk NAME`` where NAME is no command."""

    def __init__(self, name: str, known: list[str], ctx: click.Context | None = None) -> None:
        super().__init__(f"No such command '{name}'. Known commands: {', '.join(known)}.", ctx)
        self.name = name
        self.known = known


def _name(param: click.Parameter | None) -> str | None:
    if param is None:
        return None
    if param.param_type_name == "argument":
        return str(param.metavar or param.name or "").upper() if not param.metavar else str(param.metavar)
    return max(param.opts, key=len) if param.opts else param.name


def usage_outcome(error: click_errors.UsageError) -> Resource:
    """The OperationOutcome (code ``invalid``, exit 2) of a click usage error."""
    command = error.ctx.command_path if error.ctx is not None else "fhir-werk"
    hint = f" Zie '{command} --help'."
    en = error.format_message()
    name = _name(getattr(error, "param", None))
    where: str | None = name
    if isinstance(error, click_errors.NoArgsIsHelpError) or error.message == "Missing command.":
        nl, en, where = f"Geef een commando.{hint}", f"Give a command. See '{command} --help'.", None
    elif isinstance(error, UnknownCommandError):
        nl = f"Onbekend commando '{error.name}'. Bekend zijn: {', '.join(error.known)}."
        where = error.name
    elif isinstance(error, click_errors.MissingParameter):
        argument = error.param is not None and error.param.param_type_name == "argument"
        kind = "Het verplichte argument" if argument else "De verplichte optie"
        nl = f"{kind} {name or ''} ontbreekt.{hint}".replace("  ", " ")
    elif isinstance(error, click_errors.NoSuchOption):
        suggestions = f" Bedoelt u {' of '.join(error.possibilities)}?" if error.possibilities else ""
        nl = f"Onbekende optie '{error.option_name}'.{suggestions}{hint}"
        where = error.option_name
    elif isinstance(error, click_errors.BadOptionUsage):
        nl = f"Optie '{error.option_name}' is verkeerd gebruikt (ontbreekt de waarde?).{hint}"
        where = error.option_name
    elif isinstance(error, click_errors.BadParameter):
        nl = f"Ongeldige waarde voor {name or 'een parameter'}.{hint}"
    else:
        nl = f"Verkeerd gebruik van het commando.{hint}"
    return outcome([issue("error", "invalid", nl, en, where)])
