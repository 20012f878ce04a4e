"""The typer application every command module registers on."""

import typer

app = typer.Typer(
    name="fhir-werk",
    help=(
        "fhir-werk: werk in het GGZ-behandelplan. De Gespreksleidraad 'Arbeid als medicijn' "
        "als FHIR R4-vragenlijsten, validatie, extractie naar een CarePlan-sectie Werk en "
        "adapters naar het EPD."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_OK = 0
EXIT_INVALID = 1
"""The input was read but is invalid (an OperationOutcome with errors was printed)."""
EXIT_USAGE = 2
"""Wrong use of the command (typer/click also use 2 for usage errors)."""
EXIT_REMOTE = 3
"""A remote server or EPD failed or refused."""
