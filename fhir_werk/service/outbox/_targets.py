"""Delivery targets by name: ``ADAPTER`` or ``ADAPTER:NAME``, so one service can deliver to more
than one EPD of the same kind (``targets=["fhir:epd-a","fhir:epd-b"]``).

A plain ``fhir`` reads the adapter's own settings (``FHIR_WERK_FHIR_*``), a plain ``file`` the
service's delivery folder, as before. A named target reads the adapter's settings under a prefix
of its own: the adapter's prefix plus the name in capitals with ``-`` as ``_``
(``fhir:epd-a`` → ``FHIR_WERK_FHIR_EPD_A_BASE_URL``, ``…_EPD_A_AUTH_*`` …). The name is the
target's identity in the outbox and in ``$delivery``; the ledger knows each by its address (the
base URL, the folder), so two names for one server share what was written there.
"""

from __future__ import annotations

import re
from typing import Final

from pydantic import ValidationError
from pydantic_settings import BaseSettings

from fhir_werk.delivery import load_adapter
from fhir_werk.shared import InvalidInputError, issue, outcome

_NAME: Final = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def adapter_of(target: str) -> str:
    """The adapter (entry point) name of ``target``: ``fhir`` for ``fhir:epd-a``."""
    return target.partition(":")[0]


def named_settings(target: str) -> BaseSettings | None:
    """The adapter settings of a named target from its own environment prefix; None for a plain
    adapter name (which reads the adapter's usual settings). An invalid name or a missing or
    wrong setting is an :class:`InvalidInputError` naming the environment variable."""
    kind, colon, name = target.partition(":")
    if not colon:
        return None
    if not _NAME.fullmatch(name):
        raise InvalidInputError(
            outcome(
                [
                    issue(
                        "error",
                        "value",
                        f"Doel '{target}': de naam na ':' bestaat uit kleine letters, cijfers en '-'.",
                        f"Target '{target}': the name after ':' is lower-case letters, digits and '-'.",
                        "FHIR_WERK_SERVICE_TARGETS",
                    )
                ]
            )
        )
    settings_type = load_adapter(kind).settings_type
    prefix = f"{settings_type.model_config.get('env_prefix', '')}{name.upper().replace('-', '_')}_"
    try:
        return settings_type(_env_prefix=prefix)
    except ValidationError as exc:
        raise InvalidInputError(
            outcome(
                [
                    issue(
                        "error",
                        "required" if error["type"] == "missing" else "value",
                        f"Doel '{target}': instelling {prefix}{_field(error)} ontbreekt of is ongeldig.",
                        f"Target '{target}': setting {prefix}{_field(error)} is missing or invalid.",
                        f"{prefix}{_field(error)}",
                    )
                    for error in exc.errors()
                ]
            )
        ) from exc


def _field(error: object) -> str:
    location = error.get("loc", ()) if isinstance(error, dict) else ()
    return "_".join(str(part) for part in location).upper()
