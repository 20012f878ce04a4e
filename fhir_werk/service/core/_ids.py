"""FHIR ids (https://hl7.org/fhir/R4/datatypes.html#id): checked before they reach a query."""

from __future__ import annotations

import re
from typing import Final

from fhir_werk.shared import InvalidInputError, bad_request

_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def checked_id(value: str) -> str:
    """``value`` when it is a FHIR id; 400 otherwise (an id is never searched for as given)."""
    if not _ID.fullmatch(value):
        raise InvalidInputError(
            bad_request(
                "Ongeldige id: alleen letters, cijfers, '-' en '.', ten hoogste 64 tekens.",
                "Invalid id: letters, digits, '-' and '.' only, at most 64 characters.",
                "id",
            ),
            400,
        )
    return value
