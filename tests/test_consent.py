"""Consent enforcement: each case with its exact decision, outcome and the AuditEvent it leaves."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from fhir_werk.delivery import PushContext, PushEntry, PushProgress, run_push
from fhir_werk.delivery._audit import AuditLog
from fhir_werk.delivery._consent import check_consent, permitted_bundle, withheld_entries
from fhir_werk.shared._outcomes import ConsentRefusedError, InvalidInputError, Resource

BUNDLE = json.loads((Path(__file__).parent / "fixtures" / "push" / "bundle.json").read_text(encoding="utf-8"))
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
RECIPIENTS = "https://fhir-werk.nl/fhir/CodeSystem/deelontvanger"
PURPOSES = "https://fhir-werk.nl/fhir/CodeSystem/deeldoel"
TYPES = "http://hl7.org/fhir/resource-types"
CONSENT_URL = "urn:uuid:00000000-0000-4000-8000-000000000008"


@dataclass
class FakeTarget:
    """An in-memory PushTarget: records what it was asked and sent."""

    consents: list[Resource] = field(default_factory=list)
    sent: list[Resource] = field(default_factory=list)
    asked: list[str] = field(default_factory=list)
    address: str = "https://epd.test/fhir"

    def existing_consents(self, patient: str) -> Sequence[Resource]:
        self.asked.append(patient)
        return self.consents

    def send(self, bundle: Resource, progress: PushProgress) -> None:
        self.sent.append(bundle)
        for index, entry in enumerate(bundle["entry"]):
            resource_type = entry["resource"]["resourceType"]
            progress.entries.append(
                PushEntry(resource_type, "created", str(index + 1), full_url=entry["fullUrl"])
            )

    def send_audit(self, event: Resource) -> None:
        raise AssertionError("not asked for")


def bundle_with(change: Callable[[Resource], Any] | None = None) -> Resource:
    """The fixture bundle with its Consent changed in place by ``change``."""
    bundle: Resource = copy.deepcopy(BUNDLE)
    consent = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Consent")
    if change is not None:
        change(consent)
    return bundle


def permit(consent: Resource) -> Resource:
    found: Resource = consent["provision"]["provision"][0]
    return found


def without_consent(bundle: Resource) -> Resource:
    return {**bundle, "entry": [e for e in bundle["entry"] if e["resource"]["resourceType"] != "Consent"]}


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    return AuditLog(tmp_path / "audit.sqlite3", observer="ggz-instelling-1")


def refuse(
    bundle: Resource, log: AuditLog, target: FakeTarget | None = None, **context: Any
) -> tuple[ConsentRefusedError, Resource]:
    target = target or FakeTarget()
    with pytest.raises(ConsentRefusedError) as caught:
        run_push(bundle, PushContext(now=NOW, **context), target=target, audit=log)
    assert target.sent == []  # nothing is sent
    (event,) = log.query()
    return caught.value, event


def assert_refusal(
    error: ConsentRefusedError,
    event: Resource,
    nl: str,
    expression: list[str],
    recipient: str = "werkgever",
    asked: int = len(BUNDLE["entry"]),
) -> None:
    (only,) = error.outcome["issue"]
    assert error.status == 403
    assert (only["severity"], only["code"], only.get("expression")) == ("error", "forbidden", expression)
    assert only["details"]["text"] == nl
    assert event["outcome"] == "4"
    assert event["outcomeDesc"] == nl
    assert event["agent"][1]["role"][0]["coding"][1] == {"system": RECIPIENTS, "code": recipient}
    assert event["entity"][0]["what"] == {"reference": "Patient/fw-push-1"}
    assert len(event["entity"]) == 1 + asked  # the patient and every resource asked for


NO_CONSENT = "Geen actieve toestemming van de patiënt om te delen met 'werkgever' voor doel 're-integratie'. "


# --- the cases ----------------------------------------------------------------------------------


def test_own_epd_needs_no_consent_and_gets_the_whole_bundle(log: AuditLog) -> None:
    target = FakeTarget()
    result = run_push(without_consent(BUNDLE), PushContext(now=NOW), target=target, audit=log)
    assert (result.decision.permitted, result.decision.reason) == (True, "eigen-epd")
    assert target.sent == [without_consent(BUNDLE)]
    assert target.asked == []  # no consent search for the own EPD
    (event,) = log.query()
    assert (event["outcome"], event["outcomeDesc"]) == (
        "0",
        "Verzonden naar 'eigen-epd': 8 resource(s) (8 nieuw).",
    )
    assert [e["what"] for e in event["entity"][:2]] == [
        {"reference": "Patient/fw-push-1"},
        {"reference": "QuestionnaireResponse/1"},
    ]


def test_permitted_third_party_gets_only_the_permitted_types(log: AuditLog) -> None:
    target = FakeTarget()
    result = run_push(BUNDLE, PushContext(recipient="werkgever", now=NOW), target=target, audit=log)
    assert (result.decision.reason, result.decision.consent_ref) == ("permitted", CONSENT_URL)
    assert result.decision.classes == frozenset({"CarePlan", "Goal"})
    (sent,) = target.sent
    assert [e["resource"]["resourceType"] for e in sent["entry"]] == ["Goal", "Goal", "CarePlan", "Consent"]
    assert [(e.resource_type, e.status) for e in result.entries] == [
        ("QuestionnaireResponse", "refused"),
        ("Observation", "refused"),
        ("Observation", "refused"),
        ("Goal", "created"),
        ("Goal", "created"),
        ("ServiceRequest", "refused"),
        ("CarePlan", "created"),
        ("Consent", "created"),
        ("Provenance", "refused"),
    ]
    (event,) = log.query(recipient="werkgever")
    assert (event["outcome"], event["outcomeDesc"]) == (
        "0",
        "Verzonden naar 'werkgever': 4 resource(s) (4 nieuw).",
    )
    assert [e["what"]["reference"] for e in event["entity"]] == [
        "Patient/fw-push-1",
        "Goal/1",
        "Goal/2",
        "CarePlan/3",
        "Consent/4",
    ]


def test_no_consent_is_refused(log: AuditLog) -> None:
    target = FakeTarget()
    error, event = refuse(without_consent(BUNDLE), log, target, recipient="werkgever")
    nl = NO_CONSENT + "Er is geen Consent gevonden, niet in de bundel en niet bij de ontvanger."
    assert_refusal(
        error, event, nl, ["Bundle.entry.resource.ofType(Consent)"], asked=len(BUNDLE["entry"]) - 1
    )
    assert target.asked == ["Patient/fw-push-1"]  # the target was searched too


def test_expired_permit_is_refused(log: AuditLog) -> None:
    bundle = bundle_with(lambda c: permit(c)["period"].update(end="2026-11-23"))
    error, event = refuse(bundle, log, recipient="werkgever")
    nl = NO_CONSENT + "De toestemming is verlopen (2026-11-23)."
    assert_refusal(error, event, nl, ["Consent.provision.provision.period.end"])


def test_permit_ending_today_still_holds(log: AuditLog) -> None:
    bundle = bundle_with(lambda c: permit(c)["period"].update(end="2026-11-24"))
    assert check_consent(bundle, PushContext(recipient="werkgever", now=NOW)).permitted


def test_expired_consent_period_is_refused(log: AuditLog) -> None:
    bundle = bundle_with(lambda c: c["provision"]["period"].update(end="2026-11-24T12:59:00+01:00"))
    error, event = refuse(bundle, log, recipient="werkgever")
    nl = NO_CONSENT + "De toestemming is verlopen (2026-11-24T12:59:00+01:00)."
    assert_refusal(error, event, nl, ["Consent.provision.period.end"])


def test_consent_not_yet_valid_is_refused(log: AuditLog) -> None:
    bundle = bundle_with(lambda c: c["provision"]["period"].update(start="2026-12"))
    error, event = refuse(bundle, log, recipient="werkgever")
    assert_refusal(
        error,
        event,
        NO_CONSENT + "De toestemming geldt pas vanaf 2026-12.",
        ["Consent.provision.period.start"],
    )


def test_wrong_recipient_is_refused(log: AuditLog) -> None:
    error, event = refuse(BUNDLE, log, recipient="bedrijfsarts")
    nl = (
        "Geen actieve toestemming van de patiënt om te delen met 'bedrijfsarts' voor doel 're-integratie'. "
        "De toestemming noemt 'bedrijfsarts' niet als ontvanger (wel: werkgever)."
    )
    assert_refusal(error, event, nl, ["Consent.provision.provision.actor.role"], recipient="bedrijfsarts")


def test_wrong_purpose_is_refused(log: AuditLog) -> None:
    error, event = refuse(BUNDLE, log, recipient="werkgever", purpose="behandeling")
    nl = (
        "Geen actieve toestemming van de patiënt om te delen met 'werkgever' voor doel 'behandeling'. "
        "De toestemming voor 'werkgever' geldt niet voor doel 'behandeling' (wel: re-integratie)."
    )
    assert_refusal(error, event, nl, ["Consent.provision.provision.purpose"])
    assert event["purposeOfEvent"] == [{"coding": [{"system": PURPOSES, "code": "behandeling"}]}]


def test_revoked_consent_is_refused(log: AuditLog) -> None:
    bundle = bundle_with(lambda c: c.update(status="inactive"))
    error, event = refuse(bundle, log, recipient="werkgever")
    assert_refusal(
        error, event, NO_CONSENT + "De toestemming is ingetrokken (status 'inactive').", ["Consent.status"]
    )


def test_draft_consent_is_refused(log: AuditLog) -> None:
    bundle = bundle_with(lambda c: c.update(status="draft"))
    error, event = refuse(bundle, log, recipient="werkgever")
    assert_refusal(
        error, event, NO_CONSENT + "De toestemming is niet actief (status 'draft').", ["Consent.status"]
    )


def test_consent_of_another_patient_is_refused(log: AuditLog) -> None:
    bundle = bundle_with(lambda c: c.update(patient={"reference": "Patient/iemand-anders"}))
    error, event = refuse(bundle, log, recipient="werkgever")
    assert_refusal(
        error,
        event,
        NO_CONSENT + "De gevonden toestemming hoort bij een andere patiënt.",
        ["Consent.patient"],
    )


def test_nested_deny_overrides_the_permit(log: AuditLog) -> None:
    deny = {"type": "deny", "actor": [{"role": {"coding": [{"system": RECIPIENTS, "code": "werkgever"}]}}]}
    bundle = bundle_with(lambda c: permit(c).update(provision=[deny]))
    error, event = refuse(bundle, log, recipient="werkgever")
    nl = NO_CONSENT + "De toestemming sluit delen met 'werkgever' uitdrukkelijk uit."
    assert_refusal(error, event, nl, ["Consent.provision.provision"])


def test_deny_for_another_purpose_does_not_override(log: AuditLog) -> None:
    deny = {
        "type": "deny",
        "actor": [{"role": {"coding": [{"system": RECIPIENTS, "code": "werkgever"}]}}],
        "purpose": [{"system": PURPOSES, "code": "behandeling"}],
    }
    bundle = bundle_with(lambda c: c["provision"]["provision"].append(deny))
    assert check_consent(bundle, PushContext(recipient="werkgever", now=NOW)).permitted


def test_consent_already_on_the_target_permits(log: AuditLog) -> None:
    on_target = copy.deepcopy(
        next(e["resource"] for e in BUNDLE["entry"] if e["resource"]["resourceType"] == "Consent")
    )
    on_target["id"] = "c-77"
    target = FakeTarget(consents=[on_target])
    result = run_push(
        without_consent(BUNDLE), PushContext(recipient="werkgever", now=NOW), target=target, audit=log
    )
    assert (result.decision.reason, result.decision.consent_ref) == ("permitted", "Consent/c-77")
    (sent,) = target.sent
    assert [e["resource"]["resourceType"] for e in sent["entry"]] == ["Goal", "Goal", "CarePlan"]
    (event,) = log.query()
    assert event["outcome"] == "0"


def test_the_consent_that_got_furthest_explains_the_refusal(log: AuditLog) -> None:
    other_patient = {
        "resourceType": "Consent",
        "id": "x",
        "status": "active",
        "patient": {"reference": "Patient/x"},
    }
    target = FakeTarget(consents=[other_patient])
    error, event = refuse(BUNDLE, log, target, recipient="werkgever", purpose="behandeling")
    assert error.outcome["issue"][0]["expression"] == ["Consent.provision.provision.purpose"]
    assert event["outcome"] == "4"


def test_unknown_recipient_is_invalid_input() -> None:
    with pytest.raises(InvalidInputError) as caught:
        PushContext(recipient="buurman")
    assert caught.value.outcome["issue"][0]["expression"] == ["recipient"]


# --- what is sent -------------------------------------------------------------------------------


def test_permitted_bundle_prunes_references_to_withheld_entries() -> None:
    decision = check_consent(BUNDLE, PushContext(recipient="werkgever", now=NOW))
    sent = permitted_bundle(BUNDLE, decision)
    plan = next(e["resource"] for e in sent["entry"] if e["resource"]["resourceType"] == "CarePlan")
    consent = next(e["resource"] for e in sent["entry"] if e["resource"]["resourceType"] == "Consent")
    assert "supportingInfo" not in plan  # the response and scores are withheld
    assert "activity" not in plan  # the referral is withheld
    assert plan["goal"] == [
        {"reference": "urn:uuid:00000000-0000-4000-8000-000000000004"},
        {"reference": "urn:uuid:00000000-0000-4000-8000-000000000005"},
    ]
    assert "sourceReference" not in consent
    assert consent["provision"] == BUNDLE["entry"][7]["resource"]["provision"]
    full_urls = {e["fullUrl"] for e in sent["entry"]}
    assert all(ref in full_urls or not ref.startswith("urn:") for ref in _references(sent)), (
        "a reference dangles"
    )
    assert BUNDLE["entry"][6]["resource"]["supportingInfo"]  # the input is not changed


def test_a_provenance_whose_targets_are_all_withheld_is_withheld() -> None:
    def only_provenance(consent: Resource) -> None:
        permit(consent)["class"] = [{"system": TYPES, "code": "Provenance"}]

    bundle = bundle_with(only_provenance)
    provenance = bundle["entry"][-1]["resource"]
    provenance["target"] = [t for t in provenance["target"] if t["reference"] != CONSENT_URL]
    decision = check_consent(bundle, PushContext(recipient="werkgever", now=NOW))
    sent = permitted_bundle(bundle, decision)
    assert [e["resource"]["resourceType"] for e in sent["entry"]] == ["Consent"]
    assert [e["resource"]["resourceType"] for e in withheld_entries(bundle, decision)][-1] == "Provenance"


def test_permitted_bundle_refuses_a_refusal() -> None:
    decision = check_consent(without_consent(BUNDLE), PushContext(recipient="uwv", now=NOW))
    with pytest.raises(ConsentRefusedError):
        permitted_bundle(BUNDLE, decision)


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


def test_malformed_consent_date_is_invalid_input_and_audited(log: AuditLog) -> None:
    bundle = bundle_with(lambda c: permit(c)["period"].update(end="volgend jaar"))
    with pytest.raises(InvalidInputError) as caught:
        run_push(bundle, PushContext(recipient="werkgever", now=NOW), target=FakeTarget(), audit=log)
    (only,) = caught.value.outcome["issue"]
    assert (only["details"]["text"], only["expression"]) == (
        "Ongeldige datum 'volgend jaar' in de toestemming.",
        ["Consent.provision.period"],
    )
    assert [e["outcome"] for e in log.query()] == ["4"]
