"""The service's settings: environment variables ``FHIR_WERK_SERVICE_*`` (pydantic-settings).

With no configuration at all the service runs in *local mode*: bound to 127.0.0.1, an SQLite
file in the data folder, and the ``file`` adapter writing into ``<data folder>/aflevering``. The
data folder and the database URL are also read from the shorter ``FHIR_WERK_DATA_DIR`` and
``FHIR_WERK_DATABASE_URL`` that issue 11 names.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fhir_werk.shared import InvalidInputError, UnreadableInputError, issue, outcome

LOOPBACK_NAMES: Final = frozenset({"localhost", "127.0.0.1", "::1"})
ASYMMETRIC_ALGORITHMS: Final = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}
)
"""The JWS algorithms a token may use: the service holds public keys, never a shared secret, so
``none`` and HS* (an HMAC keyed with the public key: key confusion) are refused."""


class ServiceSettings(BaseSettings):
    """Everything ``fhir-werk serve`` and ``fhir-werk worker`` need (env ``FHIR_WERK_SERVICE_*``)."""

    model_config = SettingsConfigDict(env_prefix="FHIR_WERK_SERVICE_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    data_dir: Path = Field(
        default=Path("fhir-werk-data"),
        validation_alias=AliasChoices("FHIR_WERK_SERVICE_DATA_DIR", "FHIR_WERK_DATA_DIR", "data_dir"),
    )
    database_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices(
            "FHIR_WERK_SERVICE_DATABASE_URL", "FHIR_WERK_DATABASE_URL", "database_url"
        ),
    )
    """SQLAlchemy URL; None means the SQLite file ``<data_dir>/fhir-werk.sqlite3`` (WAL)."""
    targets: list[str] = Field(default_factory=lambda: ["file"])
    """Adapter names (entry points ``fhir_werk.adapters``) every accepted response goes to."""
    file_directory: Path | None = None
    """The folder of the ``file`` adapter; None means ``<data_dir>/aflevering``."""
    recipient: str = "eigen-epd"
    purpose: str = "re-integratie"
    max_body_bytes: int = Field(default=4_000_000, gt=0)
    in_process_worker: bool = True
    """``serve`` delivers in a thread of its own as well; off when ``fhir-werk worker`` runs apart."""
    max_attempts: int = Field(default=8, ge=1)
    """Failed deliveries after which a job is dead (a dead letter with the reason)."""
    backoff_seconds: float = Field(default=2.0, gt=0)
    backoff_max_seconds: float = Field(default=900.0, gt=0)
    lease_seconds: float = Field(default=120.0, gt=0)
    """How long a claimed job is the claimer's; after that (a killed worker) another may take it."""
    poll_seconds: float = Field(default=1.0, gt=0)
    page_size: int = Field(default=20, ge=1)
    max_page_size: int = Field(default=100, ge=1)
    log_level: str = "WARNING"
    """Of the JSON logs on stderr (DEBUG, INFO, WARNING, ERROR)."""
    public_base_url: str | None = None
    """How clients reach this service (``https://fhir-werk.zorg.example``): the base of every
    absolute URL it writes (Location, Bundle links). Unset: the address of the socket."""
    auth_issuer: str | None = None
    """The ``iss`` every token must carry (and the CapabilityStatement names)."""
    auth_audience: str | None = None
    """The ``aud`` every token must carry: this service's own URL or name at the issuer."""
    auth_jwks_url: str | None = None
    """The issuer's public keys (https; http only on a loopback host)."""
    auth_algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"], min_length=1)
    """Accepted JWS algorithms; asymmetric ones only (never ``none`` or HS*)."""
    auth_clock_skew_seconds: int = Field(default=60, ge=0, le=300)
    auth_max_token_lifetime_seconds: int = Field(default=3600, gt=0, le=86400)
    """The longest a token may live (``exp`` − ``iat``, and ``exp`` from now), plus the clock skew:
    a stolen token with ``exp`` in the year 5000 is refused."""
    auth_jwks_ttl_seconds: float = Field(default=3600.0, gt=0)
    """After this long the JWKS is fetched again (key rotation without an unknown ``kid``)."""
    auth_jwks_min_refresh_seconds: float = Field(default=30.0, ge=0)
    """The floor between two fetches, however many tokens name an unknown ``kid``."""
    auth_jwks_timeout_seconds: float = Field(default=5.0, gt=0)
    auth_authorization_endpoint: str | None = None
    """The issuer's OAuth2 authorize URL (SMART app launch), published in
    ``/.well-known/smart-configuration``; unset when the issuer only does backend services."""
    auth_token_endpoint: str | None = None
    """The issuer's OAuth2 token URL, published in ``/.well-known/smart-configuration``."""
    auth_capabilities: list[str] = Field(default_factory=list)
    """SMART capabilities of the issuer beyond the permissions fhir-werk enforces itself
    (``launch-ehr``, ``client-confidential-asymmetric``, ``sso-openid-connect`` ...)."""

    @field_validator("auth_algorithms")
    @classmethod
    def _asymmetric_only(cls, value: list[str]) -> list[str]:
        if not set(value) <= ASYMMETRIC_ALGORITHMS:
            raise ValueError("only asymmetric JWS algorithms")
        return value

    @field_validator("auth_issuer", "auth_audience", "auth_jwks_url")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        # A blank issuer or audience would match a token whose claim is blank too.
        if value is not None and (not value.strip() or value != value.strip()):
            raise ValueError("must not be blank or start or end with white space")
        return value

    @field_validator("auth_jwks_url")
    @classmethod
    def _https_jwks(cls, value: str | None) -> str | None:
        # Keys fetched over plain http could be swapped on the way: anyone could then sign tokens.
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or "")):
            return value
        raise ValueError("JWKS URL must be https (http only on loopback)")

    @field_validator("auth_authorization_endpoint", "auth_token_endpoint")
    @classmethod
    def _https_endpoint(cls, value: str | None) -> str | None:
        # An app sends credentials and codes there: plain http only on this machine.
        if value is None:
            return value
        parts = urlsplit(value)
        if parts.scheme == "https" or (parts.scheme == "http" and is_loopback(parts.hostname or "")):
            return value
        raise ValueError("OAuth2 endpoint must be https (http only on loopback)")

    @property
    def database(self) -> str:
        """The database URL in use."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'fhir-werk.sqlite3').resolve()}"

    @property
    def delivery_directory(self) -> Path:
        """The ``file`` adapter's folder."""
        return self.file_directory if self.file_directory is not None else self.data_dir / "aflevering"

    @property
    def audit_path(self) -> Path:
        """The audit log every push writes to (and ``GET /AuditEvent`` reads)."""
        return self.data_dir / "audit.sqlite3"

    @property
    def auth_configured(self) -> bool:
        """True when an issuer, audience and JWKS URL are all set."""
        return bool(self.auth_issuer and self.auth_audience and self.auth_jwks_url)

    @property
    def auth_partly_configured(self) -> bool:
        """True when some but not all of issuer, audience and JWKS URL are set (a mistake the
        service refuses rather than run without the authentication meant)."""
        return not self.auth_configured and any((self.auth_issuer, self.auth_audience, self.auth_jwks_url))

    @property
    def local(self) -> bool:
        """True when bound to a loopback interface only (the local mode)."""
        return is_loopback(self.host)


