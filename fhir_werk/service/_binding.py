"""Where the service may listen: the local mode on loopback, anything else only with auth.

Without authentication the service answers anyone who reaches it, with patient data. So it
listens unauthenticated on a loopback address only (the *local mode*); on any other interface
it refuses to start. JWT authentication is issue 11's next slice: until it is in, configuring
an issuer does not make another interface safe, and the refusal says so.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from fhir_werk.service._settings import ServiceSettings
from fhir_werk.shared import FhirWerkError, issue, outcome


class UnsafeBindingError(FhirWerkError):
    """The service was asked to listen on a non-loopback interface without authentication."""


def check_binding(settings: ServiceSettings, *, has_auth: bool = False) -> None:
    """Raise :class:`UnsafeBindingError` unless ``settings.host`` is loopback or ``has_auth``
    (an auth dependency is installed)."""
    if settings.local or has_auth:
        return
    why_nl = (
        "JWT-authenticatie is ingesteld maar zit nog niet in deze versie van de dienst"
        if settings.auth_configured
        else "er is geen authenticatie ingesteld"
    )
    why_en = (
        "JWT authentication is configured but not yet part of this version of the service"
        if settings.auth_configured
        else "no authentication is configured"
    )
    raise UnsafeBindingError(
        outcome(
            [
                issue(
                    "error",
                    "security",
                    f"Weigert te luisteren op '{settings.host}': {why_nl}. Zonder authenticatie "
                    "draait de dienst alleen lokaal (--host 127.0.0.1).",
                    f"Refusing to listen on '{settings.host}': {why_en}. Without authentication the "
                    "service runs locally only (--host 127.0.0.1).",
                    "host",
                )
            ]
        ),
        400,
    )


def shown_database(settings: ServiceSettings) -> str:
    """The database URL with its password hidden."""
    return make_url(settings.database).render_as_string(hide_password=True)


def start_banner(settings: ServiceSettings, port: int) -> list[str]:
    """The Dutch lines ``fhir-werk serve`` prints on start (no secrets: the password is hidden)."""
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    mode = (
        "lokale modus: alleen bereikbaar vanaf deze machine, zonder authenticatie"
        if settings.local
        else "met authenticatie"
    )
    targets = ", ".join(
        f"file → {settings.delivery_directory.resolve()}" if t == "file" else t for t in settings.targets
    )
    worker = "in dit proces" if settings.in_process_worker else "uit (start 'fhir-werk worker')"
    return [
        f"fhir-werk draait in {mode}.",
        f"FHIR-basis: http://{host}:{port}/fhir  (documentatie: http://{host}:{port}/docs)",
        f"Database: {shown_database(settings)}",
        f"Aflevering naar: {targets or 'geen doel'}; bezorger: {worker}.",
        "Stoppen: Ctrl-C.",
    ]
