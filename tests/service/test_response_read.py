"""QuestionnaireResponse read, vread, ``_history`` and search with ``_count`` paging."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_werk.publishing import published

from .kit import FHIR, TestClient, assert_outcome, body, example, post

NAMES = ("els-uitkering", "pieter-deelt-niets", "sanne-werkt-met-klachten", "mohamed-ziek-met-contract")


@pytest.fixture
def stored(client: TestClient) -> dict[str, dict[str, Any]]:
    return {name: post(client, example(name)).json() for name in NAMES}


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle["entry"]]


def test_read_has_the_etag(client: TestClient, stored: dict[str, dict[str, Any]]) -> None:
    els = stored["els-uitkering"]
    answer = client.get(f"/fhir/QuestionnaireResponse/{els['id']}")
    assert answer.json() == els
    assert answer.headers["etag"] == 'W/"1"'
    assert answer.headers["last-modified"] == els["meta"]["lastUpdated"]


def test_read_of_an_unknown_id_is_404(client: TestClient) -> None:
    assert_outcome(client.get("/fhir/QuestionnaireResponse/onbekend"), 404, "not-found", "bestaat niet")


def test_vread_and_history_after_an_update(client: TestClient, stored: dict[str, dict[str, Any]]) -> None:
    els = stored["els-uitkering"]
    url = f"/fhir/QuestionnaireResponse/{els['id']}"
    client.put(url, content=body(els | {"status": "amended"}), headers=FHIR)
    assert client.get(f"{url}/_history/1").json()["status"] == "completed"
    second = client.get(f"{url}/_history/2")
    assert second.json()["status"] == "amended"
    assert second.headers["etag"] == 'W/"2"'
    history = client.get(f"{url}/_history").json()
    assert history["type"] == "history"
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    assert [e["request"]["method"] for e in history["entry"]] == ["PUT", "POST"]


@pytest.mark.parametrize("version", ["3", "nul", "99999999999"])
def test_vread_of_a_version_that_does_not_exist_is_404(
    client: TestClient, stored: dict[str, dict[str, Any]], version: str
) -> None:
    answer = client.get(f"/fhir/QuestionnaireResponse/{stored['els-uitkering']['id']}/_history/{version}")
    assert_outcome(answer, 404, "not-found")


def test_history_of_an_unknown_id_is_404(client: TestClient) -> None:
    assert_outcome(client.get("/fhir/QuestionnaireResponse/onbekend/_history"), 404, "not-found")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"patient": "voorbeeld-els"}, ["els-uitkering"]),
        ({"patient": "Patient/voorbeeld-els,voorbeeld-pieter"}, ["els-uitkering", "pieter-deelt-niets"]),
        ({"subject": "Patient/voorbeeld-sanne"}, ["sanne-werkt-met-klachten"]),
        ({"status": "completed"}, list(NAMES)),
        ({"status": "amended"}, []),
        ({"authored": "2026-11-10"}, ["els-uitkering"]),
        ({"authored": "ge2026-11-10"}, ["els-uitkering", "pieter-deelt-niets"]),
        ({"authored": "lt2026-11-05"}, ["sanne-werkt-met-klachten"]),
        ({"authored": "le2026-11-05"}, ["sanne-werkt-met-klachten", "mohamed-ziek-met-contract"]),
        ({"authored": "gt2026-11-10T08:30:00Z"}, ["pieter-deelt-niets"]),
        ({"authored": "2026-11"}, list(NAMES)),
        (
            {"identifier": "https://fhir-werk.nl/fhir/NamingSystem/voorbeeld|pieter-deelt-niets"},
            ["pieter-deelt-niets"],
        ),
    ],
)
def test_search(
    client: TestClient, stored: dict[str, dict[str, Any]], params: dict[str, str], expected: list[str]
) -> None:
    bundle = client.get("/fhir/QuestionnaireResponse", params=params).json()
    assert sorted(_ids(bundle)) == sorted(stored[name]["id"] for name in expected)
    assert bundle["total"] == len(expected)


def test_search_with_two_authored_conditions_is_their_and(
    client: TestClient, stored: dict[str, dict[str, Any]]
) -> None:
    bundle = client.get("/fhir/QuestionnaireResponse?authored=ge2026-11-05&authored=lt2026-11-11").json()
    assert sorted(_ids(bundle)) == sorted(
        stored[n]["id"] for n in ("els-uitkering", "mohamed-ziek-met-contract")
    )


def test_paging_follows_next_links_newest_first(
    client: TestClient, stored: dict[str, dict[str, Any]]
) -> None:
    url: str | None = "/fhir/QuestionnaireResponse?status=completed&_count=3"
    pages = []
    while url:
        bundle = client.get(url).json()
        assert bundle["total"] == 4
        pages.append(_ids(bundle))
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    order = ["pieter-deelt-niets", "els-uitkering", "mohamed-ziek-met-contract", "sanne-werkt-met-klachten"]
    assert pages == [[stored[n]["id"] for n in order[:3]], [stored[order[3]]["id"]]]


def test_count_zero_gives_only_the_total(client: TestClient, stored: dict[str, dict[str, Any]]) -> None:
    bundle = client.get("/fhir/QuestionnaireResponse?_count=0").json()
    assert (bundle["total"], bundle["entry"]) == (4, [])


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("publisher=x", "'publisher'"),
        ("status=", "'status'"),
        ("authored=morgen", "Ongeldige datum"),
        ("authored=ne2026-01-01", "Ongeldige datum"),
        ("_count=-1", "_count"),
    ],
)
def test_a_bad_search_is_400(client: TestClient, query: str, text: str) -> None:
    assert_outcome(client.get(f"/fhir/QuestionnaireResponse?{query}"), 400, "invalid", text)


def test_summary_count_gives_the_total_only(client: TestClient, stored: dict[str, dict[str, Any]]) -> None:
    bundle = client.get("/fhir/QuestionnaireResponse?status=completed&_summary=count").json()
    assert (bundle["total"], bundle["entry"]) == (4, [])
    shipped = len(published().of_type("Questionnaire"))
    assert client.get("/fhir/Questionnaire?_summary=count").json()["total"] == shipped
    answer = client.get("/fhir/QuestionnaireResponse?_summary=true")
    assert_outcome(answer, 400, "invalid", "alleen 'count'")
