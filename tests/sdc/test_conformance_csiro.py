"""CSIRO's own engine on the same conformance cases, compared the same way: the results table in
docs/sdc-engine.md says which it gets right, and this keeps that true."""

from __future__ import annotations

from pathlib import Path

import pytest

from jstools import csiro_extract_many, js_tools  # noqa: F401  (js_tools: session fixture)
from sdc_cases import cases, differences

CSIRO_WRONG = {
    # Its npm release (1.0.16) leaves out templateExtract's ifMatch, ifNoneExist and ifNoneMatch
    # (the resources themselves are right).
    "own-allergies",
    "own-medication-list",
    "own-problem-list",
    # It does not know extractAllocateId on an item ("undefined environment variable"), and
    # leaves out ifNoneExist.
    "own-contact-person",
    # It does template-based extraction only, and refuses templateExtractBundle ("does not
    # contain any templateExtract extensions").
    "own-definition-contact",
    "own-legacy-context",
    "own-work-bundle",
    "own-work-observations",
}
DOC = Path(__file__).resolve().parents[2] / "docs" / "sdc-engine.md"

pytestmark = [pytest.mark.node, pytest.mark.usefixtures("js_tools")]


def test_csiro_gets_right_what_the_results_table_says() -> None:
    found = cases()
    results = csiro_extract_many(
        [
            {
                "questionnaire": c.questionnaire,
                "response": c.response,
                "comparisonSource": c.comparison_source,
            }
            for c in found
        ]
    )
    wrong = {
        case.name
        for case, result in zip(found, results, strict=True)
        if not result["ok"]
        or result["bundle"] is None
        or differences(result["bundle"], case.expected, case.name)
    }
    assert wrong == CSIRO_WRONG
    table = DOC.read_text(encoding="utf-8")
    for case in found:
        mark = "✗" if case.name in CSIRO_WRONG else "✓"
        assert f"| `{case.name}` | ✓ | {mark} |" in table
