"""Questionnaire read and search over the published artifacts, and ``$assemble``."""

from __future__ import annotations

from typing import Any

import pytest

from fhir_werk.publishing import published

from .kit import FHIR, TestClient, assert_outcome, body


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle["entry"]]


def test_read_a_published_questionnaire(client: TestClient) -> None:
    answer = client.get("/fhir/Questionnaire/thema-3")
    assert answer.status_code == 200
    assert answer.json()["url"] == "https://fhir-werk.nl/fhir/Questionnaire/thema-3"


def test_read_an_unknown_questionnaire_is_404(client: TestClient) -> None:
    assert_outcome(
        client.get("/fhir/Questionnaire/thema-99"), 404, "not-found", "Questionnaire/thema-99 bestaat niet"
    )


def test_an_id_that_is_no_fhir_id_is_400(client: TestClient) -> None:
    assert_outcome(client.get("/fhir/Questionnaire/" + "x" * 65), 400, "invalid", "Ongeldige id")


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"url": "https://fhir-werk.nl/fhir/Questionnaire/leidraad"}, ["leidraad-assembled", "leidraad"]),
        ({"url": "https://fhir-werk.nl/fhir/Questionnaire/leidraad", "version": "0.1.0"}, ["leidraad"]),
        ({"name": "themawatkan"}, ["thema-3"]),
        ({"title": "arbeid als medicijn – thema 9"}, ["thema-9"]),
        ({"status": "retired"}, []),
    ],
)
def test_search(client: TestClient, params: dict[str, str], expected: list[str]) -> None:
    bundle = client.get("/fhir/Questionnaire", params=params).json()
    assert bundle["type"] == "searchset"
    assert sorted(_ids(bundle)) == sorted(expected)
    assert bundle["total"] == len(expected)


def test_search_all_pages_through_with_next_links(client: TestClient) -> None:
    seen: list[str] = []
    url: str | None = "/fhir/Questionnaire?status=active&_count=4"
    while url:
        bundle = client.get(url).json()
        assert bundle["total"] == len(published().of_type("Questionnaire"))
        seen += _ids(bundle)
        url = next((link["url"] for link in bundle["link"] if link["relation"] == "next"), None)
    assert sorted(seen) == sorted(q["id"] for q in published().of_type("Questionnaire"))


def test_an_unknown_search_parameter_is_400(client: TestClient) -> None:
    assert_outcome(
        client.get("/fhir/Questionnaire", params={"publisher": "x"}), 400, "invalid", "'publisher'"
    )


def test_assemble_an_instance_gives_the_published_assembled_form(client: TestClient) -> None:
    assembled = client.get("/fhir/Questionnaire/leidraad/$assemble").json()
    shipped = published().get("https://fhir-werk.nl/fhir/Questionnaire/leidraad|0.1.0-assembled")
    assert shipped is not None
    assert assembled["version"] == "0.1.0-assembled"
    assert assembled["item"] == shipped["item"]


def test_assemble_a_questionnaire_without_modules_returns_it(client: TestClient) -> None:
    assert client.get("/fhir/Questionnaire/thema-1/$assemble").json()["id"] == "thema-1"


def test_assemble_posted_in_parameters(client: TestClient) -> None:
    modular = client.get("/fhir/Questionnaire/leidraad").json()
    parameters = {"resourceType": "Parameters", "parameter": [{"name": "questionnaire", "resource": modular}]}
    answer = client.post("/fhir/Questionnaire/$assemble", content=body(parameters), headers=FHIR)
    assert answer.json()["version"] == "0.1.0-assembled"


def test_assemble_parameters_without_a_questionnaire_is_400(client: TestClient) -> None:
    answer = client.post(
        "/fhir/Questionnaire/$assemble", content=body({"resourceType": "Parameters"}), headers=FHIR
    )
    assert_outcome(answer, 400, "invalid", "mist de parameter 'questionnaire'")


def test_assemble_a_module_that_does_not_exist_is_404(client: TestClient) -> None:
    modular = client.get("/fhir/Questionnaire/leidraad").json()
    text = body(modular).replace(b"Questionnaire/thema-1|", b"Questionnaire/thema-77|")
    answer = client.post("/fhir/Questionnaire/$assemble", content=text, headers=FHIR)
    assert_outcome(answer, 404, "not-found")
