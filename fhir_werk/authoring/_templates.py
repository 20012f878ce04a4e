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

from typing import Any

from fhir_werk.authoring._review_templates import earlier_conversations, review_activity, review_goal
from fhir_werk.authoring._template_parts import (
    SNOMED,
    coding,
    conditional_coding,
    context,
    fixed,
    from_,
    person,
    value,
)
from fhir_werk.shared import ACTOR_ROLE


def _goal(template_id: str, kind: tuple[str, str], description: str) -> dict[str, Any]:
    return {
        "resourceType": "Goal",
        "id": template_id,
        "lifecycleStatus": "proposed",
        "category": [{"coding": [coding("doelsoort", *kind)]}],
        "description": {"_text": value(description)},
        "subject": person("%resource.subject"),
        "_startDate": value("%resource.authored.toString().substring(0, 10)"),
        "expressedBy": person("%resource.subject"),
    }


def careplan() -> dict[str, Any]:
    """The CarePlan 'Werk' section; one activity per agreed step and one for the follow-up."""
    step = "%resource.repeat(item).where(linkId='afspraak')"
    return {
        "resourceType": "CarePlan",
        "id": "tpl-careplan",
        "status": "active",
        "intent": "plan",
        "category": [{"coding": [coding("careplan-categorie", "werk", "Werk")]}],
        "title": "Werk (Arbeid als medicijn)",
        "subject": person("%resource.subject"),
        "_created": value("%resource.authored"),
        "author": person("%resource.author"),
        "supportingInfo": [earlier_conversations()],
        "activity": [
            review_activity(),
            {
                "extension": [context(step)],
                "detail": {
                    **fixed(status="not-started"),
                    "_description": value("item.where(linkId='afspraak-wat').answer.value"),
                    "performer": [
                        {
                            "extension": [
                                {
                                    "url": ACTOR_ROLE,
                                    "valueCoding": from_("item.where(linkId='afspraak-wie').answer.value"),
                                }
                            ],
                            "display": "(uitvoerder)",
                            "_display": value(
                                "(item.where(linkId='afspraak-wie').answer.value.display"
                                " | item.where(linkId='afspraak-wie-naam').answer.value).join(': ')"
                            ),
                        }
                    ],
                    "scheduledPeriod": {"_end": value("item.where(linkId='afspraak-wanneer').answer.value")},
                },
            },
            {
                "extension": [context("%resource.repeat(item).where(linkId='vervolggesprek')")],
                "detail": {
                    **fixed(kind="Appointment", status="scheduled", description="Vervolggesprek over werk"),
                    "scheduledPeriod": {"_start": value("answer.value")},
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
            "extension": [context(scale)],
            "measure": {"coding": [coding("schaal", scale_code, scale_display)]},
            "_detailInteger": value("iif(answer.value + 1 > 10, 10, answer.value + 1)"),
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
        "category": [{"coding": [coding("careplan-categorie", "werk", "Werk")]}],
        "code": {
            "coding": [
                conditional_coding(
                    f"{target}.where(code='bedrijfsarts' or code='arbeidsarts')",
                    SNOMED,
                    "306298002",
                    "Referral to occupational health physician",
                ),
                conditional_coding(
                    f"{target}.where(code='arbodienst' or code='andere-arboprofessional')",
                    SNOMED,
                    "306152009",
                    "Referral to occupational health service",
                ),
                from_(target),
            ],
        },
        "subject": person("%resource.subject"),
        "_authoredOn": value("%resource.authored"),
        "requester": person("%resource.author"),
        "reasonCode": [
            {
                "extension": [context("item.where(linkId='t6-verwijzing-reden')")],
                "_text": value("answer.value"),
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
        "subject": person("%resource.subject"),
        "_effectiveDateTime": value("%resource.authored"),
        "performer": [person("%resource.author")],
        "valueCodeableConcept": {
            # The answer's own coding comes last: CSIRO's extractor misplaces the fixed codings
            # of an array whose templated element stands before them.
            "coding": [
                conditional_coding(
                    f"{answer}.where(code='aan-het-werk' or code='baan-niet-werkend')",
                    SNOMED,
                    "224363007",
                    "Employed",
                ),
                conditional_coding(f"{answer}.where(code='geen-werk')", SNOMED, "73438004", "Unemployed"),
                from_(answer),
            ],
            "_text": value(f"{answer}.display"),
        },
        "note": [
            {
                "extension": [context("%resource.repeat(item).where(linkId='situatie-uitkering')")],
                "_text": value("'Uitkering: ' + answer.value"),
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
        "patient": person("%resource.subject"),
        "_dateTime": value("%resource.authored"),
        # The rule the patient consents under: the generic module's consent rule (seeds 001, 002).
        "policy": [
            {
                "authority": "https://www.ggzstandaarden.nl",
                "uri": "https://www.ggzstandaarden.nl/generieke-modules/arbeid-als-medicijn",
            }
        ],
        "provision": {
            "type": "deny",
            "period": {"_start": value("%resource.authored")},
            "provision": [
                {
                    "extension": [context(recipients)],
                    "type": "permit",
                    "period": {
                        "_start": value("%resource.authored"),
                        "_end": value("%resource.repeat(item).where(linkId='delen-tot').answer.value"),
                    },
                    "actor": [
                        {
                            "role": {
                                "coding": [
                                    {
                                        "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                        "code": "IRCP",
                                    },
                                    from_("$this"),
                                ]
                            },
                            "reference": {"display": "(ontvanger)", "_display": value("$this.display")},
                        }
                    ],
                    "purpose": [coding("deeldoel", "re-integratie", "Terugkeer naar werk en re-integratie")],
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
        "terugblik-doel": review_goal,
    }
    if name not in builders:
        raise ValueError(f"item {source_link_id}: unknown extract template {name!r}")
    return builders[name]()
