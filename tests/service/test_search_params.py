"""Search parameters that are not what they seem (issue 19, item 5): digits of other scripts
(``str.isdigit`` takes '²'), dates at the edge of the representable range, a number too long for
``int``. Each is a 400 OperationOutcome; a property over every search parameter of every route
finds no 5xx."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fhir_werk.service import ROUTES

from .kit import TestClient, assert_outcome, example, post

SEARCHES = [(f"/fhir{r.path}", sorted(r.search)) for r in ROUTES if r.interaction == "search-type"]
PAGING = ["_count", "_offset", "_summary"]
NASTY = [
    "²",
    "¹",
    "٣",
    "9999",
    "eq9999-12",
    "eq9999-12-31T23:59:59-14:00",
    "ge0001-01-01T00:00:00+14:00",
    "lt0001",
    "9" * 5000,
    "２０２６",
    "ge２０２６-01-01",
    "\x00",
    "Patient/\u202e",
    "",
]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("_offset", "²"),
        ("_count", "¹"),
        ("_count", "9" * 5000),
        ("authored", "9999"),
        ("authored", "eq9999-12"),
        ("authored", "ge0001-01-01T00:00:00+14:00"),
        ("authored", "２０２６"),
    ],
)
def test_what_the_attacker_sent_is_a_400(client: TestClient, name: str, value: str) -> None:
    answer = client.get("/fhir/QuestionnaireResponse", params={name: value})
    assert_outcome(answer, 400, "invalid")


def test_a_stored_authored_at_the_edge_of_the_range_is_no_500(client: TestClient) -> None:
    created = post(client, example(authored="0001-01-01T00:00:00+14:00"))
    assert created.status_code < 500, created.text[:300]
    assert client.get(f"/fhir/QuestionnaireResponse/x/_history/{'²'}").status_code == 404


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    search=st.sampled_from(SEARCHES),
    pick=st.integers(min_value=0, max_value=1000),
    value=st.one_of(st.sampled_from(NASTY), st.text(max_size=40)),
)
def test_no_search_parameter_of_any_route_ends_in_a_5xx(
    client: TestClient, search: tuple[str, list[str]], pick: int, value: str
) -> None:
    path, names = search
    candidates = names + PAGING
    name = candidates[pick % len(candidates)]
    answer = client.get(path, params={name: value})
    assert answer.status_code < 500, (path, name, value, answer.text[:300])
    if answer.status_code >= 400:
        assert answer.json()["resourceType"] == "OperationOutcome"
