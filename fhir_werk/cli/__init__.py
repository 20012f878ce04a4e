"""The ``fhir-werk`` command line: a thin face over the library functions.

Each command lives in its own module and registers itself on :data:`app`; the modules are
imported here so that ``fhir-werk --help`` lists them all.
"""

# Imported for their side effect: each registers its command(s) on ``app``.
from fhir_werk.cli import (  # noqa: F401
    _demo,
    _extract,
    _interop,
    _outbox,
    _populate,
    _push,
    _questionnaires,
    _serve,
    _trend,
    _validate,
)
from fhir_werk.cli._app import app

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``fhir-werk`` console script."""
    app()
