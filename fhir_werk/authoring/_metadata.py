"""The metadata every published conformance resource carries (url, version, status, copyright ...)."""

from __future__ import annotations

from typing import Any

from fhir_werk.shared import (
    COPYRIGHT_EN,
    COPYRIGHT_NL,
    PUBLISHER,
    RELEASE_DATE,
    VERSION,
    canonical,
    translated,
)

JURISDICTION = [
    {
        "coding": [
            {
                "system": "urn:iso:std:iso:3166",
                "code": "NL",
                "display": "Nederland",
                "_display": translated("Nederland", "Netherlands"),
            }
        ]
    },
    {
        "coding": [
            {
                "system": "urn:iso:std:iso:3166",
                "code": "BE",
                "display": "België",
                "_display": translated("België", "Belgium"),
            }
        ]
    },
]


def metadata(
    resource_type: str,
    resource_id: str,
    name: str,
    title: tuple[str, str],
    description: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The common head of a published resource, with English translations of its texts."""
    head: dict[str, Any] = {
        "resourceType": resource_type,
        "id": resource_id,
        "language": "nl",
        "url": canonical(resource_type, resource_id),
        "version": VERSION,
        "name": name,
        "title": title[0],
        "_title": translated(*title),
        "status": "active",
        "experimental": False,
        "date": RELEASE_DATE,
        "publisher": PUBLISHER,
        "jurisdiction": JURISDICTION,
    }
    if description is not None:
        head["description"] = description[0]
        head["_description"] = translated(*description)
    head["copyright"] = COPYRIGHT_NL
    head["_copyright"] = translated(COPYRIGHT_NL, COPYRIGHT_EN)
    return head
