"""The follow-up pre-fill as commands and services use it: which Questionnaire, which record."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from fhir_werk.extraction import extract
from fhir_werk.followup._populate import populate
from fhir_werk.followup._record import BundleRecord, Record
from fhir_werk.publishing import Artifacts, assemble, published
from fhir_werk.shared import BASE, VERSION, InvalidInputError, Resource, issue, outcome

FOLLOW_UP = f"{BASE}/Questionnaire/vervolggesprek|{VERSION}"


def followup_questionnaire(artifacts: Artifacts | None = None) -> Resource:
    """The follow-up conversation's Questionnaire (the leidraad with the review part and the
    population rules), assembled."""
    artifacts = artifacts or published()
    return assemble(artifacts.questionnaire(FOLLOW_UP), artifacts.get)


def now() -> str:
    """The current moment as a FHIR dateTime with the local offset, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")


def _previous_response(bundle: Resource) -> Resource | None:
    for entry in bundle.get("entry", []):
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "QuestionnaireResponse":
            found: Resource = resource
            return found
    return None


def _not_a_bundle(path: str) -> InvalidInputError:
    return InvalidInputError(
        outcome(
            [
                issue(
                    "error",
                    "structure",
                    "De bundel van het eerdere gesprek is geen geldige FHIR-bundel (entry met resources).",
                    "The earlier conversation's bundle is not a valid FHIR Bundle (entry with resources).",
                    path,
                )
            ]
        )
    )


def _checked(bundle: Resource) -> Resource:
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise _not_a_bundle("Bundle.entry")
    for number, entry in enumerate(entries):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise _not_a_bundle(f"Bundle.entry[{number}].resource")
        if not isinstance(entry.get("fullUrl", ""), str) or not isinstance(resource.get("id", ""), str):
            raise _not_a_bundle(f"Bundle.entry[{number}]")
    return bundle


def earlier_bundles(previous: Resource) -> list[Resource]:
    """What an earlier conversation left: its extraction (a response is extracted first)."""
    if previous.get("resourceType") == "QuestionnaireResponse":
        return [extract(previous)]
    return [_checked(previous)]


def patient_of(bundles: Sequence[Resource]) -> str:
    """The patient id of the earlier conversation; refused when it names none or several."""
    found = set()
    for bundle in bundles:
        response = _previous_response(bundle)
        reference = str(((response or {}).get("subject") or {}).get("reference") or "")
        if reference.startswith("Patient/"):
            found.add(reference.removeprefix("Patient/"))
    if len(found) != 1:
        raise InvalidInputError(
            outcome(
                [
                    issue(
                        "error",
                        "required",
                        "Het eerdere gesprek noemt geen (of meer dan één) patiënt als Patient/ID; "
                        "geef --patient.",
                        "The earlier conversation names no (or more than one) patient as Patient/ID; "
                        "give --patient.",
                        "QuestionnaireResponse.subject",
                    )
                ]
            )
        )
    return found.pop()


def populate_followup(
    record: Record,
    *,
    patient: str,
    authored: str | None = None,
    author: Resource | None = None,
    artifacts: Artifacts | None = None,
) -> Resource:
    """The follow-up response for ``patient``, pre-filled from ``record``."""
    questionnaire = followup_questionnaire(artifacts)
    return populate(questionnaire, record, patient=patient, authored=authored or now(), author=author)


def populate_from(previous: Resource, *, patient: str | None = None, authored: str | None = None) -> Resource:
    """The follow-up pre-filled from an earlier response or its extracted bundle (no server)."""
    bundles = earlier_bundles(previous)
    return populate_followup(BundleRecord(bundles), patient=patient or patient_of(bundles), authored=authored)
