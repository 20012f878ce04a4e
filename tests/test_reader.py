"""Reading untrusted bytes (``parse_json``, ``load_resource``): each refusal on its exact outcome."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fhir_werk.shared import InputTooLargeError, UnreadableInputError
from fhir_werk.validation import InputLimits, load_resource, parse_json

QR = b'{"resourceType": "QuestionnaireResponse", "status": "completed"}'


def refusal(data: bytes, **kwargs: Any) -> tuple[int, str, str | None, str]:
    read = load_resource if "resource_types" in kwargs else parse_json
    with pytest.raises(UnreadableInputError) as caught:
        read(data, **kwargs)
    (only,) = caught.value.outcome["issue"]
    assert only["severity"] == "error"
    assert only["details"]["_text"]["extension"][0]["extension"][1]["valueString"] == only["diagnostics"]
    return caught.value.status, only["code"], (only.get("expression") or [None])[0], only["details"]["text"]


def test_a_resource_is_read() -> None:
    assert load_resource(QR, "QuestionnaireResponse") == {
        "resourceType": "QuestionnaireResponse",
        "status": "completed",
    }


def test_a_utf8_byte_order_mark_is_tolerated() -> None:
    assert parse_json(b"\xef\xbb\xbf" + QR)["status"] == "completed"


def test_too_many_bytes_is_refused_before_reading() -> None:
    with pytest.raises(InputTooLargeError):
        parse_json(b"\xff" * 11, limits=InputLimits(max_input_bytes=10))
    assert refusal(b"[" * 11, limits=InputLimits(max_input_bytes=10), source="qr.json") == (
        413,
        "too-costly",
        None,
        "Bestand 'qr.json' is te groot (11 bytes; de grens is 10).",
    )


def test_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FHIR_WERK_MAX_INPUT_BYTES", "5")
    assert InputLimits().max_input_bytes == 5
    assert refusal(QR)[:2] == (413, "too-costly")


def test_a_given_limit_wins_over_the_environment_and_the_rest_still_follow_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FHIR_WERK_MAX_INPUT_BYTES", "5")
    monkeypatch.setenv("fhir_werk_max_depth", "7")
    limits = InputLimits(max_input_bytes=50)
    assert (limits.max_input_bytes, limits.max_depth, limits.max_repetitions) == (50, 7, 1000)
    monkeypatch.setenv("FHIR_WERK_MAX_DEPTH", "zeven")
    with pytest.raises(ValidationError):
        InputLimits()


def test_reading_within_the_default_limits_does_not_load_pydantic() -> None:
    # pydantic(-settings) reads the FHIR_WERK_* limits only when one is set: a cold command
    # without them is ~0.1 s faster (docs/performance.md, "Import").
    probe = (
        "import sys; from fhir_werk.validation import InputLimits, load_resource;"
        f"load_resource({QR!r}, 'QuestionnaireResponse'); InputLimits();"
        "print(sorted(m for m in ('pydantic', 'pydantic_settings') if m in sys.modules))"
    )
    env = {k: v for k, v in os.environ.items() if not k.lower().startswith("fhir_werk_")}
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=env)
    assert found.stdout.strip() == "[]"


def test_nesting_past_the_limit_is_refused_without_recursion() -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    assert refusal(deep) == (
        413,
        "too-costly",
        None,
        "De invoer is te diep genest (100000 niveaus; de grens is 100).",
    )
    assert parse_json(b"[" * 100 + b"]" * 100) is not None


def test_brackets_inside_strings_are_no_nesting() -> None:
    text = '["' + "[{" * 500 + '\\"]"]'
    assert parse_json(text.encode()) == ["[{" * 500 + '"]']


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"", "De invoer is leeg."),
        (b" \n\t", "De invoer is leeg."),
        (b"\xef\xbb\xbf", "De invoer is leeg."),
        (b'{"a": "\xff"}', "De invoer is geen UTF-8-tekst (ongeldige byte op positie 7)."),
        (b"\xff\xfe{\x00}\x00", "De invoer is geen UTF-8-tekst (ongeldige byte op positie 0)."),
        (b'{\n  "a": 1,\n}', "De invoer is geen geldige JSON (regel 3, kolom 1)."),
        (b'{"a": "b', "De invoer is geen geldige JSON (regel 1, kolom 7)."),
        (b"[1] [2]", "De invoer is geen geldige JSON (regel 1, kolom 5)."),
        (b'{"a": NaN}', "De invoer bevat NaN, Infinity of een getal dat te groot is; dat is geen JSON."),
        (b"[Infinity]", "De invoer bevat NaN, Infinity of een getal dat te groot is; dat is geen JSON."),
        (b"[-Infinity]", "De invoer bevat NaN, Infinity of een getal dat te groot is; dat is geen JSON."),
        (b"[1e400]", "De invoer bevat NaN, Infinity of een getal dat te groot is; dat is geen JSON."),
        (b"[" + b"7" * 5000 + b"]", "De invoer bevat een getal dat te lang is om te lezen."),
    ],
)
def test_unreadable_json_is_refused(data: bytes, text: str) -> None:
    assert refusal(data) == (400, "structure", None, text)


def test_a_duplicate_key_is_refused_with_the_path_of_its_object() -> None:
    data = (
        b'{"resourceType": "QuestionnaireResponse", "item": [{"linkId": "a"},'
        b' {"linkId": "b", "answer": [{"valueString": "x", "valueString": "y"}]}]}'
    )
    path = "QuestionnaireResponse.item[1].answer[0]"
    assert refusal(data, source="qr.json") == (
        400,
        "structure",
        path,
        f"Bestand 'qr.json' bevat in één object de sleutel 'valueString' twee keer ({path}).",
    )
    assert refusal(b'[{"a": 1, "a": 1}]')[2:] == (
        "$[0]",
        "De invoer bevat in één object de sleutel 'a' twee keer ($[0]).",
    )


@pytest.mark.parametrize(
    ("data", "text"),
    [
        (b"[]", "De invoer is geen FHIR-resource (QuestionnaireResponse) maar een lijst."),
        (b'"x"', "De invoer is geen FHIR-resource (QuestionnaireResponse) maar een tekst."),
        (b"12", "De invoer is geen FHIR-resource (QuestionnaireResponse) maar een getal."),
        (b"null", "De invoer is geen FHIR-resource (QuestionnaireResponse) maar null."),
    ],
)
def test_a_resource_must_be_an_object(data: bytes, text: str) -> None:
    assert refusal(data, resource_types="QuestionnaireResponse") == (400, "structure", None, text)


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (b'{"resourceType": "Patient"}', "een Patient"),
        (b"{}", "een object zonder resourceType"),
        (b'{"resourceType": null}', "een object zonder resourceType"),
        (b'{"resourceType": ["Bundle"]}', "een object met een ongeldige resourceType"),
        (b'{"resourceType": "<script>"}', "een object met een ongeldige resourceType"),
    ],
)
def test_the_resource_type_must_be_one_expected(data: bytes, found: str) -> None:
    assert refusal(data, resource_types=("Bundle", "QuestionnaireResponse")) == (
        400,
        "invalid",
        "resourceType",
        f"De invoer is geen Bundle of QuestionnaireResponse maar {found}.",
    )


@settings(max_examples=400, deadline=None)
@given(
    st.binary(max_size=200)
    | st.text(alphabet='[]{}":,0123456789.eE-+ \\ntrufalsNIiy\ud800', max_size=200).map(
        lambda t: t.encode("utf-8", "surrogatepass")
    )
)
def test_arbitrary_bytes_are_read_or_refused_never_anything_else(data: bytes) -> None:
    try:
        load_resource(data, "QuestionnaireResponse", limits=InputLimits(max_depth=20))
    except UnreadableInputError as exc:  # the only refusal there is
        refused = exc.outcome["issue"][0]["details"]["text"]
        assert refused, refused
