"""``user/`` scopes narrowed by the token's ``fhirUser``, and scopes with search parameters
refused explicitly (403 that says so) instead of silently granting nothing."""

from __future__ import annotations

import json

import pytest

from fhir_werk.service.auth._tokens import _fhir_user

from .auth_kit import bearer, idp, post_as, secured, stored, token
from .kit import FHIR, TestClient, assert_outcome, example

__all__ = ["idp", "secured", "stored"]  # the fixtures, imported for pytest

QR = "/fhir/QuestionnaireResponse"
USER = "user/*.cruds"


@pytest.mark.parametrize(
    ("claim", "expected"),
    [
        ("Practitioner/arts-3", "Practitioner/arts-3"),
        ("https://epd.example.org/fhir/Patient/voorbeeld-els", "Patient/voorbeeld-els"),
        ("https://epd.example.org/fhir/RelatedPerson/partner-1/", "RelatedPerson/partner-1"),
        (None, None),
        ("arts-3", "?"),
        (17, "?"),
    ],
)
def test_the_fhir_user_claim(claim: object, expected: str | None) -> None:
    assert _fhir_user(claim) == expected


def test_a_patient_fhir_user_reaches_that_patient_only(secured: TestClient, stored: dict[str, str]) -> None:
    own = bearer(token(USER, fhirUser="https://epd.example.org/fhir/Patient/voorbeeld-els"))
    assert secured.get(f"{QR}/{stored['els']}", headers=own).status_code == 200
    assert_outcome(secured.get(f"{QR}/{stored['sanne']}", headers=own), 403, "forbidden", "eigen patiënt")
    found = secured.get(QR, headers=own).json()  # narrowed, as a patient token's search
    assert [e["resource"]["id"] for e in found["entry"]] == [stored["els"]]
    refused = post_as(
        secured,
        example("sanne-werkt-met-klachten", identifier={"value": "x"}),
        token(USER, fhirUser="Patient/voorbeeld-els"),
    )
    assert_outcome(refused, 403, "forbidden")


def test_a_related_person_reaches_the_launch_patient_or_no_one(
    secured: TestClient, stored: dict[str, str]
) -> None:
    partner = bearer(token(USER, fhirUser="RelatedPerson/partner-1", patient="voorbeeld-els"))
    assert secured.get(f"{QR}/{stored['els']}", headers=partner).status_code == 200
    assert_outcome(secured.get(f"{QR}/{stored['sanne']}", headers=partner), 403, "forbidden")
    unlaunched = bearer(token(USER, fhirUser="RelatedPerson/partner-1"))
    assert_outcome(secured.get(f"{QR}/{stored['els']}", headers=unlaunched), 403, "forbidden", "'patient'")


def test_a_practitioner_reaches_every_patient_but_signs_only_as_themself(
    secured: TestClient, stored: dict[str, str]
) -> None:
    arts = token(USER, fhirUser="Practitioner/arts-3")
    for resource_id in stored.values():
        assert secured.get(f"{QR}/{resource_id}", headers=bearer(arts)).status_code == 200
    colleague = example("mohamed-ziek-met-contract", author={"reference": "Practitioner/arts-9"})
    assert_outcome(post_as(secured, colleague, arts), 403, "forbidden", "niet de gebruiker van het token")
    themself = example("mohamed-ziek-met-contract", author={"reference": "Practitioner/arts-3"})
    assert post_as(secured, themself, arts).status_code == 201
    organisation = example("pieter-deelt-niets", author={"reference": "Organization/ggz"})
    assert post_as(secured, organisation, arts).status_code == 201  # not a practitioner: not checked


