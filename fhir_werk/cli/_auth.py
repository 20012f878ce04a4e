"""The authentication options of every command that talks to a FHIR server (push, interop).

Secrets come from an environment variable or a file, never from the command line itself, so
they do not end up in shell histories or process lists.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import SecretStr

from fhir_werk.shared import InvalidInputError, bad_request

AuthKind = Annotated[str, typer.Option("--auth", help="none, basic, bearer of smart.")]
User = Annotated[str | None, typer.Option("--user", help="Gebruikersnaam voor basic.")]
PasswordEnv = Annotated[
    str | None, typer.Option("--password-env", help="Omgevingsvariabele met het wachtwoord.")
]
PasswordFile = Annotated[Path | None, typer.Option("--password-file", help="Bestand met het wachtwoord.")]
TokenEnv = Annotated[str | None, typer.Option("--token-env", help="Omgevingsvariabele met het bearer-token.")]
TokenFile = Annotated[Path | None, typer.Option("--token-file", help="Bestand met het bearer-token.")]
ClientId = Annotated[str | None, typer.Option("--client-id", help="SMART: client-id.")]
KeyFile = Annotated[Path | None, typer.Option("--key-file", help="SMART: privésleutel (PEM of JWKS).")]
Kid = Annotated[str | None, typer.Option("--kid", help="SMART: sleutel-id.")]
TokenUrl = Annotated[str | None, typer.Option("--token-url", help="SMART: token-endpoint (anders ontdekt).")]
Scope = Annotated[str | None, typer.Option("--scope", help="SMART: gevraagde scopes.")]


def secret(env: str | None, file: Path | None, option: str) -> SecretStr | None:
    """A secret from an environment variable or a file: never from the command line itself."""
    if env is not None:
        value = os.environ.get(env)
        if not value:
            raise InvalidInputError(
                bad_request(
                    f"Omgevingsvariabele '{env}' is leeg of bestaat niet.",
                    f"Environment variable '{env}' is empty or missing.",
                    option,
                )
            )
        return SecretStr(value)
    if file is not None:
        try:
            return SecretStr(file.read_text(encoding="utf-8").strip())
        except OSError as exc:
            raise InvalidInputError(
                bad_request(
                    f"'{file.name}' kan niet worden gelezen.", f"'{file.name}' cannot be read.", option
                )
            ) from exc
    return None


def auth_fields(
    *,
    user: str | None,
    password_env: str | None,
    password_file: Path | None,
    token_env: str | None,
    token_file: Path | None,
    client_id: str | None,
    key_file: Path | None,
    kid: str | None,
    token_url: str | None,
    scope: str | None,
) -> dict[str, Any]:
    """The given auth options as fields of ``AuthOptions`` (secrets read, unset ones left out)."""
    given = {
        "user": user,
        "password": secret(password_env, password_file, "password-env"),
        "token": secret(token_env, token_file, "token-env"),
        "client_id": client_id,
        "key_file": key_file,
        "kid": kid,
        "token_url": token_url,
        "scope": scope,
    }
    return {k: v for k, v in given.items() if v is not None}
