"""Small builders for the FHIR structures the generator writes again and again."""

from __future__ import annotations

import html
import re
from typing import Any, Final

from fhir_werk.shared import ITEM_CONTROL, translated

ITEM_CONTROL_SYSTEM: Final = "http://hl7.org/fhir/questionnaire-item-control"


def text_pair(nl: str, en: str) -> dict[str, Any]:
    """``{"text": nl, "_text": <translation to en>}``, to merge into an item."""
    return {"text": nl, "_text": translated(nl, en)}


def item_control(code: str) -> dict[str, Any]:
    """The itemControl extension with one code of questionnaire-item-control."""
    return {
        "url": ITEM_CONTROL,
        "valueCodeableConcept": {"coding": [{"system": ITEM_CONTROL_SYSTEM, "code": code}]},
    }


_URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:nl|info|be)(?:/\S*)?")


def _href(token: str) -> str:
    return token if token.startswith("http") else f"https://{token}"


def _linkify(line: str) -> str:
    parts: list[str] = []
    last = 0
    for match in _URL.finditer(line):
        token = match.group(0).rstrip(".,)")
        parts.append(html.escape(line[last : match.start()], quote=False))
        parts.append(f'<a href="{html.escape(_href(token))}">{html.escape(token, quote=False)}</a>')
        last = match.start() + len(token)
    parts.append(html.escape(line[last:], quote=False))
    return "".join(parts)


def xhtml(text: str) -> str:
    """The text as an XHTML div, one paragraph a line, web addresses as real hyperlinks."""
    paragraphs = "".join(f"<p>{_linkify(line)}</p>" for line in text.splitlines() if line.strip())
    return f'<div xmlns="http://www.w3.org/1999/xhtml">{paragraphs}</div>'


def coding(system: str, code: str, display: str, display_en: str) -> dict[str, Any]:
    """A Coding with its display and the display's English translation."""
    return {"system": system, "code": code, "display": display, "_display": translated(display, display_en)}
