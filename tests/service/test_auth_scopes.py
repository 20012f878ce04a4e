"""SMART v2 scopes per route (table-driven over ``ROUTES``) and the scope grammar."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fhir_werk.service import ROUTES, Route
from fhir_werk.service.auth._scopes import Scope, parse_scope, parse_scopes, route_permission

from .auth_kit import bearer, idp, secured, token
from .kit import FHIR, TestClient, assert_outcome, example

__all__ = ["idp", "secured"]  # the fixtures, imported for pytest

_ORDER = "cruds"
_GUARDED = [r for r in ROUTES if not route_permission(r).open]


def _path(route: Route) -> str:
    return "/fhir" + route.path.replace("{id}", "onbekend-1").replace("{vid}", "1")


def _body(route: Route) -> bytes | None:
    if not route.body:
        return None
    if route.operation == "populate":
        subject = {"name": "subject", "valueReference": {"reference": "Patient/voorbeeld-els"}}
        return json.dumps({"resourceType": "Parameters", "parameter": [subject]}).encode()
    if route.resource == "Questionnaire":
        return json.dumps({"resourceType": "Questionnaire", "status": "active"}).encode()
    return json.dumps(example()).encode()


def _call(client: TestClient, route: Route, scope: str) -> Any:
    return client.request(
        route.method, _path(route), content=_body(route), headers=FHIR | bearer(token(scope))
    )


def _name(route: Route) -> str:
    return f"{route.method} {route.path}"


def test_every_route_has_a_permission() -> None:
    for route in ROUTES:
        route_permission(route)
    unmapped = Route("POST", "/CarePlan/$nieuw", lambda: None, "?", "CarePlan", operation="nieuw")
    with pytest.raises(KeyError):
        route_permission(unmapped)
    with pytest.raises(KeyError):
        route_permission(Route("PATCH", "/CarePlan/{id}", lambda: None, "?", "CarePlan", "patch"))


@pytest.mark.parametrize("route", _GUARDED, ids=_name)
def test_the_needed_scope_is_enough(secured: TestClient, route: Route) -> None:
    scope = " ".join(f"system/{resource}.{letter}" for resource, letter in route_permission(route).needs)
    answer = _call(secured, route, scope)
    assert answer.status_code not in (401, 403), (scope, answer.text[:300])


@pytest.mark.parametrize("route", _GUARDED, ids=_name)
def test_every_other_permission_is_not(secured: TestClient, route: Route) -> None:
    needs = route_permission(route).needs
    scopes = []
    for resource, letter in needs:
        others = "".join(c for c in _ORDER if c != letter)
        scopes.append(f"system/{resource}.{others} user/{resource}.{others} patient/*.{others}")
    answer = _call(secured, route, " ".join(scopes))
    result = assert_outcome(answer, 403, "forbidden", "mist de scope")
    assert "insufficient_scope" in answer.headers["www-authenticate"]
    assert result["issue"][0]["diagnostics"].startswith("The token lacks the scope")


@pytest.mark.parametrize(
    ("route", "permission"),
    [
        (("GET", "/QuestionnaireResponse/{id}"), (("QuestionnaireResponse", "r"),)),
        (("GET", "/QuestionnaireResponse/{id}/_history/{vid}"), (("QuestionnaireResponse", "r"),)),
        (("GET", "/QuestionnaireResponse/{id}/_history"), (("QuestionnaireResponse", "r"),)),
        (("GET", "/QuestionnaireResponse"), (("QuestionnaireResponse", "s"),)),
        (("POST", "/QuestionnaireResponse"), (("QuestionnaireResponse", "c"),)),
        (("PUT", "/QuestionnaireResponse/{id}"), (("QuestionnaireResponse", "u"),)),
        (("POST", "/QuestionnaireResponse/$validate"), (("QuestionnaireResponse", "c"),)),
        (("POST", "/QuestionnaireResponse/$extract"), (("QuestionnaireResponse", "c"),)),
        (("GET", "/QuestionnaireResponse/{id}/$delivery"), (("QuestionnaireResponse", "r"),)),
        (("GET", "/Questionnaire/{id}/$assemble"), (("Questionnaire", "r"),)),
        (("POST", "/Questionnaire/$assemble"), (("Questionnaire", "r"),)),
        (
            ("POST", "/Questionnaire/{id}/$populate"),
            (("Questionnaire", "r"), ("QuestionnaireResponse", "r")),
        ),
        (("GET", "/CarePlan"), (("CarePlan", "s"),)),
        (("GET", "/AuditEvent"), (("AuditEvent", "s"),)),
        (("GET", "/metadata"), ()),
    ],
)
def test_the_permission_of_each_interaction(
    route: tuple[str, str], permission: tuple[tuple[str, str], ...]
) -> None:
    (found,) = [r for r in ROUTES if (r.method, r.path) == route]
    assert route_permission(found).needs == permission


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("system/QuestionnaireResponse.c", Scope("system", "QuestionnaireResponse", frozenset("c"))),
        ("user/CarePlan.rs", Scope("user", "CarePlan", frozenset("rs"))),
        ("patient/*.rs", Scope("patient", "*", frozenset("rs"))),
        ("patient/*.cruds", Scope("patient", "*", frozenset("cruds"))),
        ("system/*.read", Scope("system", "*", frozenset("rs"))),  # v1
        ("user/Goal.write", Scope("user", "Goal", frozenset("cud"))),  # v1
        ("patient/*.*", Scope("patient", "*", frozenset("cruds"))),  # v1
        ("patient/Observation.sr", None),  # v2 letters keep their order
        ("patient/Observation.rr", None),
        # Kept with its parameters (which grant nothing): a request it alone covers is refused.
        (
            "patient/Observation.rs?category=laboratory",
            Scope("patient", "Observation", frozenset("rs"), "category=laboratory"),
        ),
        ("patient/Observation.cu?category=laboratory", None),  # parameters on r and s only
        ("patient/Observation.rs?", None),
        ("patient/Observation.x", None),
        ("launch/patient", None),
        ("openid", None),
        ("admin/*.cruds", None),
    ],
)
def test_scope_grammar(text: str, expected: Scope | None) -> None:
    assert parse_scope(text) == expected


def test_the_scope_claim_may_be_a_list() -> None:
    assert len(parse_scopes(["system/*.rs", "openid"])) == 1
    assert len(parse_scopes("system/*.rs  user/Goal.c openid")) == 2
    assert parse_scopes(None) == ()


def test_v1_read_does_not_write(secured: TestClient) -> None:
    headers = FHIR | bearer(token("system/*.read"))
    assert secured.get("/fhir/QuestionnaireResponse", headers=headers).status_code == 200
    refused = secured.post("/fhir/QuestionnaireResponse", content=json.dumps(example()), headers=headers)
    assert_outcome(refused, 403, "forbidden", "mist de scope")
