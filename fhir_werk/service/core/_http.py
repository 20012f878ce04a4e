"""FHIR's HTTP conventions (https://hl7.org/fhir/R4/http.html): media types, ``_format``, bodies,
versions as weak ETags.

Everything a route reads or writes goes through here, so every route speaks the same dialect:
``application/fhir+json`` in (``application/json`` is accepted too; anything else is 415) and out
(or ``application/json`` when ``_format`` asks for it), a body read at most
``max_body_bytes`` + 1 bytes far (413 past it), and parsed by the validation stage's reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from typing import Any, Final

from fastapi import Request
from fastapi.responses import Response

from fhir_werk.shared import (
    FhirWerkError,
    InputTooLargeError,
    Resource,
    UnreadableInputError,
    bad_request,
    issue,
    outcome,
)
from fhir_werk.validation import InputLimits, load_resource

FHIR_JSON: Final = "application/fhir+json"
_JSON_FORMATS: Final = {"json": FHIR_JSON, FHIR_JSON: FHIR_JSON, "application/json": "application/json"}
_ACCEPTED_BODIES: Final = frozenset({FHIR_JSON, "application/json", "application/json+fhir"})
_ETAG: Final = re.compile(r'^(?:W/)?"([A-Za-z0-9\-.]{1,64})"$')
BODY_SCHEMA: Final = {
    "requestBody": {"required": True, "content": {FHIR_JSON: {"schema": {"type": "object"}}}}
}
"""OpenAPI for a route that reads its body itself (size limit first, then FHIR JSON)."""


def _format_of(request: Request) -> str:
    """The media type of the answer, from ``_format`` (406 for XML or anything unknown)."""
    wanted = request.query_params.get("_format")
    if wanted is None:
        return FHIR_JSON
    media = _JSON_FORMATS.get(wanted.split(";")[0].strip().lower())
    if media is None:
        raise FhirWerkError(
            outcome(
                [
                    issue(
                        "error",
                        "not-supported",
                        "Deze dienst spreekt alleen FHIR JSON (_format=json).",
                        "This service speaks FHIR JSON only (_format=json).",
                        "_format",
                    )
                ]
            ),
            406,
        )
    return media


def dumps(resource: Any) -> bytes:
    """JSON bytes for an answer; a lone surrogate in stored text falls back to ASCII escapes."""
    try:
        return json.dumps(resource, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(resource, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def fhir_response(
    request: Request | None,
    resource: Resource,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``resource`` as the FHIR JSON answer (``_format`` decides the media type)."""
    media = FHIR_JSON
    if request is not None:
        try:
            media = _format_of(request)
        except FhirWerkError:
            media = FHIR_JSON  # the error answer for a bad _format itself
    return Response(dumps(resource), status_code=status, media_type=media, headers=dict(headers or {}))


def check_format(request: Request) -> None:
    """Dependency of every FHIR route: refuse an unknown ``_format`` before any work."""
    _format_of(request)


def _unsupported_media(found: str) -> FhirWerkError:
    shown = "".join(c for c in found[:60] if c.isprintable()) or "geen"
    return UnreadableInputError(
        outcome(
            [
                issue(
                    "error",
                    "not-supported",
                    f"Verkeerd Content-Type '{shown}'; deze dienst leest alleen {FHIR_JSON}.",
                    f"Wrong Content-Type '{shown}'; this service reads {FHIR_JSON} only.",
                    "Content-Type",
                )
            ]
        ),
        415,
    )


def _too_large(size: int | None, limit: int) -> InputTooLargeError:
    said = f" ({size} bytes)" if size is not None else ""
    return InputTooLargeError(
        outcome(
            [
                issue(
                    "error",
                    "too-costly",
                    f"Het verzoek is te groot{said}; de grens is {limit} bytes.",
                    f"The request is too large{said}; the limit is {limit} bytes.",
                )
            ]
        ),
        413,
    )


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused (415) for a non-JSON media type and (413) past ``limit`` bytes,
    without reading more than ``limit`` + one chunk of it."""
    content_type = request.headers.get("content-type", "")
    media, _, parameters = content_type.partition(";")
    charset = re.search(r"charset\s*=\s*\"?([A-Za-z0-9_-]+)", parameters)
    if media.strip().lower() not in _ACCEPTED_BODIES or (charset and charset[1].lower() != "utf-8"):
        raise _unsupported_media(content_type)
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(None, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def parse_resource(data: bytes, resource_types: str | Collection[str], limit: int) -> Resource:
    """``data`` as one resource of ``resource_types`` (400 for anything else, 413 past limits)."""
    return load_resource(data, resource_types, limits=InputLimits(max_input_bytes=limit))


def etag(version: int) -> str:
    """The weak ETag of a version: ``W/"3"``."""
    return f'W/"{version}"'


def version_of_etag(value: str, header: str = "If-Match") -> int:
    """The version an ``If-Match`` header names; 400 when it is no ``W/"n"``."""
    found = _ETAG.match(value.strip())
    if found is None or not (found[1].isascii() and found[1].isdigit() and len(found[1]) <= 9):
        raise FhirWerkError(
            bad_request(
                f'Kop {header} moet een versie noemen als W/"1".',
                f'Header {header} must name a version such as W/"1".',
                header,
            ),
            400,
        )
    return int(found[1])
