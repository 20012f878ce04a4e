"""References read once, the same way for the policy (:mod:`fhir_werk.service.auth`) and for the
operation that acts on them: a guard and an operation that each read a parameter their own way
is how another patient's plan leaked through ``$populate`` (issue 19).

A reference is normalised to ``(type, id)``: an absolute URL and a ``/_history/n`` suffix name
the same resource as ``Type/id``; anything that is not ``Type/id`` after that is no reference.
"""

from __future__ import annotations

import re
from typing import Final

from fhir_werk.shared import InvalidInputError, Resource, bad_request

_TYPE: Final = re.compile(r"[A-Z][A-Za-z]{1,63}")
_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def normalised(reference: object) -> tuple[str, str] | None:
    """``(type, id)`` of a relative or absolute reference (``_history`` dropped), or None."""
    if not isinstance(reference, str):
        return None
    parts = reference.split("/_history/", 1)[0].rstrip("/").split("/")
    if len(parts) < 2 or not _TYPE.fullmatch(parts[-2]) or not _ID.fullmatch(parts[-1]):
        return None
    return parts[-2], parts[-1]


def reference_of(value: object) -> tuple[str, str] | None:
    """:func:`normalised` of a Reference element's ``reference``."""
    return normalised(value.get("reference")) if isinstance(value, dict) else None


def _no_subject() -> InvalidInputError:
    return InvalidInputError(
        bad_request(
            "Parameters heeft precies één 'subject' nodig: een verwijzing Patient/ID naar de patiënt "
            "van het gesprek.",
            "Parameters needs exactly one 'subject': a reference Patient/ID to the patient of the "
            "conversation.",
            "Parameters.parameter.where(name='subject')",
        ),
        400,
    )


def populate_subject(parameters: Resource) -> str:
    """The id of the one patient a ``$populate`` is for; 400 for none, several, or another kind."""
    parts = parameters.get("parameter") if isinstance(parameters.get("parameter"), list) else []
    subjects = [p for p in parts or [] if isinstance(p, dict) and p.get("name") == "subject"]
    if len(subjects) != 1:
        raise _no_subject()
    found = reference_of(subjects[0].get("valueReference"))
    if found is None or found[0] != "Patient":
        raise _no_subject()
    return found[1]
