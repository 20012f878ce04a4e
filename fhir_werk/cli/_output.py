"""Printing that never raises: JSON that survives lone surrogates, text that fits the stream.

A response may carry a lone surrogate (``"\\ud800"``): legal JSON, but no Unicode text, so
``json.dumps(..., ensure_ascii=False)`` gives a str that no UTF-8 stream can write. :func:`to_json`
falls back to ASCII escapes then (the same JSON value, nothing lost); :func:`echo` replaces
what the stream's encoding cannot hold by a backslash escape.
"""

from __future__ import annotations

import codecs
import json
from typing import Any

import typer


def to_json(value: Any) -> str:
    """``value`` as indented JSON text ending in a newline, encodable as UTF-8 in every case."""
    text = json.dumps(value, ensure_ascii=False, indent=2) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: write it as the JSON escape \udXXX
        text = json.dumps(value, ensure_ascii=True, indent=2) + "\n"
    return text


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """``typer.echo`` that cannot fail on a character the stream's encoding lacks."""
    stream = typer.get_text_stream("stderr" if err else "stdout")
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        codecs.lookup(encoding)
    except LookupError:
        encoding = "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        text = text.encode(encoding, "backslashreplace").decode(encoding, "replace")
    typer.echo(text, err=err, nl=nl)


def echo_json(value: Any, *, err: bool = False) -> None:
    """Print ``value`` as indented JSON (see :func:`to_json`)."""
    echo(to_json(value), err=err, nl=False)
