"""What definition-based extraction needs of the R4 model: whether an element repeats and its
type, read from the ``fhir.resources`` models (imported on first use: ~1 s)."""

from __future__ import annotations

import typing
from functools import cache


@cache
def element(type_name: str, name: str) -> tuple[bool, str | None] | None:
    """(repeats, complex type name or None for a primitive) of ``type_name.name``; None when the
    type has no such element."""
    from fhir.resources.R4B import get_fhir_model_class

    try:
        model = get_fhir_model_class(type_name)
    except (KeyError, ValueError):
        return None
    field = model.model_fields.get(name)
    if field is None:
        return None
    found = [a for a in typing.get_args(field.annotation) if a is not type(None)] or [field.annotation]
    inner = found[0]
    repeats = typing.get_origin(inner) is list
    if repeats:
        inner = typing.get_args(inner)[0]
    name_of = getattr(inner, "__name__", "")
    return repeats, name_of.removesuffix("Type") if name_of.endswith("Type") else None


def choice(type_name: str, base: str, suffix: str) -> str | None:
    """The name of choice element ``base[x]`` for a value of type ``suffix`` (a Coding fits
    a CodeableConcept choice)."""
    for candidate in (suffix, "CodeableConcept" if suffix == "Coding" else None):
        if candidate and element(type_name, base + candidate) is not None:
            return base + candidate
    return None
