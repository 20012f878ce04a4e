"""Consent enforcement for pushes: may this bundle go to this recipient, and which part of it?

Pure functions, no I/O. The institution's own EPD (recipient ``eigen-epd``) receives the whole
bundle. A third party receives data only when an *active* Consent of the bundle's patient, valid
at push time, holds a nested ``permit`` provision whose ``actor.role`` names the recipient
(CodeSystem ``deelontvanger``) and whose ``purpose`` names the push purpose (CodeSystem
``deeldoel``), with no nested ``deny`` for that recipient. The Consent may come from the bundle
(the extraction wrote it) or already be on the target. Only the resource types in that permit's
``class`` are sent, plus the Consent itself; references to withheld entries are pruned.

Consent resource: https://hl7.org/fhir/R4/consent.html (provision semantics: §2.11.2.1).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

from fhir_werk.delivery._context import (
    OWN_EPD,
    PURPOSE_SYSTEM,
    RECIPIENT_SYSTEM,
    PushContext,
)
from fhir_werk.shared import ConsentRefusedError, InvalidInputError, Resource, bad_request, issue, outcome

RESOURCE_TYPES_SYSTEM: Final = "http://hl7.org/fhir/resource-types"

Reason = Literal[
    "eigen-epd",
    "permitted",
    "no-patient",
    "no-consent",
    "other-patient",
    "revoked",
    "not-active",
    "not-yet-valid",
    "expired",
    "wrong-recipient",
    "wrong-purpose",
    "denied",
]

# How far a Consent got before it failed: the refusal reports the Consent that got furthest.
_RANK: Final[dict[Reason, int]] = {
    "no-consent": 0,
    "other-patient": 1,
    "revoked": 2,
    "not-active": 2,
    "not-yet-valid": 3,
    "expired": 3,
    "wrong-recipient": 4,
    "wrong-purpose": 5,
    "denied": 6,
}
# A Provenance without a target is invalid (target 1..*): withhold it instead of sending it bare.
_REQUIRED_REFERENCES: Final = {"Provenance": "target"}


@dataclass(frozen=True)
class ConsentDecision:
    """Whether a push may go ahead, why, and which resource types it may carry."""

    permitted: bool
    reason: Reason
    recipient: str
    purpose: str
    outcome: Resource
    """An information issue when permitted, the refusal (severity error, code forbidden) if not."""
    patient: str | None = None
    consent_ref: str | None = None
    """The deciding Consent: its fullUrl in the bundle or ``Consent/<id>`` on the target."""
    classes: frozenset[str] | None = None
    """Resource types that may be sent; None means the whole bundle (own EPD)."""

    def error(self) -> ConsentRefusedError:
        """The ConsentRefusedError carrying this decision's outcome (for a refusal)."""
        return ConsentRefusedError(self.outcome, 403)


def patient_key(reference: str | None) -> str | None:
    """``Patient/<id>`` from a relative or absolute reference (a ``_history`` suffix dropped)."""
    if not reference:
        return None
    parts = reference.split("/_history/")[0].rstrip("/").split("/")
    return "/".join(parts[-2:]) if len(parts) >= 2 else reference


def bundle_patient(bundle: Resource) -> str | None:
    """The bundle's patient as ``Patient/<id>``: the QuestionnaireResponse's subject, else the
    first ``subject`` or ``patient`` reference to a Patient."""
    resources = [entry.get("resource", {}) for entry in bundle.get("entry", [])]
    ordered = sorted(resources, key=lambda r: r.get("resourceType") != "QuestionnaireResponse")
    for resource in ordered:
        for element in ("subject", "patient"):
            key = patient_key(resource.get(element, {}).get("reference"))
            if key and key.startswith("Patient/"):
                return key
    return None


def _codes(concepts: Sequence[Resource], system: str) -> set[str]:
    """The codes of one system in a list of CodeableConcepts or Codings."""
    found: set[str] = set()
    for concept in concepts:
        for coding in concept.get("coding", [concept]):
            if coding.get("system") == system and coding.get("code"):
                found.add(str(coding["code"]))
    return found


