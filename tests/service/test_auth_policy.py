"""The authorization table (issue 19): every route that carries a reference × every token kind ×
every place and spelling a reference can take (relative, absolute, ``_history``, a repeated
parameter, the goal identifiers of a review). Each cell is allowed or refused, and a refused
answer holds nothing of the other patient."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from fhir_werk.followup import answered, conversations

from .auth_kit import bearer, idp, post_as, secured, stored, token
from .kit import FHIR, TestClient, example

__all__ = ["idp", "secured", "stored"]  # the fixtures, imported for pytest

QR = "/fhir/QuestionnaireResponse"
OWN, OTHER = "voorbeeld-els", "voorbeeld-sanne"
CLAIMS: dict[str, dict[str, Any]] = {
    "patient": {"scope": "patient/*.cruds", "patient": OWN},
    "relative": {"scope": "user/*.cruds", "fhirUser": "RelatedPerson/partner-1", "patient": OWN},
    "practitioner": {"scope": "user/*.cruds", "fhirUser": "Practitioner/arts-3"},
    "colleague": {"scope": "user/*.cruds", "fhirUser": "Practitioner/arts-9"},
    "system": {},
}
"""Each token kind's scope and claims."""


def token_of(kind: str) -> str:
    """A token of ``kind``, made when a test runs: one made at collection lives five minutes and
    could expire before a late test on a loaded machine uses it."""
    return token(**CLAIMS[kind])


BOUND = {"patient", "relative"}
"""Token kinds that reach one patient only."""


def _populate_body(*references: str) -> dict[str, Any]:
    parts = [{"name": "subject", "valueReference": {"reference": r}} for r in references]
    return {"resourceType": "Parameters", "parameter": parts}


def _populate(client: TestClient, value: str, *references: str) -> Any:
    return client.post(
        "/fhir/Questionnaire/vervolggesprek/$populate",
        content=json.dumps(_populate_body(*references)),
        headers=FHIR | bearer(value),
    )


def _as_author(kind: str) -> dict[str, str]:
    # The practitioner signs as themself; the colleague sends the practitioner as author.
    del kind
    return {"reference": "Practitioner/arts-3"}


def _create(subject: str) -> Callable[[TestClient, str, str, dict[str, str]], Any]:
    def run(client: TestClient, kind: str, value: str, ids: dict[str, str]) -> Any:
        response = example(subject={"reference": subject}, identifier={"value": f"t-{kind}-{subject[-12:]}"})
        response["author"] = _as_author(kind)
        return post_as(client, response, value)

    return run


def _get(path: str, **params: str) -> Callable[[TestClient, str, str, dict[str, str]], Any]:
    def run(client: TestClient, kind: str, value: str, ids: dict[str, str]) -> Any:
        return client.get(path.format(**ids), params=params, headers=bearer(value))

    return run


def _populate_case(*references: str) -> Callable[[TestClient, str, str, dict[str, str]], Any]:
    def run(client: TestClient, kind: str, value: str, ids: dict[str, str]) -> Any:
        return _populate(client, value, *references)

    return run


def _review_naming_others_goals(client: TestClient, kind: str, value: str, ids: dict[str, str]) -> Any:
    filled = _populate(client, token_of("system"), f"Patient/{OTHER}").json()["parameter"][0]["resource"]
    response = answered(filled, conversations()[0])
    response |= {
        "status": "completed",
        "subject": {"reference": f"Patient/{OWN}"},
        "identifier": {"system": "https://fhir-werk.nl/fhir/NamingSystem/test", "value": f"kaping-{kind}"},
        "author": _as_author(kind),
    }
    return post_as(client, response, value)


# case: (action, status per kind: bound token kinds, practitioner, colleague, system)
CASES: dict[str, tuple[Callable[[TestClient, str, str, dict[str, str]], Any], tuple[int, int, int, int]]] = {
    "create, subject relative": (_create(f"Patient/{OTHER}"), (403, 201, 403, 201)),
    "create, subject absolute": (
        _create(f"https://epd.example.org/fhir/Patient/{OTHER}"),
        (403, 201, 403, 201),
    ),
    "create, subject _history": (_create(f"Patient/{OTHER}/_history/1"), (403, 201, 403, 201)),
    "read by id": (_get(QR + "/{sanne}"), (403, 200, 200, 200)),
    "vread by id": (_get(QR + "/{sanne}/_history/1"), (403, 200, 200, 200)),
    "search patient=": (_get(QR, patient=OTHER), (403, 200, 200, 200)),
    "search subject absolute": (
        _get(QR, subject=f"https://epd.example.org/fhir/Patient/{OTHER}"),
        (403, 200, 200, 200),
    ),
    "search patient=own,other": (_get(QR, patient=f"{OWN},{OTHER}"), (403, 200, 200, 200)),
    "Goal search": (_get("/fhir/Goal", patient=OTHER), (403, 200, 200, 200)),
    "CarePlan search": (_get("/fhir/CarePlan", patient=f"Patient/{OTHER}"), (403, 200, 200, 200)),
    "populate, other": (_populate_case(f"Patient/{OTHER}"), (403, 200, 200, 200)),
    "populate, other absolute": (_populate_case(f"http://x/fhir/Patient/{OTHER}"), (403, 200, 200, 200)),
    "populate, two subjects": (_populate_case(f"Patient/{OWN}", f"Patient/{OTHER}"), (400, 400, 400, 400)),
    "populate, own then other absolute": (
        _populate_case(f"http://x/fhir/Patient/{OWN}", f"Patient/{OTHER}"),
        (400, 400, 400, 400),
    ),
    "populate, own _history": (_populate_case(f"Patient/{OWN}/_history/1"), (200, 200, 200, 200)),
    "populate, not a patient": (_populate_case(f"Group/{OTHER}"), (400, 400, 400, 400)),
    "review names the other's goals": (_review_naming_others_goals, (422, 422, 403, 422)),
}


@pytest.mark.parametrize("kind", list(CLAIMS))
@pytest.mark.parametrize("case", list(CASES))
def test_the_authorization_table(secured: TestClient, stored: dict[str, str], case: str, kind: str) -> None:
    action, statuses = CASES[case]
    bound, practitioner, colleague, system = statuses
    expected = {"practitioner": practitioner, "colleague": colleague, "system": system}.get(kind, bound)
    answer = action(secured, kind, token_of(kind), stored)
    assert answer.status_code == expected, answer.text[:400]
    assert "Traceback" not in answer.text
    if expected >= 400:
        assert answer.json()["resourceType"] == "OperationOutcome"
        # nothing of the other patient: not their id, not their response's id, not their goals
        assert stored["sanne"] not in answer.text
        assert "Mijn 28 uur" not in answer.text
    if expected == 200 and kind in BOUND:
        assert OTHER not in answer.text
        assert stored["sanne"] not in answer.text
