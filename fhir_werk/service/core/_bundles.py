"""Bundles the service answers with: ``searchset`` with ``total`` and paging links, ``history``
(https://hl7.org/fhir/R4/bundle.html, https://hl7.org/fhir/R4/http.html#paging)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import Request

from fhir_werk.service.core._deleted import is_deleted
from fhir_werk.service.core._origin import origin, own_url
from fhir_werk.shared import Resource


def base_url(request: Request) -> str:
    """The FHIR base of this service, ``http://host:port/fhir``: configured or the socket's
    address, never the request's ``Host`` (:mod:`._origin`)."""
    return f"{origin(request)}/fhir"


def searchset(
    request: Request, resources: Sequence[Resource], total: int, count: int, offset: int
) -> Resource:
    """A searchset Bundle of one page; ``next``/``previous`` repeat the query with another
    ``_offset`` (the client never has to build a page URL itself)."""
    base = base_url(request)
    links = [{"relation": "self", "url": own_url(request)}]
    if offset + count < total and count > 0:
        links.append({"relation": "next", "url": own_url(request, _offset=offset + count)})
    if offset > 0:
        previous = max(offset - max(count, 1), 0)
        links.append({"relation": "previous", "url": own_url(request, _offset=previous)})
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/{r['resourceType']}/{r['id']}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    }


def history(request: Request, versions: Sequence[Resource]) -> Resource:
    """A history Bundle of one resource's versions, newest first."""
    base = base_url(request)
    entries = []
    for resource in versions:
        version = resource.get("meta", {}).get("versionId", "1")
        url = f"{resource['resourceType']}/{resource['id']}"
        if is_deleted(resource):  # FHIR history: a delete is an entry without its resource
            entries.append(
                {
                    "fullUrl": f"{base}/{url}",
                    "request": {"method": "DELETE", "url": url},
                    "response": {"status": "200 OK", "etag": f'W/"{version}"'},
                }
            )
            continue
        entries.append(
            {
                "fullUrl": f"{base}/{url}",
                "resource": resource,
                "request": {"method": "POST" if version == "1" else "PUT", "url": url},
                "response": {
                    "status": "201 Created" if version == "1" else "200 OK",
                    "etag": f'W/"{version}"',
                },
            }
        )
    return {
        "resourceType": "Bundle",
        "type": "history",
        "total": len(entries),
        "link": [{"relation": "self", "url": own_url(request)}],
        "entry": entries,
    }
