"""The FHIR R4 elements of a QuestionnaireResponse and of the datatypes it uses, as one table.

Why a table of our own and not the ``fhir.resources`` models: measured on the example response
``QuestionnaireResponse-mohamed-ziek-met-contract.json`` the R4B model validates in about 1.5 ms
(10 ms the first time), but it accepts what HAPI rejects — ``null`` for any element, ``5`` for
``authored`` (read as a Unix time), ``"true"`` for a boolean (pydantic's lax coercion) — and its
error locations (``('_status',) model_validation_format``) do not map onto linkId paths. The
table below is the part of the spec that fhir-werk needs, read in one linear walk
(:mod:`fhir_werk.validation._structure`) that names every problem by its linkId path.

Sources: https://hl7.org/fhir/R4/questionnaireresponse.html#resource,
https://hl7.org/fhir/R4/datatypes.html, https://hl7.org/fhir/R4/extensibility.html,
https://hl7.org/fhir/R4/json.html#primitive.
"""

from __future__ import annotations

from typing import Final

Element = tuple[str, bool]
"""An element's type (a primitive name or a key of :data:`TYPES`) and whether it repeats."""

PRIMITIVES: Final = frozenset(
    {
        "base64Binary",
        "boolean",
        "canonical",
        "code",
        "date",
        "dateTime",
        "decimal",
        "id",
        "instant",
        "integer",
        "markdown",
        "oid",
        "positiveInt",
        "string",
        "time",
        "unsignedInt",
        "uri",
        "url",
        "uuid",
        "xhtml",
    }
)
INTEGERS: Final = frozenset({"integer", "positiveInt", "unsignedInt"})

# Every R4 type an Extension's value[x] may take (extensibility.html#Extension). Complex types
# without a row in TYPES are checked by the generic JSON rules only (no unknown elements).
_EXTENSION_VALUE_TYPES: Final = (
    *sorted(PRIMITIVES - {"xhtml"}),
    "Address",
    "Age",
    "Annotation",
    "Attachment",
    "CodeableConcept",
    "Coding",
    "ContactPoint",
    "Count",
    "Distance",
    "Duration",
    "HumanName",
    "Identifier",
    "Money",
    "Period",
    "Quantity",
    "Range",
    "Ratio",
    "Reference",
    "SampledData",
    "Signature",
    "Timing",
    "ContactDetail",
    "Contributor",
    "DataRequirement",
    "Expression",
    "ParameterDefinition",
    "RelatedArtifact",
    "TriggerDefinition",
    "UsageContext",
    "Dosage",
    "Meta",
)


def _choice(types: tuple[str, ...]) -> dict[str, Element]:
    return {"value" + t[0].upper() + t[1:]: (t, False) for t in types}


# Element.id is an R4 string (https://hl7.org/fhir/R4/element.html); the id type's 64-character
# pattern is for resource ids (Resource.id), which keep ("id", False) below.
_ELEMENT: Final[dict[str, Element]] = {"id": ("string", False), "extension": ("Extension", True)}
_BACKBONE: Final[dict[str, Element]] = {**_ELEMENT, "modifierExtension": ("Extension", True)}
_QUANTITY: Final[dict[str, Element]] = {
    **_ELEMENT,
    "value": ("decimal", False),
    "comparator": ("code", False),
    "unit": ("string", False),
    "system": ("uri", False),
    "code": ("code", False),
}

ITEM: Final = "QuestionnaireResponse.item"
ANSWER: Final = "QuestionnaireResponse.item.answer"
PRIMITIVE_EXTENSION: Final = "primitive"
"""The ``_x`` sibling of a primitive ``x``: only ``id`` and ``extension``."""

TYPES: Final[dict[str, dict[str, Element]]] = {
    "QuestionnaireResponse": {
        "id": ("id", False),
        "meta": ("Meta", False),
        "implicitRules": ("uri", False),
        "language": ("code", False),
        "text": ("Narrative", False),
        "contained": ("Resource", True),
        "extension": ("Extension", True),
        "modifierExtension": ("Extension", True),
        "identifier": ("Identifier", False),
        "basedOn": ("Reference", True),
        "partOf": ("Reference", True),
        "questionnaire": ("canonical", False),
        "status": ("code", False),
        "subject": ("Reference", False),
        "encounter": ("Reference", False),
        "authored": ("dateTime", False),
        "author": ("Reference", False),
        "source": ("Reference", False),
        "item": (ITEM, True),
    },
    ITEM: {
        **_BACKBONE,
        "linkId": ("string", False),
        "definition": ("uri", False),
        "text": ("string", False),
        "answer": (ANSWER, True),
        "item": (ITEM, True),
    },
    ANSWER: {
        **_BACKBONE,
        **_choice(
            (
                "boolean",
                "decimal",
                "integer",
                "date",
                "dateTime",
                "time",
                "string",
                "uri",
                "Attachment",
                "Coding",
                "Quantity",
                "Reference",
            )
        ),
        "item": (ITEM, True),
    },
    PRIMITIVE_EXTENSION: _ELEMENT,
    "Extension": {**_ELEMENT, "url": ("uri", False), **_choice(_EXTENSION_VALUE_TYPES)},
    "Identifier": {
        **_ELEMENT,
        "use": ("code", False),
        "type": ("CodeableConcept", False),
        "system": ("uri", False),
        "value": ("string", False),
        "period": ("Period", False),
        "assigner": ("Reference", False),
    },
    "Reference": {
        **_ELEMENT,
        "reference": ("string", False),
        "type": ("uri", False),
        "identifier": ("Identifier", False),
        "display": ("string", False),
    },
    "Coding": {
        **_ELEMENT,
        "system": ("uri", False),
        "version": ("string", False),
        "code": ("code", False),
        "display": ("string", False),
        "userSelected": ("boolean", False),
    },
    "CodeableConcept": {**_ELEMENT, "coding": ("Coding", True), "text": ("string", False)},
    "Quantity": _QUANTITY,
    "Age": _QUANTITY,
    "Count": _QUANTITY,
    "Distance": _QUANTITY,
    "Duration": _QUANTITY,
    "Money": {**_ELEMENT, "value": ("decimal", False), "currency": ("code", False)},
    "Period": {**_ELEMENT, "start": ("dateTime", False), "end": ("dateTime", False)},
    "Range": {**_ELEMENT, "low": ("Quantity", False), "high": ("Quantity", False)},
    "Ratio": {**_ELEMENT, "numerator": ("Quantity", False), "denominator": ("Quantity", False)},
    "Attachment": {
        **_ELEMENT,
        "contentType": ("code", False),
        "language": ("code", False),
        "data": ("base64Binary", False),
        "url": ("url", False),
        "size": ("unsignedInt", False),
        "hash": ("base64Binary", False),
        "title": ("string", False),
        "creation": ("dateTime", False),
    },
    "Meta": {
        **_ELEMENT,
        "versionId": ("id", False),
        "lastUpdated": ("instant", False),
        "source": ("uri", False),
        "profile": ("canonical", True),
        "security": ("Coding", True),
        "tag": ("Coding", True),
    },
    "Narrative": {**_ELEMENT, "status": ("code", False), "div": ("xhtml", False)},
    "Expression": {
        **_ELEMENT,
        "description": ("string", False),
        "name": ("id", False),
        "language": ("code", False),
        "expression": ("string", False),
        "reference": ("uri", False),
    },
}
