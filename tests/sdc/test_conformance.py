"""The conformance suite: every case of our own (written from the SDC IG's Data Extraction text)
through the general engine, each bundle compared resource by resource with the expected one (ids,
fullUrls and order aside)."""

from __future__ import annotations

import pytest

from fhir_werk.extraction.sdc import extract

from sdc_cases import Case, cases, differences

CASES = cases()


def test_the_suite_holds_a_case_for_each_extraction_feature() -> None:
    names = {c.name for c in CASES}
    assert names == {
        "own-allergies",  # resourceId + fullUrl (PUT), ifMatch, a context inside the template
        "own-contact-person",  # extractAllocateId, two templates on one item, ifNoneExist
        "own-definition-contact",  # definitionExtract, definitionExtractValue
        "own-legacy-context",  # itemExtractionContext (SDC 3) with a resource type
        "own-medication-list",  # templateExtract on a repeating group, templateExtractValue
        "own-medication-modified",  # modifications only (comparison source)
        "own-problem-list",  # templateExtractContext on the template's root
        "own-work-bundle",  # templateExtractBundle
        "own-work-observations",  # observationExtract
    }
    assert sum(c.comparison_source is not None for c in CASES) == 1


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_extracts_as_expected(case: Case) -> None:
    bundle, outcome = extract(case.response, case.questionnaire, comparison_source=case.comparison_source)
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "transaction"
    assert differences(bundle, case.expected, case.name) == []
    assert not [i for i in outcome["issue"] if i["severity"] in ("error", "fatal")]