def load_settings(**overrides: object) -> ServiceSettings:
    """``ServiceSettings`` from the environment (and ``overrides``); a value that does not fit is
    an :class:`InvalidInputError` naming the environment variable, never a pydantic error."""
    try:
        return ServiceSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        issues = []
        for error in exc.errors():
            name = ".".join(str(part) for part in error["loc"]) or "?"
            env = (
                name.upper() if name.upper().startswith("FHIR_WERK_") else f"FHIR_WERK_SERVICE_{name.upper()}"
            )
            issues.append(
                issue(
                    "error",
                    "value",
                    f"Instelling {env} heeft een ongeldige waarde.",
                    f"Setting {env} has an invalid value.",
                    env,
                )
            )
        raise InvalidInputError(outcome(issues), 400) from exc


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and every loopback address (127.0.0.0/8, ::1)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def read_settings_file(path: Path) -> list[str]:
    """Put the ``FHIR_WERK_*`` lines of a settings file (``NAME=value``, as a ``.env`` file) into
    the environment where it does not set them already; returns the names (never the values: a
    file may hold secrets).

    Through the environment, every part reads them: these settings, the adapters'
    (``FHIR_WERK_FHIR_*``), and the processes of ``serve --workers``. Other names are ignored,
    so a settings file cannot change ``PATH`` or the like.
    """
    from dotenv import dotenv_values  # pydantic-settings' own reader of .env files

    if not path.is_file():
        raise UnreadableInputError(
            outcome(
                [
                    issue(
                        "error",
                        "not-found",
                        f"Instellingenbestand '{path}' bestaat niet of is geen bestand.",
                        f"Settings file '{path}' does not exist or is not a file.",
                        "--config",
                    )
                ]
            )
        )
    found = {
        k: v for k, v in dotenv_values(path).items() if k.upper().startswith("FHIR_WERK_") and v is not None
    }
    for name, value in found.items():
        os.environ.setdefault(name, value)
    return sorted(found)
