"""Benchmark: the stages on the five shipped example responses.

Run: ``.venv/bin/python scripts/bench_extract.py [--rounds 20]``. Prints milliseconds per response
for JSON parsing, validation, extraction (which validates too) and the fhir.resources R4B parse
of the bundle, with ratios to the JSON baseline. Asserts nothing: timing depends on the machine.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from importlib.resources import files
from typing import Any

from fhir.resources.R4B.bundle import Bundle

from fhir_werk.extraction._extract import extract, usable_questionnaire
from fhir_werk.publishing._artifacts import published
from fhir_werk.validation._validate import resolve_questionnaire, validate_response


def _per_call(action: Callable[[], Any], rounds: int) -> float:
    started = time.perf_counter()
    for _ in range(rounds):
        action()
    return (time.perf_counter() - started) / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    folder = files("fhir_werk.questionnaires").joinpath("voorbeelden")
    texts = [e.read_text(encoding="utf-8") for e in folder.iterdir() if e.name.endswith(".json")]
    responses = [json.loads(t) for t in texts]
    form = usable_questionnaire(resolve_questionnaire(responses[0], published()))
    extract(responses[0])  # compile the FHIRPath expressions once, as a running service would
    bundles = [json.dumps(extract(r)) for r in responses]
    n = len(responses)
    figures = {
        "json.loads + dumps": _per_call(lambda: [json.dumps(json.loads(t)) for t in texts], rounds) / n,
        "validate": _per_call(lambda: [validate_response(r, form) for r in responses], rounds) / n,
        "extract (incl. validate)": _per_call(lambda: [extract(r) for r in responses], rounds) / n,
        "R4B parse of the bundle": _per_call(lambda: [Bundle.model_validate_json(b) for b in bundles], rounds)
        / n,
    }
    base = figures["json.loads + dumps"]
    for name, ms in figures.items():
        print(f"{name:28s} {ms:8.3f} ms/response  {ms / base:8.1f}x JSON")
    print(f"extract: {1000 / figures['extract (incl. validate)']:.0f} responses/s on one core")


if __name__ == "__main__":
    main()