def _nested(provision: Resource) -> Iterator[Resource]:
    for child in provision.get("provision", []):
        yield child
        yield from _nested(child)


def _actor_codes(provision: Resource) -> set[str]:
    return _codes([actor.get("role", {}) for actor in provision.get("actor", [])], RECIPIENT_SYSTEM)


def _bound(value: str, upper: bool) -> datetime:
    """A FHIR date or dateTime as an instant; a partial date's upper bound is the next period's start."""
    if "T" in value:
        return datetime.fromisoformat(value).astimezone(UTC)
    parts = [int(p) for p in value.split("-")]
    year, month, day = parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1
    start = datetime(year, month, day, tzinfo=UTC)
    if not upper:
        return start
    if len(parts) == 3:
        return start + timedelta(days=1)
    if len(parts) == 2:
        return datetime(year + month // 12, month % 12 + 1, 1, tzinfo=UTC)
    return datetime(year + 1, 1, 1, tzinfo=UTC)


def _instant(value: str, upper: bool) -> datetime:
    try:
        return _bound(value, upper)
    except ValueError as exc:
        raise InvalidInputError(
            bad_request(
                f"Ongeldige datum '{value}' in de toestemming.",
                f"Invalid date '{value}' in the consent.",
                "Consent.provision.period",
            )
        ) from exc


def _period_reason(period: Resource | None, now: datetime) -> tuple[Reason, str] | None:
    if not period:
        return None
    if period.get("start") and now < _instant(period["start"], upper=False):
        return "not-yet-valid", period["start"]
    if period.get("end") and now >= _instant(period["end"], upper=True):
        return "expired", period["end"]
    return None


@dataclass(frozen=True)
class _Verdict:
    reason: Reason
    detail: str = ""
    expression: str | None = None
    classes: frozenset[str] = frozenset()


def _judge(consent: Resource, patient: str, recipient: str, purpose: str, now: datetime) -> _Verdict:
    """Why one Consent does or does not permit the push."""
    if patient_key(consent.get("patient", {}).get("reference")) != patient:
        return _Verdict("other-patient", expression="Consent.patient")
    status = str(consent.get("status"))
    if status != "active":
        return _Verdict("revoked" if status == "inactive" else "not-active", status, "Consent.status")
    root = consent.get("provision", {})
    timing = _period_reason(root.get("period"), now)
    if timing is not None:
        return _Verdict(timing[0], timing[1], f"Consent.provision.period.{_edge(timing[0])}")
    nested = list(_nested(root))
    for_recipient = [p for p in nested if p.get("type") == "permit" and recipient in _actor_codes(p)]
    if not for_recipient:
        named = sorted(set().union(*(_actor_codes(p) for p in nested if p.get("type") == "permit")))
        return _Verdict("wrong-recipient", ", ".join(named), "Consent.provision.provision.actor.role")
    permits = [p for p in for_recipient if purpose in _codes(p.get("purpose", []), PURPOSE_SYSTEM)]
    if not permits:
        named = sorted(set().union(*(_codes(p.get("purpose", []), PURPOSE_SYSTEM) for p in for_recipient)))
        return _Verdict("wrong-purpose", ", ".join(named), "Consent.provision.provision.purpose")
    for deny in (p for p in nested if p.get("type") == "deny"):
        actors, purposes = _actor_codes(deny), _codes(deny.get("purpose", []), PURPOSE_SYSTEM)
        if (not deny.get("actor") or recipient in actors) and (not purposes or purpose in purposes):
            return _Verdict("denied", expression="Consent.provision.provision")
    current = [p for p in permits if _period_reason(p.get("period"), now) is None]
    if not current:
        reason, edge = _period_reason(permits[0].get("period"), now) or ("expired", "")
        return _Verdict(reason, edge, f"Consent.provision.provision.period.{_edge(reason)}")
    classes = frozenset().union(*(_codes(p.get("class", []), RESOURCE_TYPES_SYSTEM) for p in current))
    return _Verdict("permitted", classes=classes)


def _edge(reason: Reason) -> str:
    return "start" if reason == "not-yet-valid" else "end"


def _refusal_text(verdict: _Verdict, recipient: str, purpose: str) -> tuple[str, str]:
    detail = verdict.detail or "-"
    texts: dict[Reason, tuple[str, str]] = {
        "no-patient": (
            "De bundel noemt geen patiënt, dus toestemming kan niet worden gecontroleerd.",
            "The bundle names no patient, so consent cannot be checked.",
        ),
        "no-consent": (
            "Er is geen Consent gevonden, niet in de bundel en niet bij de ontvanger.",
            "No Consent was found, neither in the bundle nor at the recipient.",
        ),
        "other-patient": (
            "De gevonden toestemming hoort bij een andere patiënt.",
            "The Consent found belongs to another patient.",
        ),
        "revoked": (
            "De toestemming is ingetrokken (status 'inactive').",
            "The consent was revoked (status 'inactive').",
        ),
        "not-active": (
            f"De toestemming is niet actief (status '{detail}').",
            f"The consent is not active (status '{detail}').",
        ),
        "not-yet-valid": (
            f"De toestemming geldt pas vanaf {detail}.",
            f"The consent only applies from {detail}.",
        ),
        "expired": (f"De toestemming is verlopen ({detail}).", f"The consent has expired ({detail})."),
        "wrong-recipient": (
            f"De toestemming noemt '{recipient}' niet als ontvanger (wel: {detail}).",
            f"The consent does not name '{recipient}' as a recipient (it names: {detail}).",
        ),
        "wrong-purpose": (
            f"De toestemming voor '{recipient}' geldt niet voor doel '{purpose}' (wel: {detail}).",
            f"The consent for '{recipient}' does not cover purpose '{purpose}' (it covers: {detail}).",
        ),
        "denied": (
            f"De toestemming sluit delen met '{recipient}' uitdrukkelijk uit.",
            f"The consent explicitly denies sharing with '{recipient}'.",
        ),
    }
    nl, en = texts[verdict.reason]
    return (
        f"Geen actieve toestemming van de patiënt om te delen met '{recipient}' voor doel '{purpose}'. {nl}",
        f"No active consent of the patient to share with '{recipient}' for purpose '{purpose}'. {en}",
    )


def _candidates(bundle: Resource, existing: Sequence[Resource]) -> Iterator[tuple[str, Resource]]:
    for index, entry in enumerate(bundle.get("entry", [])):
        resource = entry.get("resource", {})
        if resource.get("resourceType") == "Consent":
            yield entry.get("fullUrl") or f"Bundle.entry[{index}]", resource
    for resource in existing:
        if resource.get("resourceType") == "Consent":
            yield f"Consent/{resource.get('id')}", resource


def check_consent(
    bundle: Resource,
    context: PushContext,
    *,
    existing: Sequence[Resource] = (),
    now: datetime | None = None,
) -> ConsentDecision:
    """Decide whether ``bundle`` may be pushed to ``context.recipient`` for ``context.purpose``.

    ``existing`` are Consents already on the target; ``now`` defaults to ``context.now`` or the
    current time. Never raises for a refusal: see :attr:`ConsentDecision.permitted`.
    """
    recipient, purpose = context.recipient, context.purpose
    at = now or context.now or datetime.now(UTC)
    patient = bundle_patient(bundle)
    if recipient == OWN_EPD:
        nl = "Delen met het EPD van de eigen instelling vraagt geen aparte toestemming."
        en = "Sharing with the institution's own EPD needs no separate consent."
        info = outcome([issue("information", "informational", nl, en)])
        return ConsentDecision(True, "eigen-epd", recipient, purpose, info, patient)
    best: tuple[_Verdict, str | None] = (
        _Verdict("no-consent", expression="Bundle.entry.resource.ofType(Consent)"),
        None,
    )
    if patient is None:
        best = (_Verdict("no-patient", expression="Bundle.entry.resource.subject"), None)
    else:
        for ref, consent in _candidates(bundle, existing):
            verdict = _judge(consent, patient, recipient, purpose, at)
            if verdict.reason == "permitted":
                nl = f"Delen met '{recipient}' voor doel '{purpose}' is toegestaan door {ref}."
                en = f"Sharing with '{recipient}' for purpose '{purpose}' is permitted by {ref}."
                info = outcome([issue("information", "informational", nl, en)])
                return ConsentDecision(
                    True, "permitted", recipient, purpose, info, patient, ref, verdict.classes
                )
            if _RANK.get(verdict.reason, 0) > _RANK.get(best[0].reason, 0):
                best = (verdict, ref)
    closest, closest_ref = best
    nl, en = _refusal_text(closest, recipient, purpose)
    refusal = outcome([issue("error", "forbidden", nl, en, closest.expression)])
    return ConsentDecision(False, closest.reason, recipient, purpose, refusal, patient, closest_ref)


def _is_sent(entry: Resource, decision: ConsentDecision) -> bool:
    if decision.classes is None:
        return True
    resource_type = entry.get("resource", {}).get("resourceType")
    return resource_type in decision.classes or (
        decision.consent_ref is not None and entry.get("fullUrl") == decision.consent_ref
    )


_DROP: Final = object()


def _prune(value: Any, removed: frozenset[str]) -> Any:
    """``value`` without References to ``removed``; a list item or object left empty goes too."""
    if isinstance(value, dict):
        reference = value.get("reference")
        if isinstance(reference, str) and reference in removed:
            return _DROP
        kept = {k: p for k, v in value.items() if (p := _prune(v, removed)) is not _DROP}
        return _DROP if value and not kept else kept
    if isinstance(value, list):
        items = [p for v in value if (p := _prune(v, removed)) is not _DROP]
        return _DROP if value and not items else items
    return value


def _lacks_required_reference(resource: Resource) -> bool:
    required = _REQUIRED_REFERENCES.get(str(resource.get("resourceType")))
    return required is not None and not resource.get(required)


def _split(bundle: Resource, decision: ConsentDecision) -> tuple[list[Resource], list[Resource]]:
    """(entries to send, pruned; entries withheld). Repeats until no sent entry lost a required reference."""
    if not decision.permitted:
        raise decision.error()
    entries = bundle.get("entry", [])
    withheld = [e for e in entries if not _is_sent(e, decision)]
    while True:
        removed = frozenset(str(e["fullUrl"]) for e in withheld if e.get("fullUrl"))
        sent = [e for e in entries if e not in withheld]
        kept = [{**e, "resource": _prune(e.get("resource", {}), removed)} for e in sent]
        bare = [
            original
            for original, pruned in zip(sent, kept, strict=True)
            if _lacks_required_reference(pruned["resource"])
        ]
        if not bare:
            return kept, withheld
        withheld.extend(bare)


def permitted_bundle(bundle: Resource, decision: ConsentDecision) -> Resource:
    """The part of ``bundle`` the decision permits, with references to withheld entries pruned.

    Raises the decision's ConsentRefusedError when it is a refusal (nothing may be sent).
    """
    if decision.classes is None and decision.permitted:
        return copy.deepcopy(bundle)
    kept, _ = _split(bundle, decision)
    return copy.deepcopy({**bundle, "entry": kept})


def withheld_entries(bundle: Resource, decision: ConsentDecision) -> list[Resource]:
    """The entries of ``bundle`` the decision does not permit to send (reported as refused)."""
    if decision.classes is None and decision.permitted:
        return []
    return _split(bundle, decision)[1]
