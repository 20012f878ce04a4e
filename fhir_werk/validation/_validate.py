"""Validate a QuestionnaireResponse against the Questionnaire it names (``$validate``).

Implements the R4 rules of https://hl7.org/fhir/R4/questionnaireresponse.html (status,
subject, items matched to the Questionnaire by linkId and nesting, answer types per item type,
answerOption / answerValueSet, ``required``, ``repeats``, ``enableWhen``) plus the core
extensions minValue, maxValue and minLength and the ``maxLength`` element
(https://hl7.org/fhir/R4/questionnaire.html). The result is an OperationOutcome whose issues
carry the linkId path in ``expression`` and a Dutch message with its English translation.

Pure: plain dicts in, an OperationOutcome dict out; no I/O. The Questionnaire's index is kept
between calls (:func:`~fhir_werk.validation._index.cached_index`, per ``url|version`` and object:
the same Questionnaire gives the same index, so the result is as if it were rebuilt); a
Questionnaire is not to be changed in place once validated against.

Layout: :mod:`fhir_werk.validation._index` maps the response onto the Questionnaire,
:mod:`fhir_werk.validation._enable_when` decides what is enabled, :mod:`fhir_werk.validation._items` holds
the item rules, :mod:`fhir_werk.validation._values` the value formats and ordering.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from fhir_werk.publishing import Artifacts
from fhir_werk.shared import (
    ASSEMBLED_FROM,
    InvalidInputError,
    NotFoundError,
    Resource,
    Severity,
    issue,
    not_found,
    outcome,
)
from fhir_werk.validation._checks import Checks
from fhir_werk.validation._enable_when import Enablement
from fhir_werk.validation._index import cached_index, response_tree
from fhir_werk.validation._items import check_tree
from fhir_werk.validation._reader import InputLimits, default_limits
from fhir_werk.validation._structure import check_structure
from fhir_werk.validation._values import DATETIME_RE, real_date

RESPONSE_STATUSES: Final = ("in-progress", "completed", "amended", "entered-in-error", "stopped")
"""The R4 QuestionnaireResponse status codes."""

_FINAL_STATUSES: Final = ("completed", "amended")
_QUESTIONNAIRE: Final = "QuestionnaireResponse.questionnaire"
_AUTHORED: Final = "QuestionnaireResponse.authored"
_SUBJECT: Final = "QuestionnaireResponse.subject"
# A full dateTime with seconds and a timezone: what Provenance.recorded (an instant) needs.
_FULL_DATETIME: Final = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"
)
_PATIENT_ID: Final = r"Patient/[A-Za-z0-9\-.]{1,64}(/_history/[A-Za-z0-9\-.]{1,64})?"
_PATIENT_REFERENCE: Final = re.compile(rf"({_PATIENT_ID}|[a-z][a-z0-9+.-]*://[^\s]+/{_PATIENT_ID})")


def validate_response(
    response: Resource,
    questionnaire: Resource,
    *,
    artifacts: Artifacts | None = None,
    limits: InputLimits | None = None,
) -> Resource:
    """Validate ``response`` against ``questionnaire``; return an OperationOutcome.

    ``artifacts`` resolves ``answerValueSet`` canonicals; without it (or for a ValueSet it does
    not hold) coded answers are not checked against the ValueSet and an information or warning
    issue says so. A response without problems gives ``outcome([])``. Missing required answers
    are errors when the response is ``completed`` or ``amended``, warnings otherwise.

    The FHIR JSON rules (:mod:`fhir_werk.validation._structure`) are checked first; past one of
    ``limits`` (default :class:`InputLimits` from the environment) the outcome holds the
    ``too-costly`` issues and the item rules are not run. Where an item rule and a JSON rule
    find the same place at fault, the item rule's more specific issue is kept.

    >>> q = {"resourceType": "Questionnaire", "url": "https://example.org/Q",
    ...      "item": [{"linkId": "uren", "type": "integer", "required": True}]}
    >>> qr = {"resourceType": "QuestionnaireResponse", "questionnaire": "https://example.org/Q",
    ...       "status": "completed", "subject": {"reference": "Patient/1"},
    ...       "authored": "2026-11-05T14:00:00+01:00",
    ...       "item": [{"linkId": "uren", "answer": [{"valueString": "acht"}]}]}
    >>> [i["diagnostics"] for i in validate_response(qr, q)["issue"]]
    ["Answer to 'uren' has the wrong type: expected whole number (valueInteger), got text (valueString)."]
    """
    if response.get("resourceType") != "QuestionnaireResponse":
        return outcome(
            [
                issue(
                    "error",
                    "invalid",
                    "Dit is geen QuestionnaireResponse (ingevulde vragenlijst).",
                    "This is not a QuestionnaireResponse.",
                    "resourceType",
                )
            ]
        )
    resource = list(check_resource(response, questionnaire))
    structure = list(check_structure(response, limits if limits is not None else default_limits()))
    if any(i["code"] == "too-costly" for i in structure):
        return outcome([*resource, *structure])
    index = cached_index(questionnaire)
    tree = response_tree(response, index)
    checks = Checks(Enablement(tree, index), artifacts, _required_severity(response), questionnaire)
    items = list(check_tree(tree, index.roots, checks))
    taken = {e for i in (*resource, *items) if i["severity"] == "error" for e in i.get("expression", ())}
    structure = [i for i in structure if i["expression"][0] not in taken]
    return outcome([*resource, *structure, *items])


def _required_severity(response: Resource) -> Severity:
    status = response.get("status")
    # A missing or unknown status is an error of its own; judge completeness strictly then.
    return "warning" if status in RESPONSE_STATUSES and status not in _FINAL_STATUSES else "error"


def check_resource(response: Resource, questionnaire: Resource) -> Iterator[Resource]:
    """The response-level rules: questionnaire named (and the one given), status, subject, authored."""
    yield from check_questionnaire_reference(response, questionnaire)
    yield from check_status(response)
    yield from check_subject(response)
    yield from check_authored(response)


def check_questionnaire_reference(response: Resource, questionnaire: Resource) -> Iterator[Resource]:
    """``questionnaire`` must be present and name the Questionnaire validated against."""
    named = response.get("questionnaire")
    if not isinstance(named, str) or not named.strip():
        yield issue(
            "error",
            "required",
            "Het antwoord vermeldt niet welke vragenlijst is ingevuld (questionnaire ontbreekt).",
            "The response does not say which Questionnaire it answers (questionnaire is missing).",
            _QUESTIONNAIRE,
        )
        return
    own_url, own_version = questionnaire.get("url"), questionnaire.get("version")
    if own_url and named not in _names_of(questionnaire):
        own = f"{own_url}|{own_version}" if own_version else str(own_url)
        yield issue(
            "error",
            "value",
            f"Het antwoord hoort bij vragenlijst '{named}', maar is gecontroleerd tegen '{own}'.",
            f"The response answers Questionnaire '{named}' but was checked against '{own}'.",
            _QUESTIONNAIRE,
        )


def _names_of(questionnaire: Resource) -> set[str]:
    """The canonicals a response may name for ``questionnaire``: its url, with or without its
    version, and for an assembled modular form (SDC) the root it was assembled from."""
    url, version = questionnaire.get("url"), questionnaire.get("version")
    names = {str(url), f"{url}|{version}"} if version else {str(url)}
    for ext in questionnaire.get("extension") or ():
        if not isinstance(ext, dict) or ext.get("url") != ASSEMBLED_FROM:
            continue
        if isinstance(origin := ext.get("valueCanonical"), str):
            names.add(origin)
    return names


def check_status(response: Resource) -> Iterator[Resource]:
    """``status`` must be present and one of the R4 codes."""
    status = response.get("status")
    if status is None:
        yield issue(
            "error",
            "required",
            "De status van het antwoord ontbreekt (bijvoorbeeld 'completed').",
            "The response status is missing (for example 'completed').",
            "QuestionnaireResponse.status",
        )
    elif not isinstance(status, str):
        return  # the wrong JSON type is a structure issue
    elif status not in RESPONSE_STATUSES:
        allowed = ", ".join(RESPONSE_STATUSES)
        yield issue(
            "error",
            "value",
            f"Onbekende status '{status}'; toegestaan zijn: {allowed}.",
            f"Unknown status '{status}'; allowed are: {allowed}.",
            "QuestionnaireResponse.status",
        )


def check_subject(response: Resource) -> Iterator[Resource]:
    """``subject`` (the patient) must be present and be a Reference."""
    subject = response.get("subject")
    if subject is None:
        yield issue(
            "error",
            "required",
            "Het antwoord is aan geen patiënt gekoppeld (subject ontbreekt).",
            "The response is not linked to a patient (subject is missing).",
            _SUBJECT,
        )
    elif not isinstance(subject, dict) or not any(k in subject for k in ("reference", "identifier")):
        yield issue(
            "error",
            "value",
            "De patiënt van het antwoord is geen geldige verwijzing "
            "(subject.reference of subject.identifier).",
            "The response subject is not a valid reference (subject.reference or subject.identifier).",
            _SUBJECT,
        )
    elif not _is_patient(subject):
        yield issue(
            "error",
            "value",
            "De patiënt van het antwoord (subject) moet naar een Patient verwijzen "
            "(Patient/id of een volledige URL die eindigt op /Patient/id).",
            "The response subject must refer to a Patient "
            "(Patient/id or an absolute URL ending in /Patient/id).",
            _SUBJECT,
        )


def _is_patient(subject: Resource) -> bool:
    """``subject.reference`` names a Patient; without one, ``type`` must say Patient."""
    if subject.get("type", "Patient") != "Patient":
        return False
    reference = subject.get("reference")
    if reference is None and "_reference" not in subject:
        return True  # a logical reference (identifier) of type Patient
    return isinstance(reference, str) and _PATIENT_REFERENCE.fullmatch(reference) is not None


def check_authored(response: Resource) -> Iterator[Resource]:
    """``authored`` is required for a completed or amended response, as a full dateTime with
    timezone (extraction copies it into ``Provenance.recorded``, an instant); for a draft any
    FHIR dateTime will do."""
    authored, final = response.get("authored"), response.get("status") in _FINAL_STATUSES
    if authored is None:
        if final:
            yield issue(
                "error",
                "required",
                "Het antwoord is afgerond maar vermeldt niet wanneer (authored ontbreekt).",
                "The response is complete but does not say when (authored is missing).",
                _AUTHORED,
            )
        return
    if not isinstance(authored, str):
        return  # the wrong JSON type is a structure issue
    pattern = _FULL_DATETIME if final else DATETIME_RE
    if pattern.fullmatch(authored) is None or not real_date(authored):
        yield issue(
            "error",
            "value",
            "De datum van invullen (authored) is geen volledige datum en tijd met tijdzone "
            "(bijvoorbeeld 2026-11-05T14:00:00+01:00).",
            "The authored date is not a full date and time with timezone "
            "(for example 2026-11-05T14:00:00+01:00).",
            _AUTHORED,
        )


def resolve_questionnaire(response: Resource, artifacts: Artifacts) -> Resource:
    """The Questionnaire that ``response.questionnaire`` names (``url`` or ``url|version``).

    Raises InvalidInputError when the response names none, NotFoundError when ``artifacts``
    does not hold it (or not in that version); both carry an OperationOutcome with expression
    ``QuestionnaireResponse.questionnaire``.
    """
    named = response.get("questionnaire")
    if not isinstance(named, str) or not named.strip():
        raise InvalidInputError(outcome(check_questionnaire_reference(response, {})))
    found = artifacts.get(named)
    if found is not None and found.get("resourceType") == "Questionnaire":
        return found
    url, _, version = named.partition("|")
    other = artifacts.get(url) if version else None
    if other is not None and other.get("resourceType") == "Questionnaire":
        known = other.get("version", "?")
        raise NotFoundError(
            not_found(
                f"Vragenlijst '{url}' is onbekend in versie '{version}' (bekend: versie '{known}').",
                f"Questionnaire '{url}' is unknown in version '{version}' (known: version '{known}').",
                _QUESTIONNAIRE,
            )
        )
    raise NotFoundError(
        not_found(
            f"Vragenlijst '{named}' is onbekend.", f"Questionnaire '{named}' is unknown.", _QUESTIONNAIRE
        )
    )
