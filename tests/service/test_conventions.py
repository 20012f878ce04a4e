"""FHIR's HTTP conventions on every route: media types, _format, the size limit, an
OperationOutcome with the right status for every error, /healthz, /readyz, OpenAPI at /docs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from fhir_werk.service import ServiceSettings, create_app

from .kit import FHIR, TestClient, assert_outcome, body, example, post


def test_healthz_and_readyz_answer(client: TestClient) -> None:
    assert client.get("/healthz").json()["issue"][0]["details"]["text"] == "In leven."
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["issue"][0]["details"]["text"] == "Klaar."


def test_readyz_names_a_target_without_adapter(settings: ServiceSettings) -> None:
    settings.targets = ["bestaat-niet"]
    with TestClient(create_app(settings, worker=False)) as client:
        assert_outcome(client.get("/readyz"), 503, "transient", "Doel 'bestaat-niet' heeft geen")


def test_openapi_is_at_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/fhir/QuestionnaireResponse" in paths
    create = paths["/fhir/QuestionnaireResponse"]["post"]
    assert "application/fhir+json" in create["requestBody"]["content"]


def test_an_unknown_address_is_a_404_outcome(client: TestClient) -> None:
    assert_outcome(client.get("/fhir/Patient/1"), 404, "not-found", "Onbekend adres")


def test_an_unsupported_method_is_a_405_outcome(client: TestClient) -> None:
    # The plan copies are written only through a response: no DELETE of their own.
    assert_outcome(client.delete("/fhir/CarePlan/x"), 405, "not-supported", "methode")
    assert_outcome(client.patch("/fhir/QuestionnaireResponse/x"), 405, "not-supported", "methode")


@pytest.mark.parametrize("fmt", ["json", "application/fhir+json"])
def test_format_json_answers_fhir_json(client: TestClient, fmt: str) -> None:
    answer = client.get("/fhir/metadata", params={"_format": fmt})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/fhir+json"


def test_format_application_json_answers_plain_json(client: TestClient) -> None:
    answer = client.get("/fhir/metadata", params={"_format": "application/json"})
    assert answer.headers["content-type"] == "application/json"


def test_format_xml_is_406(client: TestClient) -> None:
    assert_outcome(client.get("/fhir/metadata", params={"_format": "xml"}), 406, "not-supported", "FHIR JSON")


@pytest.mark.parametrize(
    "media", ["application/xml", "text/plain", "", "application/fhir+json; charset=latin-1"]
)
def test_a_body_that_is_not_fhir_json_is_415(client: TestClient, media: str) -> None:
    answer = client.post(
        "/fhir/QuestionnaireResponse", content=body(example()), headers={"content-type": media}
    )
    assert_outcome(answer, 415, "not-supported", "Verkeerd Content-Type")


def test_plain_application_json_is_read_too(client: TestClient) -> None:
    answer = client.post(
        "/fhir/QuestionnaireResponse/$validate",
        content=body(example()),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 200


def test_a_body_past_the_limit_is_413_by_its_length(settings: ServiceSettings) -> None:
    settings.max_body_bytes = 1000
    with TestClient(create_app(settings, worker=False)) as client:
        assert_outcome(post(client, example()), 413, "too-costly", "de grens is 1000 bytes")


def test_a_streamed_body_past_the_limit_is_413(settings: ServiceSettings) -> None:
    settings.max_body_bytes = 1000

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is counted while reading
        for _ in range(10):
            yield b" " * 500

    with TestClient(create_app(settings, worker=False)) as client:
        answer = client.post("/fhir/QuestionnaireResponse", content=chunks(), headers=FHIR)
        assert_outcome(answer, 413, "too-costly", "te groot")


def test_an_unexpected_error_is_500_naming_only_its_type(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Patient/voorbeeld-els zei: geheim antwoord")

    monkeypatch.setattr("fhir_werk.service.api._response_ops.validate_response", broken)
    answer = client.post("/fhir/QuestionnaireResponse/$validate", content=body(example()), headers=FHIR)
    result = assert_outcome(answer, 500, "exception", "Interne fout in fhir-werk (RuntimeError)")
    assert "geheim" not in answer.text
    assert "voorbeeld-els" not in answer.text
    assert len(result["issue"]) == 1


def test_a_query_parameter_of_the_wrong_type_is_400(client: TestClient) -> None:
    assert_outcome(
        client.get("/fhir/QuestionnaireResponse", params={"_count": "veel"}), 400, "invalid", "_count"
    )


def test_logs_are_json_lines_without_traceback_or_exception_text() -> None:
    import logging

    from fhir_werk.service._logging import JsonFormatter

    try:
        raise ValueError("antwoord van Patient/voorbeeld-els")
    except ValueError:
        import sys

        record = logging.LogRecord(
            "fhir_werk.service", logging.ERROR, __file__, 1, "interne fout: %s", ("X",), sys.exc_info()
        )
    line = JsonFormatter().format(record)
    assert json.loads(line) | {"time": "t"} == {
        "time": "t",
        "level": "ERROR",
        "logger": "fhir_werk.service",
        "message": "interne fout: X",
        "exception": "ValueError",
    }
    assert "voorbeeld-els" not in line
    assert "Traceback" not in line


def test_readyz_names_a_delivery_folder_that_cannot_be_written(
    settings: ServiceSettings, tmp_path: Path
) -> None:
    blocker = tmp_path / "een-bestand"
    blocker.write_text("geen map")
    settings.file_directory = blocker / "aflevering"  # below a file: cannot be made
    with TestClient(create_app(settings, worker=False)) as client:
        assert_outcome(client.get("/readyz"), 503, "transient", "aflevermap van het doel 'file'")