def test_a_user_scope_with_another_kind_of_fhir_user_reaches_nothing(
    secured: TestClient, stored: dict[str, str]
) -> None:
    for claim in ("Device/robot-1", "niet-een-verwijzing"):
        answer = secured.get(f"{QR}/{stored['els']}", headers=bearer(token(USER, fhirUser=claim)))
        assert_outcome(answer, 403, "forbidden", "fhirUser")
    # Without the claim a user/ scope reaches every patient, as the EPD that issued it vouches.
    assert secured.get(f"{QR}/{stored['sanne']}", headers=bearer(token(USER))).status_code == 200
    # A published form is nobody's: any fhirUser reads it.
    form = secured.get("/fhir/Questionnaire/leidraad", headers=bearer(token(USER, fhirUser="Device/x")))
    assert form.status_code == 200


def test_a_scope_with_search_parameters_is_refused_with_the_reason(
    secured: TestClient, stored: dict[str, str]
) -> None:
    restricted = bearer(token("system/CarePlan.rs?status=active system/QuestionnaireResponse.r"))
    answer = secured.get("/fhir/CarePlan", headers=restricted)
    outcome = assert_outcome(answer, 403, "forbidden", "zoekparameters")
    assert "CarePlan.s" in outcome["issue"][0]["details"]["text"]
    assert answer.headers["www-authenticate"].endswith('error="insufficient_scope"')
    # The scopes without parameters in the same token still count.
    assert secured.get(f"{QR}/{stored['els']}", headers=restricted).status_code == 200
    # A plain missing scope says only that.
    missing = assert_outcome(secured.get("/fhir/Goal", headers=restricted), 403, "forbidden")
    assert "zoekparameters" not in missing["issue"][0]["details"]["text"]


@pytest.mark.parametrize(
    "author",
    [
        {"reference": "Practitioner/arts-9/_history/1"},
        {"reference": "https://epd.example.org/fhir/Practitioner/arts-9"},
        {"reference": "PractitionerRole/rol-van-arts-9"},
        {"display": "Dr. Arts-3"},
        {"identifier": {"system": "http://fhir.nl/fhir/NamingSystem/big", "value": "123"}},
        {"reference": "Practitioner/"},
    ],
)
def test_a_practitioner_cannot_sign_as_a_colleague_in_any_spelling(
    secured: TestClient, author: dict[str, object]
) -> None:
    arts = token(USER, fhirUser="Practitioner/arts-3")
    answer = post_as(secured, example("mohamed-ziek-met-contract", author=author), arts)
    assert_outcome(answer, 403, "forbidden", "niet de gebruiker van het token")
    # spelled any way, the user themself is fine
    for own in ("Practitioner/arts-3/_history/2", "https://epd.example.org/fhir/Practitioner/arts-3"):
        fine = example("mohamed-ziek-met-contract", author={"reference": own}, identifier={"value": own})
        assert post_as(secured, fine, arts).status_code == 201


def test_a_practitioner_neither_takes_over_nor_deletes_a_colleagues_response(secured: TestClient) -> None:
    colleague = token(USER, fhirUser="Practitioner/arts-9")
    draft = example(
        "mohamed-ziek-met-contract", author={"reference": "Practitioner/arts-9"}, status="in-progress"
    )
    created = post_as(secured, draft, colleague)
    assert created.status_code == 201, created.text
    resource_id = created.json()["id"]
    arts = bearer(token(USER, fhirUser="Practitioner/arts-3"))
    taken = created.json() | {"author": {"reference": "Practitioner/arts-3"}}
    answer = secured.put(f"{QR}/{resource_id}", content=json.dumps(taken), headers=FHIR | arts)
    assert_outcome(answer, 403, "forbidden", "niet de gebruiker van het token")
    assert_outcome(secured.delete(f"{QR}/{resource_id}", headers=arts), 403, "forbidden")
    # the colleague's own response is untouched, and they may still change it themselves
    assert secured.get(f"{QR}/{resource_id}", headers=arts).json()["meta"]["versionId"] == "1"
    assert secured.delete(f"{QR}/{resource_id}", headers=bearer(colleague)).status_code in (200, 204)
