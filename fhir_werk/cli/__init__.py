"""The ``fhir-werk`` command line: a thin face over the library functions.

Each command lives in its own module and registers itself on :data:`app`. A command imports
only what it uses: :func:`main` loads just the module of the command named on the command line
(``fhir-werk extract`` never loads the service, the HTTP client or delivery), and every module
when no known command is named (``fhir-werk --help``, an unknown command: both list them all).
``fhir_werk.cli.app`` is the app with every command on it, as tests and ``--help`` see it.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import typer

__all__ = ["app", "main"]

_MODULES: Final = (
    "_demo",
    "_extract",
    "_interop",
    "_outbox",
    "_populate",
    "_push",
    "_questionnaires",
    "_serve",
    "_tijdlijn",
    "_trend",
    "_validate",
)
"""Every command module, in the order that gives ``--help`` its order."""

_COMMANDS: Final = {
    "demo": "_demo",
    "extract": "_extract",
    "interop": "_interop",
    "outbox": "_outbox",
    "populate": "_populate",
    "push": "_push",
    "generate": "_questionnaires",
    "package": "_questionnaires",
    "serve": "_serve",
    "worker": "_serve",
    "tijdlijn": "_tijdlijn",
    "trend": "_trend",
    "validate": "_validate",
}
"""Each command's name and the module that registers it."""


def _named(args: Sequence[str]) -> str | None:
    # Global options (--debug, --help) come before the command's name and take no value.
    return next((arg for arg in args if not arg.startswith("-")), None)


def load_commands(args: Sequence[str] | None = None) -> typer.Typer:
    """The app with the command ``args`` names registered, or every command if it names none."""
    named = _COMMANDS.get(_named(args) or "") if args is not None else None
    for module in (named,) if named is not None else _MODULES:
        importlib.import_module(f"fhir_werk.cli.{module}")
    from fhir_werk.cli._app import app

    return app


def main() -> None:
    """Entry point of the ``fhir-werk`` console script."""
    load_commands(sys.argv[1:])()


def __getattr__(name: str) -> Any:
    if name == "app":
        return load_commands()
    raise AttributeError(f"module 'fhir_werk.cli' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
