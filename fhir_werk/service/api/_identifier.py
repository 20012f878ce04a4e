"""The response's identifier is a key of the service (its conditional create, its extraction's
identities, the ledger): printable and short. A CR/LF in it could forge a line in whatever shows
it, and 100 KB in an index is a cost for every search; both are refused (400)."""

from __future__ import annotations

import re
from typing import Final

from fhir_werk.shared import InvalidInputError, Resource, bad_request

MAX_BYTES: Final = 1024
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_identifier(response: Resource) -> None:
    """400 unless the identifier's system and value are free of control characters and at most 1 KB."""
    identifier = response.get("identifier")
    if not isinstance(identifier, dict):
        return
    for element in ("system", "value"):
        text = identifier.get(element)
        if isinstance(text, str) and (_CONTROL.search(text) or len(text.encode()) > MAX_BYTES):
            raise InvalidInputError(
                bad_request(
                    f"De identifier ({element}) bevat stuurtekens of is langer dan 1 KB.",
                    f"The identifier ({element}) holds control characters or is longer than 1 KB.",
                    f"QuestionnaireResponse.identifier.{element}",
                ),
                400,
            )
