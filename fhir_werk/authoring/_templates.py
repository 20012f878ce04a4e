"""The SDC extraction mapping: contained template resources with FHIRPath, SDC 4.0.0
template-based extraction (https://hl7.org/fhir/uv/sdc/STU4/extraction.html#template-extract).

Expressions are evaluated on the response item the template belongs to (``%resource`` is the
whole QuestionnaireResponse). Contexts select response items or codings, never bare primitives:
CSIRO's extractor does not bind ``$this`` to a primitive context, so the value expression reads
``answer.value`` from the item instead. What SDC leaves to the extracting system — resource ids,
fullUrls, identifiers, conditional-create criteria and the links between the resources
(CarePlan.goal, the referral activity, Provenance) — is filled by fhir-werk's engine after
the templates ran (see docs/mapping.md).
"""

from __future__ import annotations

from typing import Any, Final

from fhir_werk.shared import ACTOR_ROLE, TEMPLATE_EXTRACT, code_system
from fhir_werk.shared import TEMPLATE_EXTRACT_CONTEXT as CONTEXT
from fhir_werk.shared import TEMPLATE_EXTRACT_VALUE as VALUE

SNOMED: Final = "http://snomed.info/sct"


def _value(expression: str) -> dict[str, Any]:
    """A primitive's ``_field`` companion whose value comes from FHIRPath."""
    return {"extension": [{"url": VALUE, "valueString": expression}]}


def _context(expression: str) -> dict[str, Any]:
    return {"url": CONTEXT, "valueString": expression}


def _from(expression: str, **placeholder: str) -> dict[str, Any]:
    """A complex element whose whole value comes from FHIRPath.

    The placeholder fields keep the template itself a valid resource for validators (a Reference
    with a display, a Coding with its system); extraction replaces the whole element.
    """
    return {"extension": [{"url": VALUE, "valueString": expression}], **placeholder}


def _fixed(**values: str) -> dict[str, Any]:
    """Fixed primitives inside a repeated element: the value, and the same as a FHIRPath literal.

    SDC copies the static content of a repeated element; CSIRO's extractor keeps only templated
    values there, so each fixed value is also given as an expression. The static value keeps the
    template valid for FHIR validators; the expression gives the same value everywhere.
    """
    fixed: dict[str, Any] = {}
    for name, value in values.items():
        fixed[name] = value
        fixed[f"_{name}"] = _value(f"'{value}'")
    return fixed


def _conditional_coding(context: str, system: str, code: str, display: str) -> dict[str, Any]:
    """A fixed Coding that is present only when ``context`` has a result."""
    return {"extension": [_context(context)], **_fixed(system=system, code=code, display=display)}


def _person(expression: str) -> dict[str, Any]:
    return _from(expression, display="(uit de ingevulde leidraad)")


def template_extract(template_id: str) -> dict[str, Any]:
    """The templateExtract extension that points at a contained template."""
    return {
        "url": TEMPLATE_EXTRACT,
        "extension": [{"url": "template", "valueReference": {"reference": f"#{template_id}"}}],
    }


def _coding(system_id: str, code: str, display: str) -> dict[str, Any]:
    return {"system": code_system(system_id), "code": code, "display": display}


def _goal(template_id: str, kind: tuple[str, str], description: str) -> dict[str, Any]:
    return {
        "resourceType": "Goal",
        "id": template_id,
        "lifecycleStatus": "proposed",
        "category": [{"coding": [_coding("doelsoort", *kind)]}],
        "description": {"_text": _value(description)},
        "subject": _person("%resource.subject"),
        "_startDate": _value("%resource.authored.toString().substring(0, 10)"),
        "expressedBy": _person("%resource.subject"),
    }


