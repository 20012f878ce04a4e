"""Conditional create under concurrency (issue 19, item 7): ten identical POSTs with
``If-None-Exist`` at once give one 201 and nine 200 with that same resource — as they do one after
another — never a 409; and the winner of a race is never handed to another patient's request."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from .kit import FHIR, Serve, body, example

SYSTEM = "https://fhir-werk.nl/fhir/NamingSystem/test-race"


def test_ten_identical_conditional_creates_give_one_201_and_nine_200(tmp_path: Path) -> None:
    serve = Serve(tmp_path / "data", "--no-worker")
    try:
        for round_number in range(3):  # a race may be lost by chance in one round, not in three
            identifier = {"system": SYSTEM, "value": f"r{round_number}"}
            data = body(example(identifier=identifier))
            headers = FHIR | {"If-None-Exist": f"identifier={SYSTEM}|r{round_number}"}
            start = threading.Barrier(10)

            def send(
                _: int,
                data: bytes = data,
                headers: dict[str, str] = headers,
                start: threading.Barrier = start,
            ) -> httpx.Response:
                start.wait()
                return httpx.post(
                    f"{serve.base}/fhir/QuestionnaireResponse", content=data, headers=headers, timeout=60
                )

            with ThreadPoolExecutor(10) as pool:
                answers = list(pool.map(send, range(10)))
            statuses = sorted(a.status_code for a in answers)
            assert statuses == [200] * 9 + [201], [a.text[:200] for a in answers if a.status_code >= 300]
            assert len({a.json()["id"] for a in answers}) == 1
    finally:
        serve.stop()
