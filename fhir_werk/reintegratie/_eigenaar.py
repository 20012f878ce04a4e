"""Who owns a milestone's Task: the role that acts, and the person the response names for it.

The ``re-integratie`` response lists the actors (``ri-betrokkene``: role, name, how to reach
them). A milestone's role maps to the actor codes (CodeSystem ``re-integratie-actor``) that can
act on it, the first named one in that order becomes the Task's ``owner``: a contained
PractitionerRole (a person) or Organization (an employer, a municipality, an agency) with the name
and how to reach them, as FHIR R4 Task allows (``owner``: Reference to PractitionerRole |
Organization | Patient ...). Where the patient acts (a WIA application, an appeal), the owner is
the patient. A role the response does not name gets no owner, only its ``performerType``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from fhir_werk.shared import code_system

__all__ = ["Betrokkene", "betrokkenen", "eigenaar", "rol_codes"]

PATIENT: Final = "patient"
"""Not an actor code: the milestone is the patient's own."""

_ROLLEN: Final[dict[str, tuple[str, ...]]] = {
    "gesprek-einddatum": ("huisarts",),
    "gesprek-eerste-contacten": ("huisarts",),
    "nl-probleemanalyse": ("bedrijfsarts",),
    "nl-plan-van-aanpak": ("casemanager", "werkgever"),
    "nl-evaluatie": ("casemanager", "werkgever"),
    "nl-42e-weeksmelding": ("werkgever",),
    "nl-eerstejaarsevaluatie": ("casemanager", "werkgever"),
    "nl-wia-brief": ("verzekeringsarts", "re-integratiebegeleider"),
    "nl-actueel-oordeel": ("bedrijfsarts",),
    "nl-wia-aanvraag": (PATIENT,),
    "nl-einde-loondoorbetaling": ("werkgever",),
    "zw-eerste-beoordeling": ("verzekeringsarts", "re-integratiebegeleider"),
    "zw-spreekuur-verzekeringsarts": ("verzekeringsarts",),
    "zw-re-integratieplan": ("re-integratiebegeleider",),
    "zw-eerstejaarsbeoordeling": ("verzekeringsarts", "re-integratiebegeleider"),
    "zw-einde": ("verzekeringsarts", "re-integratiebegeleider"),
    "be-informatie-arbeidsarts": ("preventieadviseur-arbeidsarts",),
    "be-start-door-werkgever": ("werkgever",),
    "be-re-integratiebeoordeling": ("preventieadviseur-arbeidsarts",),
    "be-plan-a": ("werkgever",),
    "be-plan-b": ("werkgever",),
    "be-beroep": (PATIENT,),
    "be-medische-overmacht": ("werkgever",),
    "be-tnw-vragenlijst": (PATIENT,),
    "be-tnw-eerste-inschatting": ("adviserend-arts",),
}
"""Per legal basis, the actor codes that act on it, the one who acts first."""

_ORGANISATIES: Final = frozenset({"werkgever", "gemeente", "vdab-gtb", "re-integratiebureau"})


@dataclass(frozen=True)
class Betrokkene:
    """One actor the response names: the role's Coding, the name, how to reach them."""

    rol: Mapping[str, Any]
    naam: str
    contact: str | None = None


def _value(items: Sequence[Mapping[str, Any]], link_id: str) -> Any:
    for item in items:
        if item.get("linkId") == link_id:
            for answer in item.get("answer", []):
                for key, value in answer.items():
                    if key.startswith("value"):
                        return value
    return None


def betrokkenen(response: Mapping[str, Any]) -> list[Betrokkene]:
    """The actors of a ``re-integratie`` response, in the order given; one without role or name
    names nobody."""
    found: list[Betrokkene] = []
    for group in response.get("item", []):
        if group.get("linkId") != "ri-betrokkene":
            continue
        items = group.get("item", [])
        rol, naam, contact = (_value(items, f"ri-betrokkene-{k}") for k in ("rol", "naam", "contact"))
        if isinstance(rol, Mapping) and rol.get("code") and isinstance(naam, str) and naam.strip():
            found.append(Betrokkene(rol, naam.strip(), str(contact).strip() if contact else None))
    return found


def rol_codes(code: str) -> list[dict[str, str]]:
    """The ``performerType`` Coding of the actor who acts first on ``code`` (none for the patient)."""
    first = next((r for r in _ROLLEN.get(code, ()) if r != PATIENT), None)
    return [{"system": code_system("re-integratie-actor"), "code": first}] if first else []


def _telecom(contact: str) -> dict[str, str]:
    if "@" in contact:
        return {"system": "email", "value": contact}
    if sum(c.isdigit() for c in contact) >= 6:
        return {"system": "phone", "value": contact}
    return {"system": "other", "value": contact}


def eigenaar(
    code: str, subject: Mapping[str, Any], actors: Sequence[Betrokkene]
) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The owner Reference of the Task for ``code`` and the contained resource it points to."""
    for rol in _ROLLEN.get(code, ()):
        if rol == PATIENT:
            return (dict(subject), None) if subject else None
        actor = next((a for a in actors if a.rol.get("code") == rol), None)
        if actor is None:
            continue
        coding = {k: actor.rol[k] for k in ("system", "code", "display") if k in actor.rol}
        telecom = [_telecom(actor.contact)] if actor.contact else []
        if rol in _ORGANISATIES:
            contained: dict[str, Any] = {"resourceType": "Organization", "id": "eigenaar", "name": actor.naam}
            contained |= {"type": [{"coding": [coding]}]}
        else:
            contained = {
                "resourceType": "PractitionerRole",
                "id": "eigenaar",
                "practitioner": {"display": actor.naam},
                "code": [{"coding": [coding]}],
            }
        if telecom:
            contained["telecom"] = telecom
        return {"reference": "#eigenaar", "type": contained["resourceType"], "display": actor.naam}, contained
    return None
