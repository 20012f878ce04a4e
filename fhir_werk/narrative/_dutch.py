"""What a Dutch reader sees for a code, a status and a moment.

fhir-werk's own CodeSystems have Dutch displays already. The standard codes it uses keep their
English display in ``coding.display`` (that is what the terminology says); the narrative shows
the Dutch words below instead, so the plan says "Verwijzing naar bedrijfsarts", not "Referral to
occupational health physician".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from fhir_werk.shared import BASE

SNOMED: Final = "http://snomed.info/sct"
_V3_ACT: Final = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
_V3_PARTICIPATION: Final = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"

DUTCH_DISPLAYS: Final[Mapping[tuple[str, str], str]] = {
    (SNOMED, "364703007"): "Werksituatie",
    (SNOMED, "224363007"): "Heeft werk",
    (SNOMED, "73438004"): "Werkloos",
    (SNOMED, "306298002"): "Verwijzing naar bedrijfsarts",
    (SNOMED, "306152009"): "Verwijzing naar arbodienst",
    (SNOMED, "314845004"): "Participatie in de maatschappij",
    ("http://loinc.org", "59284-0"): "Toestemming van de patiënt",
    (_V3_ACT, "IDSCL"): "Delen van gegevens",
    (_V3_PARTICIPATION, "IRCP"): "Ontvanger van gegevens",
    ("http://terminology.hl7.org/CodeSystem/observation-category", "social-history"): "Sociale anamnese",
    ("http://terminology.hl7.org/CodeSystem/observation-category", "survey"): "Vragenlijst",
}

# Status codes per element, in Dutch; a code that is not here is shown as it is.
STATUSES: Final[Mapping[str, Mapping[str, str]]] = {
    "goal": {
        "proposed": "voorgesteld",
        "planned": "gepland",
        "accepted": "aanvaard",
        "active": "actief",
        "on-hold": "gepauzeerd",
        "completed": "afgerond",
        "cancelled": "geannuleerd",
        "entered-in-error": "foutief ingevoerd",
        "rejected": "afgewezen",
    },
    "achievement": {
        "in-progress": "op weg",
        "improving": "gaat vooruit",
        "worsening": "gaat achteruit",
        "no-change": "geen verandering",
        "achieved": "bereikt",
        "sustaining": "houdt stand",
        "not-achieved": "niet bereikt",
        "no-progress": "geen vooruitgang",
        "not-attainable": "niet haalbaar",
    },
    "request": {
        "draft": "concept",
        "active": "actief",
        "on-hold": "gepauzeerd",
        "revoked": "ingetrokken",
        "completed": "afgerond",
        "entered-in-error": "foutief ingevoerd",
        "unknown": "onbekend",
    },
    "activity": {
        "not-started": "nog niet begonnen",
        "scheduled": "gepland",
        "in-progress": "loopt",
        "on-hold": "gepauzeerd",
        "completed": "gedaan",
        "cancelled": "vervallen",
        "stopped": "gestopt",
        "unknown": "onbekend",
        "entered-in-error": "foutief ingevoerd",
    },
    "observation": {
        "registered": "geregistreerd",
        "preliminary": "voorlopig",
        "final": "definitief",
        "amended": "gewijzigd",
        "corrected": "gecorrigeerd",
        "cancelled": "geannuleerd",
        "entered-in-error": "foutief ingevoerd",
        "unknown": "onbekend",
    },
    "consent": {
        "draft": "concept",
        "proposed": "voorgesteld",
        "active": "geldig",
        "rejected": "geweigerd",
        "inactive": "niet meer geldig",
        "entered-in-error": "foutief ingevoerd",
    },
    "task": {
        "draft": "concept",
        "requested": "aangevraagd",
        "received": "ontvangen",
        "accepted": "aanvaard",
        "rejected": "geweigerd",
        "ready": "klaar om te beginnen",
        "cancelled": "geannuleerd",
        "in-progress": "loopt",
        "on-hold": "gepauzeerd",
        "failed": "mislukt",
        "completed": "afgerond",
        "entered-in-error": "foutief ingevoerd",
    },
    "response": {
        "in-progress": "wordt ingevuld",
        "completed": "ingevuld",
        "amended": "gewijzigd",
        "entered-in-error": "foutief ingevoerd",
        "stopped": "afgebroken",
    },
    "publication": {"draft": "concept", "active": "actief", "retired": "vervallen", "unknown": "onbekend"},
    "intent": {"proposal": "voorstel", "plan": "plan", "order": "opdracht", "option": "optie"},
    "provenance": {"CREATE": "aangemaakt", "UPDATE": "bijgewerkt", "NULLIFY": "ingetrokken"},
}

# What a Consent's ``class`` (resource types) means to a reader.
RESOURCE_TYPES: Final[Mapping[str, str]] = {
    "CarePlan": "het behandelplan",
    "Goal": "de doelen",
    "Observation": "de scores",
    "ServiceRequest": "de verwijzingen",
    "QuestionnaireResponse": "de ingevulde vragenlijst",
}


def status(kind: str, code: object) -> str:
    """The Dutch word for a status code of ``kind`` (see :data:`STATUSES`); the code otherwise."""
    if code is None:
        return ""
    return STATUSES.get(kind, {}).get(str(code), str(code))


def coding_label(coding: Mapping[str, Any]) -> str:
    """A coding as a Dutch reader should see it: a known Dutch display, else the coding's own
    display (fhir-werk's codes are Dutch), else its code."""
    key = (str(coding.get("system", "")), str(coding.get("code", "")))
    return DUTCH_DISPLAYS.get(key) or str(coding.get("display") or coding.get("code") or "")


def concept_label(concept: Mapping[str, Any] | None) -> str:
    """A CodeableConcept in Dutch: a known Dutch display first, then its text, then fhir-werk's
    own coding, then any coding."""
    if not concept:
        return ""
    codings = [c for c in concept.get("coding", []) if isinstance(c, Mapping)]
    known = [
        DUTCH_DISPLAYS[k]
        for c in codings
        if (k := (c.get("system", ""), c.get("code", ""))) in DUTCH_DISPLAYS
    ]
    if known:
        return known[0]
    if concept.get("text"):
        return str(concept["text"])
    own = [c for c in codings if str(c.get("system", "")).startswith(BASE)]
    return coding_label((own or codings or [{}])[0])


def moment(value: object) -> str:
    """A FHIR date or dateTime the Dutch way: ``24-11-2026`` or ``24-11-2026 14:05``."""
    if not isinstance(value, str) or len(value) < 4:
        return ""
    date, _, time = value.partition("T")
    parts = date.split("-")
    shown = "-".join(reversed(parts))
    return f"{shown} {time[:5]}" if time else shown