def careplan() -> dict[str, Any]:
    """The CarePlan 'Werk' section; one activity per agreed step and one for the follow-up."""
    step = "%resource.repeat(item).where(linkId='afspraak')"
    return {
        "resourceType": "CarePlan",
        "id": "tpl-careplan",
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [_coding("careplan-categorie", "werk", "Werk")]}],
        "title": "Werk (Arbeid als medicijn)",
        "subject": _person("%resource.subject"),
        "_created": _value("%resource.authored"),
        "author": _person("%resource.author"),
        "activity": [
            {
                "extension": [_context(step)],
                "detail": {
                    **_fixed(status="not-started"),
                    "_description": _value("item.where(linkId='afspraak-wat').answer.value"),
                    "performer": [
                        {
                            "extension": [
                                {
                                    "url": ACTOR_ROLE,
                                    "valueCoding": _from(
                                        "item.where(linkId='afspraak-wie').answer.value",
                                        system=code_system("actorrol"),
                                    ),
                                }
                            ],
                            "display": "(uitvoerder)",
                            "_display": _value(
                                "(item.where(linkId='afspraak-wie').answer.value.display"
                                " | item.where(linkId='afspraak-wie-naam').answer.value).join(': ')"
                            ),
                        }
                    ],
                    "scheduledPeriod": {"_end": _value("item.where(linkId='afspraak-wanneer').answer.value")},
                },
            },
            {
                "extension": [_context("%resource.repeat(item).where(linkId='vervolggesprek')")],
                "detail": {
                    **_fixed(kind="Appointment", status="scheduled", description="Vervolggesprek over werk"),
                    "scheduledPeriod": {"_start": _value("answer.value")},
                },
            },
        ],
    }


def behandeldoel() -> dict[str, Any]:
    """One Goal per stated treatment goal (repeating group 'behandeldoel')."""
    return _goal(
        "tpl-behandeldoel",
        ("behandeldoel", "Behandeldoel van de patiënt"),
        "item.where(linkId='behandeldoel-tekst').answer.value",
    )


def punt_hoger(scale_link_id: str, scale_code: str, scale_display: str) -> dict[str, Any]:
    """The Goal a '+1 punt' answer implies: the scale's score one point higher (at most 10)."""
    scale = f"%resource.repeat(item).where(linkId='{scale_link_id}')"
    goal = _goal(f"tpl-punt-hoger-{scale_link_id}", ("punt-hoger", "Eén punt hoger scoren"), "answer.value")
    goal["target"] = [
        {
            "extension": [_context(scale)],
            "measure": {"coding": [_coding("schaal", scale_code, scale_display)]},
            "_detailInteger": _value("iif(answer.value + 1 > 10, 10, answer.value + 1)"),
        }
    ]
    return goal


def gewenst_werk() -> dict[str, Any]:
    """The Goal for the work the patient wants ('Wat voor werk zou u willen doen?')."""
    return _goal("tpl-gewenst-werk", ("gewenst-werk", "Gewenst werk"), "answer.value")


def verwijzing() -> dict[str, Any]:
    """A referral (ServiceRequest) when support of an occupational health professional is needed."""
    target = "item.where(linkId='t6-verwijzing-naar').answer.value"
    return {
        "resourceType": "ServiceRequest",
        "id": "tpl-verwijzing",
        "status": "draft",
        "intent": "proposal",
        "category": [{"coding": [_coding("careplan-categorie", "werk", "Werk")]}],
        "code": {
            "coding": [
                _conditional_coding(
                    f"{target}.where(code='bedrijfsarts' or code='arbeidsarts')",
                    SNOMED,
                    "306298002",
                    "Referral to occupational health physician",
                ),
                _conditional_coding(
                    f"{target}.where(code='arbodienst' or code='andere-arboprofessional')",
                    SNOMED,
                    "306152009",
                    "Referral to occupational health service",
                ),
                _from(target, system=code_system("verwijzing")),
            ],
        },
        "subject": _person("%resource.subject"),
        "_authoredOn": _value("%resource.authored"),
        "requester": _person("%resource.author"),
        "reasonCode": [
            {
                "extension": [_context("item.where(linkId='t6-verwijzing-reden')")],
                "_text": _value("answer.value"),
            }
        ],
    }


