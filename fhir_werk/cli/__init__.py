"""The ``fhir-werk`` command line: a thin face over the library functions.

Each command lives in its own module and registers itself on :data:`app`; the modules are
imported here so that ``fhir-werk --help`` lists them all.
"""

from fhir_werk.cli._app import app

# Imported for their side effect: each registers its command(s) on ``app``.
from fhir_werk.cli import _questionnaires  # noqa: E402,F401

__all__ = ["app", "main"]


def main() -> None:
    """Entry point of the ``fhir-werk`` console script."""
    app()
