"""The ``FHIR_WERK_*`` input limits read from the environment, by pydantic-settings.

Imported only when one of those variables is set (see :class:`~fhir_werk.validation.InputLimits`):
a command without them does not load pydantic at all.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class _EnvironmentLimits(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FHIR_WERK_")

    max_input_bytes: int | None = None
    max_depth: int | None = None
    max_repetitions: int | None = None
    max_string_chars: int | None = None


def limits_from_environment() -> dict[str, int]:
    """The limits the environment sets (an invalid value raises pydantic's ValidationError)."""
    found: dict[str, int] = _EnvironmentLimits().model_dump(exclude_unset=True, exclude_none=True)
    return found