def werksituatie() -> dict[str, Any]:
    """The work situation as an Observation: SNOMED 364703007 with the answer and, where a
    standard code exists, its SNOMED equivalent (employed / unemployed)."""
    answer = "answer.value"
    return {
        "resourceType": "Observation",
        "id": "tpl-werksituatie",
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "social-history",
                        "display": "Social History",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": SNOMED, "code": "364703007", "display": "Employment detail"}],
            "text": "Werksituatie",
        },
        "subject": _person("%resource.subject"),
        "_effectiveDateTime": _value("%resource.authored"),
        "performer": [_person("%resource.author")],
        "valueCodeableConcept": {
            # The answer's own coding comes last: CSIRO's extractor misplaces the fixed codings
            # of an array whose templated element stands before them.
            "coding": [
                _conditional_coding(
                    f"{answer}.where(code='aan-het-werk' or code='baan-niet-werkend')",
                    SNOMED,
                    "224363007",
                    "Employed",
                ),
                _conditional_coding(f"{answer}.where(code='geen-werk')", SNOMED, "73438004", "Unemployed"),
                _from(answer, system=code_system("werksituatie")),
            ],
            "_text": _value(f"{answer}.display"),
        },
        "note": [
            {
                "extension": [_context("%resource.repeat(item).where(linkId='situatie-uitkering')")],
                "_text": _value("'Uitkering: ' + answer.value"),
            }
        ],
    }


def toestemming() -> dict[str, Any]:
    """The patient's sharing choices as a Consent: everything denied except the recipients the
    patient named, for the purpose re-integratie, and only the goals and agreed steps."""
    # enableWhen keeps 'delen-met' unanswered unless the patient consented (checked by validation).
    recipients = "item.where(linkId='delen-met').answer.value"
    return {
        "resourceType": "Consent",
        "id": "tpl-toestemming",
        "status": "active",
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
            ]
        },
        "category": [
            {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"}]},
            {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "IDSCL"}]},
        ],
        "patient": _person("%resource.subject"),
        "_dateTime": _value("%resource.authored"),
        # The rule the patient consents under: the generic module's consent rule (seeds 001, 002).
        "policy": [
            {
                "authority": "https://www.ggzstandaarden.nl",
                "uri": "https://www.ggzstandaarden.nl/generieke-modules/arbeid-als-medicijn",
            }
        ],
        "provision": {
            "type": "deny",
            "period": {"_start": _value("%resource.authored")},
            "provision": [
                {
                    "extension": [_context(recipients)],
                    "type": "permit",
                    "period": {
                        "_start": _value("%resource.authored"),
                        "_end": _value("%resource.repeat(item).where(linkId='delen-tot').answer.value"),
                    },
                    "actor": [
                        {
                            "role": {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                        "code": "IRCP",
                                    },
                                    _from("$this", system=code_system("deelontvanger")),
                                ]
                            },
                            "reference": {"display": "(ontvanger)", "_display": _value("$this.display")},
                        }
                    ],
                    "purpose": [_coding("deeldoel", "re-integratie", "Terugkeer naar werk en re-integratie")],
                    "class": [
                        {"system": "http://hl7.org/fhir/resource-types", "code": "CarePlan"},
                        {"system": "http://hl7.org/fhir/resource-types", "code": "Goal"},
                    ],
                }
            ],
        },
    }


def for_item(
    name: str, source_link_id: str, plus_one: str | None, scale_code: str | None, scale_display: str | None
) -> dict[str, Any]:
    """The template named in a source item's ``extract:`` (or implied by ``plus_one``)."""
    if plus_one is not None:
        return punt_hoger(plus_one, scale_code or "", scale_display or "")
    builders = {
        "behandeldoel": behandeldoel,
        "gewenst-werk": gewenst_werk,
        "verwijzing": verwijzing,
        "toestemming": toestemming,
        "behandelplan": careplan,
        "werksituatie": werksituatie,
    }
    if name not in builders:
        raise ValueError(f"item {source_link_id}: unknown extract template {name!r}")
    return builders[name]()
