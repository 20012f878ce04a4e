"""Building FHIR narrative XHTML: only the elements FHIR allows (txt-1), every text escaped.

The narrative is a ``<div>`` in the XHTML namespace holding paragraphs, lists and tables; no
attributes but ``lang`` on the div (the text is Dutch), no scripts, no styles. Text from a
resource is always escaped, so an answer that looks like markup stays text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape
from typing import Final

XHTML: Final = "http://www.w3.org/1999/xhtml"


def text(value: object) -> str:
    """``value`` as escaped XHTML text."""
    return escape(str(value), quote=False)


def heading(title: str) -> str:
    return f"<p><b>{text(title)}</b></p>"


def line(label: str, value: object) -> str:
    """A paragraph ``label: value``; nothing when the value is empty."""
    if value in (None, ""):
        return ""
    return f"<p>{text(label)}: {text(value)}</p>"


def paragraph(value: object) -> str:
    return f"<p>{text(value)}</p>" if value not in (None, "") else ""


def bullets(values: Iterable[str]) -> str:
    """An unordered list of already escaped XHTML fragments; nothing when there are none."""
    found = [v for v in values if v]
    return "<ul>" + "".join(f"<li>{v}</li>" for v in found) + "</ul>" if found else ""


def table(head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A table with a header row; nothing when there are no rows."""
    body = "".join("<tr>" + "".join(f"<td>{text(c)}</td>" for c in row) + "</tr>" for row in rows)
    if not body:
        return ""
    header = "<tr>" + "".join(f"<th>{text(h)}</th>" for h in head) + "</tr>"
    return f"<table>{header}{body}</table>"


def div(parts: Iterable[str]) -> str:
    """The narrative's root element around the parts (which must not all be empty: txt-2)."""
    return f'<div xmlns="{XHTML}" lang="nl" xml:lang="nl">{"".join(parts)}</div>'
