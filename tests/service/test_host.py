"""DNS rebinding and a reflected Host (issue 19, items 4 and 6): the local mode answers only to
loopback names, and absolute URLs come from the configured base URL or the socket, never from
the request's Host header."""

from __future__ import annotations

from pathlib import Path

import pytest

from fhir_werk.service import ServiceSettings, create_app

from .kit import FHIR, TestClient, assert_outcome, body, example, post


@pytest.mark.parametrize(
    "host",
    ["rebind.attacker.example:80", "rebind.attacker.example", "127.0.0.1.nip.io", "localhost:1", "", "[::2]"],
)
def test_the_local_mode_refuses_another_host(client: TestClient, host: str) -> None:
    stored = post(client, example()).json()
    answer = client.get(f"/fhir/QuestionnaireResponse/{stored['id']}", headers={"host": host})
    assert_outcome(answer, 400, "security", "127.0.0.1, localhost of [::1]")
    assert "voorbeeld-els" not in answer.text
    assert client.get("/", headers={"host": host}).status_code == 400  # the page as well


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:80", "[::1]", "LOCALHOST"])
def test_the_local_mode_answers_to_loopback_names(client: TestClient, host: str) -> None:
    assert client.get("/fhir/metadata", headers={"host": host}).status_code == 200


def test_absolute_urls_never_come_from_the_host_header(client: TestClient) -> None:
    created = post(client, example(), host="localhost")
    assert created.headers["location"].startswith("http://testserver/fhir/QuestionnaireResponse/")
    found = client.get("/fhir/QuestionnaireResponse?_count=1", headers={"host": "localhost"}).json()
    assert all(link["url"].startswith("http://testserver/fhir/") for link in found["link"])


def test_the_configured_base_url_is_used(tmp_path: Path) -> None:
    settings = ServiceSettings(data_dir=tmp_path, public_base_url="https://fhir-werk.zorg.example")
    with TestClient(create_app(settings, worker=False)) as client:
        created = client.post("/fhir/QuestionnaireResponse", content=body(example()), headers=FHIR)
        assert created.headers["location"].startswith(
            "https://fhir-werk.zorg.example/fhir/QuestionnaireResponse/"
        )
        found = client.get("/fhir/QuestionnaireResponse").json()
        assert found["link"][0]["url"] == "https://fhir-werk.zorg.example/fhir/QuestionnaireResponse"
        assert found["entry"][0]["fullUrl"].startswith("https://fhir-werk.zorg.example/fhir/")
