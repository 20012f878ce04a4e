"""Narratives of the resources extraction makes: what a clinician reading the EPD needs.

A Goal says the goal and where it stands; a CarePlan activity says who does what and when; a
score says the score and its scale; a Consent says who may see what, why and until when.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fhir_werk.narrative._dutch import RESOURCE_TYPES, coding_label, concept_label, moment, status
from fhir_werk.narrative._xhtml import bullets, heading, line, paragraph, text
from fhir_werk.shared import code_system

Resource = Mapping[str, Any]
_SCALE = code_system("schaal")


def _display(reference: object) -> str:
    return str(reference.get("display", "")) if isinstance(reference, Mapping) else ""


def _listed(label: str, fragments: list[str]) -> str:
    """A labelled list of escaped fragments; nothing when there are none."""
    found = [f for f in fragments if f]
    return paragraph(f"{label}:") + bullets(found) if found else ""


def _notes(resource: Resource) -> str:
    return "".join(line("Notitie", n.get("text")) for n in resource.get("note", []))


def _target(target: Resource) -> str:
    measure = target.get("measure") or {}
    score = target.get("detailInteger")
    scale = any(c.get("system") == _SCALE for c in measure.get("coding", []))
    if score is None:
        return text(concept_label(measure))
    out_of = " (schaal 0–10)" if scale else ""
    due = f", uiterlijk {moment(target['dueDate'])}" if target.get("dueDate") else ""
    return text(f"{concept_label(measure)}: streefwaarde {score}{out_of}{due}")


def goal(resource: Resource) -> list[str]:
    kind = concept_label((resource.get("category") or [None])[0]) or "Doel"
    return [
        heading(kind),
        paragraph(resource.get("description", {}).get("text")),
        line("Status", status("goal", resource.get("lifecycleStatus"))),
        line("Voortgang", status("achievement", _code(resource.get("achievementStatus")))),
        _listed("Streefdoel", [_target(t) for t in resource.get("target", [])]),
        line("Sinds", moment(resource.get("startDate"))),
        line("Uitgesproken door", _display(resource.get("expressedBy"))),
        _notes(resource),
    ]


def _code(concept: object) -> str | None:
    if not isinstance(concept, Mapping):
        return None
    codes = [c.get("code") for c in concept.get("coding", []) if c.get("code")]
    return str(codes[0]) if codes else None


def _activity(activity: Resource) -> str:
    detail = activity.get("detail")
    if not isinstance(detail, Mapping):
        reference = activity.get("reference", {})
        return text(_display(reference) or f"zie {reference.get('reference', 'de gekoppelde verwijzing')}")
    who = ", ".join(_display(p) for p in detail.get("performer", []) if _display(p))
    period = detail.get("scheduledPeriod", {})
    when = (
        f"op {moment(period['start'])}"
        if period.get("start")
        else f"uiterlijk {moment(period['end'])}"
        if period.get("end")
        else ""
    )
    what = detail.get("description") or ("Afspraak" if detail.get("kind") == "Appointment" else "Actie")
    parts = [what, f"wie: {who}" if who else "", when, status("activity", detail.get("status"))]
    progress = [f"toelichting: {p['text']}" for p in activity.get("progress", []) if p.get("text")]
    return text(" — ".join(p for p in [*parts, *progress] if p))


def careplan(resource: Resource) -> list[str]:
    goals = len(resource.get("goal", []))
    return [
        heading(str(resource.get("title") or "Behandelplan")),
        line("Status", status("request", resource.get("status"))),
        line("Opgesteld op", moment(resource.get("created"))),
        line("Opgesteld door", _display(resource.get("author"))),
        line("Doelen", f"{goals} (elk als eigen doel vastgelegd)" if goals else ""),
        _listed("Afspraken", [_activity(a) for a in resource.get("activity", [])]),
    ]


def observation(resource: Resource) -> list[str]:
    code = resource.get("code", {})
    scale = any(c.get("system") == _SCALE for c in code.get("coding", []))
    if "valueInteger" in resource:
        value: object = f"{resource['valueInteger']}" + (" op een schaal van 0 tot 10" if scale else "")
    elif "valueCodeableConcept" in resource:
        value = concept_label(resource["valueCodeableConcept"])
    else:
        value = resource.get("valueString") or resource.get("valueBoolean") or ""
    return [
        heading(concept_label(code) or "Observatie"),
        line("Score" if scale else "Uitkomst", value),
        line("Status", status("observation", resource.get("status"))),
        line("Datum", moment(resource.get("effectiveDateTime"))),
        _notes(resource),
    ]


def service_request(resource: Resource) -> list[str]:
    reasons = [r.get("text") or concept_label(r) for r in resource.get("reasonCode", [])]
    own = [
        c
        for c in resource.get("code", {}).get("coding", [])
        if str(c.get("system", "")).endswith("/verwijzing")
    ]
    return [
        heading(concept_label(resource.get("code")) or "Verwijzing"),
        line("Naar", coding_label(own[0]) if own else ""),
        line("Reden", "; ".join(r for r in reasons if r)),
        line(
            "Status",
            f"{status('request', resource.get('status'))} ({status('intent', resource.get('intent'))})",
        ),
        line("Datum", moment(resource.get("authoredOn"))),
        line("Aangevraagd door", _display(resource.get("requester"))),
    ]


def _permit(provision: Resource) -> str:
    recipients = ", ".join(
        _display(a.get("reference")) or concept_label(a.get("role")) for a in provision.get("actor", [])
    )
    what = " en ".join(
        RESOURCE_TYPES.get(str(c.get("code")), str(c.get("code"))) for c in provision.get("class", [])
    )
    purpose = ", ".join(coding_label(p) for p in provision.get("purpose", []))
    period = provision.get("period", {})
    until = f", tot {moment(period['end'])}" if period.get("end") else ""
    return text(f"met {recipients}: {what or 'gegevens'}" + (f", voor {purpose}" if purpose else "") + until)


def consent(resource: Resource) -> list[str]:
    provision = resource.get("provision", {})
    permits = [p for p in provision.get("provision", []) if p.get("type") == "permit"]
    base = "Niets wordt gedeeld" if provision.get("type") == "deny" else "Gegevens mogen worden gedeeld"
    summary = f"{base}, behalve:" if permits else f"{base}; de patiënt gaf geen toestemming om te delen."
    return [
        heading("Toestemming om gegevens te delen"),
        line("Status", status("consent", resource.get("status"))),
        line("Gegeven op", moment(resource.get("dateTime"))),
        paragraph(summary),
        bullets(_permit(p) for p in permits),
    ]


def task(resource: Resource) -> list[str]:
    return [
        heading(str(resource.get("description") or concept_label(resource.get("code")) or "Taak")),
        line("Status", status("task", resource.get("status"))),
        line("Voor", _display(resource.get("for"))),
        line("Uitvoerder", _display(resource.get("owner"))),
        line("Aangemaakt op", moment(resource.get("authoredOn"))),
    ]


def provenance(resource: Resource) -> list[str]:
    activity = _code(resource.get("activity"))
    agents = ", ".join(_display(a.get("who")) for a in resource.get("agent", []) if _display(a.get("who")))
    count = len(resource.get("target", []))
    return [
        heading("Herkomst"),
        paragraph(
            f"{count} gegevens {status('provenance', activity) or 'vastgelegd'} uit de ingevulde vragenlijst."
        ),
        line("Vastgelegd op", moment(resource.get("recorded"))),
        line("Door", agents),
    ]


def response(resource: Resource) -> list[str]:
    return [
        heading("Ingevulde vragenlijst"),
        line("Vragenlijst", resource.get("questionnaire")),
        line("Status", status("response", resource.get("status"))),
        line("Ingevuld op", moment(resource.get("authored"))),
        line("Ingevuld door", _display(resource.get("author"))),
    ]
