"""The conformance suite: every peer (CSIRO) and SDC IG case through the general engine, each
bundle compared resource by resource with the expected one (ids, fullUrls and order aside)."""

from __future__ import annotations

import pytest

from fhir_werk.extraction.sdc import extract
from tests.sdc.cases import Case, cases, differences

CASES = cases()


def test_the_suite_holds_the_peer_and_ig_cases() -> None:
    names = {c.name for c in CASES}
    assert len(names) >= 13
    assert {"sdc-extract-complex-template", "sdc-extract-complex-template2"} <= names


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_extracts_as_expected(case: Case) -> None:
    bundle, outcome = extract(case.response, case.questionnaire, comparison_source=case.comparison_source)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "transaction"
    assert differences(bundle, case.expected, case.name) == []
    assert not [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]
