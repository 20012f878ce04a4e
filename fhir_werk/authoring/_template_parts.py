"""The pieces SDC extraction templates are made of: FHIRPath-valued primitives and elements,
repeated elements, fixed values CSIRO's extractor keeps (see :mod:`._templates`)."""

from __future__ import annotations

from typing import Any, Final

from fhir_werk.shared import TEMPLATE_EXTRACT, code_system
from fhir_werk.shared import TEMPLATE_EXTRACT_CONTEXT as CONTEXT
from fhir_werk.shared import TEMPLATE_EXTRACT_VALUE as VALUE

SNOMED: Final = "http://snomed.info/sct"


def value(expression: str) -> dict[str, Any]:
    """A primitive's ``_field`` companion whose value comes from FHIRPath."""
    return {"extension": [{"url": VALUE, "valueString": expression}]}


def context(expression: str) -> dict[str, Any]:
    return {"url": CONTEXT, "valueString": expression}


def from_(expression: str, **placeholder: str) -> dict[str, Any]:
    """A complex element whose whole value comes from FHIRPath.

    The placeholder fields keep the template itself a valid resource for validators (a Reference
    needs a display); extraction replaces the whole element. A Coding takes no placeholder: one
    with a ``system`` and no ``code`` is checked by a validating server as the code ``null`` in
    that CodeSystem and refused once the server holds the CodeSystem, while a Coding that has
    only this extension is valid FHIR as it stands.
    """
    return {"extension": [{"url": VALUE, "valueString": expression}], **placeholder}


def fixed(**values: str) -> dict[str, Any]:
    """Fixed primitives inside a repeated element: the value, and the same as a FHIRPath literal.

    SDC copies the static content of a repeated element; CSIRO's extractor keeps only templated
    values there, so each fixed value is also given as an expression. The static value keeps the
    template valid for FHIR validators; the expression gives the same value everywhere.
    """
    found: dict[str, Any] = {}
    for name, literal in values.items():
        found[name] = literal
        found[f"_{name}"] = value(f"'{literal}'")
    return found


def conditional_coding(condition: str, system: str, code: str, display: str) -> dict[str, Any]:
    """A fixed Coding that is present only when ``condition`` has a result."""
    return {"extension": [context(condition)], **fixed(system=system, code=code, display=display)}


def person(expression: str) -> dict[str, Any]:
    return from_(expression, display="(uit de ingevulde leidraad)")


def template_extract(template_id: str) -> dict[str, Any]:
    """The templateExtract extension that points at a contained template."""
    return {
        "url": TEMPLATE_EXTRACT,
        "extension": [{"url": "template", "valueReference": {"reference": f"#{template_id}"}}],
    }


def coding(system_id: str, code: str, display: str) -> dict[str, Any]:
    return {"system": code_system(system_id), "code": code, "display": display}
