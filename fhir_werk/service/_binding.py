"""Where the service may listen: the local mode on loopback, anything else only with auth.

Without authentication the service answers anyone who reaches it, with patient data. So it
listens unauthenticated on a loopback address only (the *local mode*); on any other interface
it refuses to start. With bearer JWT authentication configured (issuer, audience and JWKS URL,
:mod:`~fhir_werk.service.auth._guard`) it may listen anywhere; a configuration with only some of the three is
refused too, rather than run without the authentication that was meant.
"""

from __future__ import annotations

from sqlalchemy.engine import make_url

from fhir_werk.service.core._settings import ServiceSettings
from fhir_werk.shared import FhirWerkError, issue, outcome


class UnsafeBindingError(FhirWerkError):
    """The service was asked to listen on a non-loopback interface without authentication."""


def check_binding(settings: ServiceSettings, *, has_auth: bool = False) -> None:
    """Raise :class:`UnsafeBindingError` unless ``settings.host`` is loopback or ``has_auth``
    (an auth dependency is installed)."""
    if settings.auth_partly_configured:
        raise UnsafeBindingError(
            outcome(
                [
                    issue(
                        "error",
                        "security",
                        "Authenticatie is maar half ingesteld: FHIR_WERK_SERVICE_AUTH_ISSUER, "
                        "…_AUTH_AUDIENCE en …_AUTH_JWKS_URL horen alle drie gezet te zijn.",
                        "Authentication is only partly configured: FHIR_WERK_SERVICE_AUTH_ISSUER, "
                        "…_AUTH_AUDIENCE and …_AUTH_JWKS_URL must all three be set.",
                        "auth",
                    )
                ]
            ),
            400,
        )
    if settings.local or has_auth:
        return
    why_nl = "er is geen authenticatie ingesteld"
    why_en = "no authentication is configured"
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
        f"met authenticatie (bearer-JWT van {settings.auth_issuer}, SMART-scopes)"
        if settings.auth_configured
        else "lokale modus: alleen bereikbaar vanaf deze machine, zonder authenticatie"
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
