"""A general SDC ``$extract`` engine: any Questionnaire, any resource type, nothing of Werk.

SDC 4.0.0 Data Extraction (https://build.fhir.org/ig/HL7/sdc/extraction.html), template-based:
``templateExtract`` with all its parts (template, fullUrl, resourceId, ifNoneExist, ifNoneMatch,
ifMatch, ifModifiedSince), ``templateExtractContext``, ``templateExtractValue``,
``extractAllocateId``, ``templateExtractBundle``, item and Questionnaire variables; a comparison
source keeps only what changed. What it does not run is a warning in the OperationOutcome.
Drafts are extracted like any response: whether a result is used is the caller's decision.

    bundle, outcome = extract(response, questionnaire)
"""

from fhir_werk.extraction.sdc._engine import Made
from fhir_werk.extraction.sdc._extract import extract, template_resources

__all__ = ["Made", "extract", "template_resources"]
